"""Who may see which client: the caseload rule, as queries (``web/access.py`` enforces it).

Functions take a session and the inputs; none imports Flask.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from companion.models import Client, Role, StaffUser
from companion.services import audit


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
