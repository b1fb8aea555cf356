"""Who may see which client: the caseload rule, as queries (``web/access.py`` enforces it).

Functions take a session and the inputs; none imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from companion.models import Client, ClientStatus, Role, StaffUser
from companion.services import audit
from companion.services.staff import CASELOAD_COLUMNS


def caseload_query(user: StaffUser) -> Select[tuple[Client]]:
    """Clients ``user`` may see: admins all, providers theirs, officers their supervisees
    (and those of officers they back up), examiners the clients assigned to them."""
    query = select(Client)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.PROVIDER:
        return query.where(Client.provider_id == user.id)
    if user.role == Role.OFFICER:
        return query.where(
            or_(
                Client.officer_id == user.id,
                Client.officer.has(StaffUser.backup_officer_id == user.id),
            )
        )
    if user.role == Role.EXAMINER:
        return query.where(Client.examiner_id == user.id)
    return query.where(Client.id.is_(None))


def held_by(
    session: Session, people: Iterable[StaffUser], shown: int
) -> dict[int, tuple[list[Client], int]]:
    """For each of ``people``: the first ``shown`` clients in care they hold (by their
    role's column, by name) and how many in all. One statement per role, however many
    people: the admin's Today page asks it of every provider and officer at once."""
    found: dict[int, tuple[list[Client], int]] = {}
    by_role: dict[Role, list[int]] = {}
    for person in people:
        if person.role in CASELOAD_COLUMNS:
            by_role.setdefault(person.role, []).append(person.id)
            found[person.id] = ([], 0)
    for role, ids in by_role.items():
        column = CASELOAD_COLUMNS[role]
        ranked = (
            select(
                Client,
                column.label("holder"),
                func.row_number()
                .over(partition_by=column, order_by=(Client.display_name, Client.id))
                .label("n"),
                func.count().over(partition_by=column).label("total"),
            )
            .where(column.in_(ids), Client.status != ClientStatus.DISCHARGED)
            .subquery()
        )
        row = aliased(Client, ranked)
        query = select(row, ranked.c.holder, ranked.c.total).where(ranked.c.n <= shown)
        for held, holder, total in session.execute(query.order_by(ranked.c.n)):
            found[holder][0].append(held)
            found[holder] = (found[holder][0], total)
    return found


def client(session: Session, client_id: int) -> Client | None:
    return session.get(Client, client_id)


def in_caseload(session: Session, user: StaffUser, client_id: int) -> bool:
    """Whether client ``client_id`` is in ``user``'s caseload."""
    found = session.scalar(
        caseload_query(user).where(Client.id == client_id).with_only_columns(Client.id)
    )
    return found is not None


def record_view(
    session: Session,
    actor: StaffUser,
    client: Client,
    page: str,
    now: datetime,
    details: dict[str, Any],
) -> None:
    """Audit one view of a client's record by ``actor``, and commit."""
    audit.record(
        session,
        "client.viewed",
        now=now,
        actor=actor,
        subject=client,
        details={"page": page, **details},
    )
    session.commit()
