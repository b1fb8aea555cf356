"""What became of an appointment: kept or missed, who recorded it and when.

The facts live on the appointment (``outcome``, ``outcome_by_id``,
``outcome_at``, ``first_missed_at``); the audit log still gets its line,
but nothing reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from companion.models import Appointment, AppointmentStatus, StaffUser
from companion.services import audit


@dataclass
class Recorded:
    """Who recorded an appointment's outcome (None: not known), and when."""

    by: StaffUser | None
    at: datetime


def record(
    session: Session,
    appointment: Appointment,
    outcome: AppointmentStatus,
    staff: StaffUser,
    now: datetime,
) -> AppointmentStatus:
    """Record ``outcome`` (kept or missed) by ``staff``, audited; return the status before.

    The caller decides whether it may be recorded, alerts, and commits.
    """
    before = appointment.status
    appointment.status = outcome
    appointment.outcome = outcome
    appointment.outcome_by_id = staff.id
    appointment.outcome_at = now
    if outcome == AppointmentStatus.MISSED and appointment.first_missed_at is None:
        appointment.first_missed_at = now
    appointment.updated_at = now
    audit.record(
        session,
        "appointment.outcome",
        now=now,
        actor=staff,
        subject=appointment,
        details={
            "client_id": appointment.client_id,
            "kind": appointment.kind.value,
            "outcome": outcome.value,
            "before": before.value,
        },
    )
    return before


def missed_before(appointment: Appointment) -> bool:
    """Whether it was ever recorded missed (and so the team was already alerted)."""
    return appointment.first_missed_at is not None


def recorded(session: Session, appointment_ids: list[int]) -> dict[int, Recorded]:
    """Who last recorded each appointment's outcome, and when: one query."""
    if not appointment_ids:
        return {}
    rows = session.scalars(
        select(Appointment)
        .options(selectinload(Appointment.outcome_by))
        .where(Appointment.id.in_(appointment_ids), Appointment.outcome_at.is_not(None))
    )
    return {a.id: Recorded(a.outcome_by, a.outcome_at) for a in rows if a.outcome_at is not None}
