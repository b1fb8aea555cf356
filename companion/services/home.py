"""What the home page (``/today``) reads: each role's lists, and the admin's staff checks.

Every caseload list is drawn from the caller's caseload query (``access.caseload_query``):
nobody sees outside their caseload. Functions take a session, the inputs and ``now``;
none imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from companion.models import (
    Appointment,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Escalation,
    EscalationStatus,
    PlanVersion,
    Role,
    StaffUser,
    WorkerHeartbeat,
)
from companion.services.escalations import nobody_told_since
from companion.services.staff import CASELOAD_COLUMNS

SHOWN = 50  # rows per list; the heading counts them all
UPCOMING = timedelta(hours=48)
MISSED_CHECKINS_SINCE = timedelta(days=7)
NO_SHOWS_SINCE = timedelta(days=30)
REVIEW_SOON = timedelta(days=7)
NO_RECIPIENT_SINCE = timedelta(days=30)
CLIENTS_SHOWN = 10  # clients named under a staff warning
# Appointments still to come (not cancelled, not yet kept or missed).
COMING = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.RESCHEDULE_REQUESTED,
)

Caseload = Select[tuple[Client]]


@dataclass
class Listed:
    """The first rows of a list, and how many there are in all."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _listed(session: Session, query: Select[Any], *, scalars: bool = True) -> Listed:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result = session.scalars(query.limit(SHOWN)) if scalars else session.execute(query.limit(SHOWN))
    return Listed(list(result.all()), total or 0)


def _ids(caseload: Caseload) -> Any:
    return caseload.with_only_columns(Client.id).scalar_subquery()


# -- provider and officer ------------------------------------------------------------------


def open_alerts(session: Session, caseload: Caseload) -> Listed:
    """Open escalations on the caseload: urgent first, then the oldest first."""
    return _listed(
        session,
        select(Escalation)
        .options(selectinload(Escalation.client))
        .where(
            Escalation.client_id.in_(_ids(caseload)),
            Escalation.status == EscalationStatus.OPEN,
        )
        .order_by(case((Escalation.urgent, 0), else_=1), Escalation.opened_at, Escalation.id),
    )


def upcoming(session: Session, caseload: Caseload, now: datetime) -> Listed:
    """Appointments starting in the next 48 hours, soonest first."""
    return _listed(
        session,
        select(Appointment)
        .options(selectinload(Appointment.client))
        .where(
            Appointment.client_id.in_(_ids(caseload)),
            Appointment.starts_at >= now,
            Appointment.starts_at < now + UPCOMING,
            Appointment.status.in_(COMING),
        )
        .order_by(Appointment.starts_at, Appointment.id),
    )


def missed_checkins(session: Session, caseload: Caseload, now: datetime) -> Listed:
    """Check-ins missed in the last 7 days, newest first."""
    return _listed(
        session,
        select(CheckIn)
        .options(selectinload(CheckIn.client))
        .where(
            CheckIn.client_id.in_(_ids(caseload)),
            CheckIn.status == CheckInStatus.MISSED,
            CheckIn.due_at >= now - MISSED_CHECKINS_SINCE,
            CheckIn.due_at <= now,
        )
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc()),
    )


@dataclass
class PlanDue:
    client: Client
    plan: PlanVersion | None


def plans_due(session: Session, caseload: Caseload, today: date) -> Listed:
    """Clients still in care whose plan is missing, undated, overdue or due within 7 days."""
    latest = (
        select(PlanVersion.client_id, func.max(PlanVersion.version).label("version"))
        .group_by(PlanVersion.client_id)
        .subquery()
    )
    query = (
        caseload.outerjoin(latest, latest.c.client_id == Client.id)
        .outerjoin(
            PlanVersion,
            and_(PlanVersion.client_id == Client.id, PlanVersion.version == latest.c.version),
        )
        .add_columns(PlanVersion)
        .where(
            Client.status != ClientStatus.DISCHARGED,
            or_(
                PlanVersion.id.is_(None),
                PlanVersion.review_date.is_(None),
                PlanVersion.review_date <= today + REVIEW_SOON,
            ),
        )
        .order_by(
            case((PlanVersion.id.is_(None), 0), (PlanVersion.review_date.is_(None), 1), else_=2),
            PlanVersion.review_date,
            Client.display_name,
            Client.id,
        )
    )
    found = _listed(session, query, scalars=False)
    found.rows = [PlanDue(client, plan) for client, plan in found.rows]
    return found


def no_shows(session: Session, caseload: Caseload, now: datetime) -> Listed:
    """Appointments recorded missed that were due in the last 30 days, newest first."""
    return _listed(
        session,
        select(Appointment)
        .options(selectinload(Appointment.client))
        .where(
            Appointment.client_id.in_(_ids(caseload)),
            Appointment.status == AppointmentStatus.MISSED,
            Appointment.starts_at >= now - NO_SHOWS_SINCE,
            Appointment.starts_at <= now,
        )
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc()),
    )


# -- admin ---------------------------------------------------------------------------------


def staff_counts(session: Session) -> dict[Role, list[int]]:
    """Per role: [active accounts, deactivated accounts]."""
    counts: dict[Role, list[int]] = {role: [0, 0] for role in Role}
    for role, active, n in session.execute(
        select(StaffUser.role, StaffUser.is_active_account, func.count()).group_by(
            StaffUser.role, StaffUser.is_active_account
        )
    ):
        counts[role][0 if active else 1] += n
    return counts


def alert_counts(session: Session) -> tuple[int, int]:
    """Open alerts, and how many of them are urgent."""
    open_alerts, urgent = session.execute(
        select(func.count(), func.count(case((Escalation.urgent, 1))))
        .select_from(Escalation)
        .where(Escalation.status == EscalationStatus.OPEN)
    ).one()
    return open_alerts, urgent


def all_staff(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id)))


def _in_care() -> Any:
    return Client.status != ClientStatus.DISCHARGED


def _some(session: Session, query: Select[tuple[Client]]) -> tuple[list[Client], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shown = session.scalars(
        query.order_by(Client.display_name, Client.id).limit(CLIENTS_SHOWN)
    ).all()
    return list(shown), total


def clients_of(session: Session, person: StaffUser) -> tuple[list[Client], int]:
    """The first clients in care that ``person`` holds (by their role), and how many in all."""
    column = CASELOAD_COLUMNS[person.role]
    return _some(session, select(Client).where(column == person.id, _in_care()))


def without_officer(session: Session) -> tuple[list[Client], int]:
    """The first clients in care with no supervising officer, and how many in all."""
    return _some(session, select(Client).where(Client.officer_id.is_(None), _in_care()))


def nobody_told(session: Session, since: datetime) -> int:
    """How many times since ``since`` an alert found nobody on a rung (on the alerts)."""
    return nobody_told_since(session, since)


def languages_in_care(session: Session) -> list[tuple[str, int]]:
    """Each text language of clients in care, with how many clients have it."""
    return [
        (language, n)
        for language, n in session.execute(
            select(Client.language, func.count())
            .where(_in_care())
            .group_by(Client.language)
            .order_by(Client.language)
        ).all()
    ]


def heartbeat(session: Session, name: str) -> WorkerHeartbeat | None:
    """The worker's last heartbeat, if it ever ran."""
    return session.get(WorkerHeartbeat, name)
