"""Putting texts in the outbox, and taking them back out before they go.

Every outbound text is first a row with a unique dedupe key derived from its
purpose, so planning the same thing twice inserts nothing new.

This module is the one writer of outbox rows: ``enqueue`` for one text (its
row back), ``enqueue_many`` for a batch built with ``outbox_row`` (planning:
tens of thousands of rows a tick, one executemany), and ``enqueue_from`` for
rows the database builds itself from a SELECT (check-in prompts and
reminders). All three insert ``ON CONFLICT (dedupe_key) DO NOTHING``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from companion.models import Direction, Message, Status

# What every new outbox row starts as (besides its purpose and times).
_NEW = {
    "direction": Direction.OUTBOUND,
    "status": Status.PENDING,
    "attempts": 0,
    "uncertain": False,
    "num_media": 0,
}


def outbox_row(
    now: datetime,
    *,
    kind: str,
    dedupe_key: str,
    send_after: datetime | None = None,
    expires_at: datetime | None = None,
    client_id: int | None = None,
    staff_user_id: int | None = None,
    to_number: str | None = None,
    params: dict[str, Any] | None = None,
    check_in_id: int | None = None,
    appointment_id: int | None = None,
) -> dict[str, Any]:
    """The column values of one new outbox row (for ``enqueue_many``)."""
    return {
        **_NEW,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "params": params or {},
        "send_after": send_after or now,
        "expires_at": expires_at,
        "client_id": client_id,
        "staff_user_id": staff_user_id,
        "to_number": to_number,
        "check_in_id": check_in_id,
        "appointment_id": appointment_id,
        "created_at": now,
        "updated_at": now,
    }


def _insert(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(Message.__table__)


def _entity_insert(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(Message)


def _ignoring_duplicates(stmt: Any) -> Insert:
    return stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])


def enqueue(session: Session, *, now: datetime, **fields: Any) -> Message | None:
    """Queue one text; return its row, or None when that purpose was already queued.

    ``fields`` are ``outbox_row``'s (``kind`` and ``dedupe_key`` required).
    ``to_number`` is only for texts with no client or staff member behind
    them (a reply to an unknown sender); otherwise the number is looked up at
    send time so a corrected phone number is used.
    """
    stmt = _ignoring_duplicates(_entity_insert(session).values(**outbox_row(now, **fields)))
    # The row comes back from the INSERT itself (RETURNING): one round trip, not two.
    return session.scalars(stmt.returning(Message)).one_or_none()


def enqueue_many(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Queue a batch of ``outbox_row`` values; a dedupe key already queued is left as it is.

    Core, not ORM bulk inserts: planning writes tens of thousands of rows a
    tick, and the ORM's per-row bookkeeping would cost more than the rows.
    """
    rows = list(rows)
    if rows:
        session.execute(_ignoring_duplicates(_insert(session)), rows)


def enqueue_from(
    session: Session,
    now: datetime,
    columns: Mapping[str, ColumnElement[Any]],
    *where: ColumnElement[bool],
) -> None:
    """Queue one row per row of a SELECT the database runs itself.

    ``columns`` gives the SQL expression of each purpose column (``kind``,
    ``dedupe_key``, ``client_id``, ``params``, ``send_after``, ...) over the
    tables named in ``where``; the rest start as ``outbox_row`` starts them.
    Nothing goes through Python per row.
    """
    table = Message.__table__.c
    values: dict[str, ColumnElement[Any]] = {
        name: literal(value, table[name].type) for name, value in _NEW.items()
    }
    values["created_at"] = literal(now, table.created_at.type)
    values["updated_at"] = literal(now, table.updated_at.type)
    values.update(columns)
    stmt = _insert(session).from_select(list(values), select(*values.values()).where(*where))
    session.execute(_ignoring_duplicates(stmt))


def cancel_pending(
    session: Session,
    *,
    client_id: int,
    reason: str,
    now: datetime,
    keep_kinds: set[str] | None = None,
) -> int:
    """Withdraw a client's texts that have not gone out yet; return how many."""
    stmt = (
        update(Message)
        .where(
            Message.client_id == client_id,
            Message.direction == Direction.OUTBOUND,
            Message.status == Status.PENDING,
        )
        .values(status=Status.CANCELLED, status_reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if keep_kinds:
        stmt = stmt.where(Message.kind.not_in(keep_kinds))
    return session.execute(stmt).rowcount or 0


def pending_for(session: Session, client_id: int) -> list[Message]:
    """A client's texts still waiting to go, soonest first."""
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.client_id == client_id,
                Message.direction == Direction.OUTBOUND,
                Message.status == Status.PENDING,
            )
            .order_by(Message.send_after)
        )
    )
