"""Putting texts in the outbox, and taking them back out before they go.

Every outbound text is first a row with a unique dedupe key derived from its
purpose, so planning the same thing twice inserts nothing new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from companion.models import Direction, Message, Status


def enqueue(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    now: datetime,
    send_after: datetime | None = None,
    expires_at: datetime | None = None,
    client_id: int | None = None,
    staff_user_id: int | None = None,
    to_number: str | None = None,
    params: dict[str, Any] | None = None,
    check_in_id: int | None = None,
    appointment_id: int | None = None,
) -> Message | None:
    """Queue one text; return its row, or None when that purpose was already queued.

    ``to_number`` is only for texts with no client or staff member behind
    them (a reply to an unknown sender); otherwise the number is looked up at
    send time so a corrected phone number is used.
    """
    values = {
        "direction": Direction.OUTBOUND,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "params": params or {},
        "send_after": send_after or now,
        "expires_at": expires_at,
        "status": Status.PENDING,
        "attempts": 0,
        "uncertain": False,
        "num_media": 0,
        "client_id": client_id,
        "staff_user_id": staff_user_id,
        "to_number": to_number,
        "check_in_id": check_in_id,
        "appointment_id": appointment_id,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Message)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Message.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        return None
    return session.get(Message, new_id)


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
