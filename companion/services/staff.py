"""Staff accounts as administrators manage them: invite, edit, reset a password, unlock,
deactivate, and move a caseload. Passwords never reach the audit log.

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from companion.care.roles import Action, check
from companion.models import Client, Escalation, EscalationStatus, Role, StaffUser
from companion.services import accounts, audit, staff_sessions

# Which client column holds each role's caseload (admins have none).
CASELOAD_COLUMNS = {
    Role.PROVIDER: Client.provider_id,
    Role.OFFICER: Client.officer_id,
    Role.EXAMINER: Client.examiner_id,
}


def member(session: Session, staff_id: int) -> StaffUser | None:
    return session.get(StaffUser, staff_id)


def caseload_of(member: StaffUser, role: Role | None = None) -> Select[tuple[Client]]:
    """The clients assigned to ``member`` in ``role`` (their current role by default)."""
    column = CASELOAD_COLUMNS.get(role or member.role)
    if column is None:
        return select(Client).where(Client.id.is_(None))
    return select(Client).where(column == member.id)


def _count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def caseload_size(session: Session, member: StaffUser) -> int:
    return _count(session, caseload_of(member))


def caseload_clients(session: Session, member: StaffUser) -> list[Client]:
    return list(session.scalars(caseload_of(member).order_by(Client.display_name, Client.id)))


def everyone(session: Session) -> tuple[list[StaffUser], dict[int, int]]:
    """Every account (active first, by name), and each one's caseload size."""
    members = list(
        session.scalars(
            select(StaffUser).order_by(StaffUser.is_active_account.desc(), StaffUser.name)
        )
    )
    roles = {m.id: m.role for m in members}
    counts: dict[int, int] = {}
    for role, column in CASELOAD_COLUMNS.items():
        for staff_id, n in session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ):
            if roles.get(staff_id) == role:
                counts[staff_id] = n
    return members, counts


def active_officers(session: Session) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.role == Role.OFFICER, StaffUser.is_active_account.is_(True))
            .order_by(StaffUser.name)
        )
    )


def others_in_role(session: Session, member: StaffUser) -> list[StaffUser]:
    """Active staff with ``member``'s role, but not them: who can take their clients."""
    return list(
        session.scalars(
            select(StaffUser)
            .where(
                StaffUser.role == member.role,
                StaffUser.is_active_account.is_(True),
                StaffUser.id != member.id,
            )
            .order_by(StaffUser.name)
        )
    )


def email_taken(session: Session, email: str, member_id: int | None) -> bool:
    """Whether someone other than ``member_id`` signs in with ``email`` (lower case)."""
    taken = session.scalar(
        select(StaffUser.id).where(
            func.lower(StaffUser.email) == email, StaffUser.id != (member_id or 0)
        )
    )
    return taken is not None


def phone_taken(session: Session, phone: str, member_id: int | None) -> str | None:
    """Who else has ``phone`` (E.164): "staff", "client" or None."""
    staff = session.scalar(
        select(StaffUser.id).where(StaffUser.phone == phone, StaffUser.id != (member_id or 0))
    )
    if staff is not None:
        return "staff"
    if session.scalar(select(Client.id).where(Client.phone == phone)) is not None:
        return "client"
    return None


def summary(session: Session, member: StaffUser) -> tuple[int, int, list[StaffUser]]:
    """The member's caseload size, the open alerts on it, and the officers they back up."""
    caseload = caseload_of(member)
    client_ids = caseload.with_only_columns(Client.id).scalar_subquery()
    open_alerts = _count(
        session,
        select(Escalation).where(
            Escalation.status == EscalationStatus.OPEN, Escalation.client_id.in_(client_ids)
        ),
    )
    backs_up = list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.backup_officer_id == member.id)
            .order_by(StaffUser.name)
        )
    )
    return _count(session, caseload), open_alerts, backs_up


def invite(
    session: Session,
    values: dict[str, Any],
    password: str,
    typed: bool,
    actor: StaffUser,
    now: datetime,
) -> StaffUser:
    """Add a staff member with a temporary password (they choose their own at first
    sign-in); audited without the password; commits."""
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    added = StaffUser(created_at=now, must_change_password=True, **values)
    added.set_password(password)
    session.add(added)
    session.flush()
    audit.record(
        session,
        "staff.created",
        now=now,
        actor=actor,
        subject=added,
        details={
            "role": added.role.value,
            "temporary": "typed" if typed else "generated",
            "backup_officer_id": added.backup_officer_id,
        },
    )
    session.commit()
    return added


def update(
    session: Session, member: StaffUser, values: dict[str, Any], actor: StaffUser, now: datetime
) -> list[str]:
    """Set ``values`` on the member; the names that changed (audited); commits."""
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    changes = []
    for name, value in values.items():
        if getattr(member, name) != value:
            changes.append(name)
            setattr(member, name, value)
    if changes:
        details: dict[str, Any] = {"fields": changes}
        if "role" in changes:
            details["role"] = member.role.value
        if "backup_officer_id" in changes:
            details["backup_officer_id"] = member.backup_officer_id
        audit.record(
            session, "staff.updated", now=now, actor=actor, subject=member, details=details
        )
    session.commit()
    return changes


def reset_password(
    session: Session,
    member: StaffUser,
    password: str,
    typed: bool,
    actor: StaffUser,
    now: datetime,
) -> None:
    """A temporary password (to change at next sign-in); every session of theirs ends and
    the account is unlocked; audited without the password; commits."""
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    member.set_password(password)
    member.must_change_password = True
    member.password_changed_at = now
    member.end_other_sessions()
    staff_sessions.end_all(session, member, now, staff_sessions.PASSWORD_RESET)
    accounts.clear_failures(session, member)
    audit.record(
        session,
        "staff.password_reset",
        now=now,
        actor=actor,
        subject=member,
        details={"temporary": "typed" if typed else "generated"},
    )
    session.commit()


def unlock(session: Session, member: StaffUser, actor: StaffUser, now: datetime) -> None:
    """Forget every failed sign-in on the member's email: no address waits any more;
    audited; commits."""
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    addresses = accounts.clear_failures(session, member)
    audit.record(
        session, "staff.unlocked", now=now, actor=actor, subject=member,
        details={"addresses": addresses},
    )  # fmt: skip
    session.commit()


def deactivate(session: Session, member: StaffUser, actor: StaffUser, now: datetime) -> int:
    """No sign-in, no alerts, every session of theirs ended; audited; commits. How many
    clients still name them."""
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    member.is_active_account = False
    staff_sessions.end_all(session, member, now, staff_sessions.DEACTIVATED)
    clients = caseload_size(session, member)
    audit.record(
        session, "staff.deactivated", now=now, actor=actor, subject=member,
        details={"clients": clients},
    )  # fmt: skip
    session.commit()
    return clients


def reactivate(session: Session, member: StaffUser, actor: StaffUser, now: datetime) -> None:
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    member.is_active_account = True
    audit.record(session, "staff.reactivated", now=now, actor=actor, subject=member)
    session.commit()


def move_clients(
    session: Session,
    member: StaffUser,
    clients: Iterable[Client],
    target_id: int | None,
    actor: StaffUser,
    now: datetime,
) -> int:
    """Give ``clients`` (of ``member``'s caseload) to ``target_id`` in the member's role
    (None: nobody); each move audited; commits. How many moved."""
    check(actor.role, Action.MANAGE_STAFF)  # the role policy (care/roles.py)
    column = CASELOAD_COLUMNS[member.role]
    moved = 0
    for client in clients:
        setattr(client, column.key, target_id)
        client.updated_at = now
        # Only the assignment changes: texts already planned (and their times) stay.
        audit.record(
            session,
            "client.reassigned",
            now=now,
            actor=actor,
            subject=client,
            details={"role": member.role.value, "from": member.id, "to": target_id},
        )
        moved += 1
    session.commit()
    return moved
