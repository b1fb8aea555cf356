"""Appointments: treatment sessions, supervision meetings, polygraph exams, court dates."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.client import Client
from companion.models.staff import StaffUser


class AppointmentKind(enum.StrEnum):
    TREATMENT_GROUP = "treatment_group"
    INDIVIDUAL = "individual_session"
    SUPERVISION = "supervision_meeting"  # probation/parole meeting
    POLYGRAPH = "polygraph"
    COURT = "court_date"


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    CANCELLED = "cancelled"
    KEPT = "kept"
    MISSED = "missed"


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[AppointmentKind] = mapped_column(enum_column(AppointmentKind))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Exactly as the provider typed it; texts show nothing more.
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[AppointmentStatus] = mapped_column(enum_column(AppointmentStatus))
    # Counts moves (edits of the time): one moved text per move is keyed by it. Notices are
    # keyed by the time they announce instead (services/planning.py).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What staff recorded once it began (kept or missed), who recorded it last and when
    # (services/appointment_outcomes.py). ``status`` follows it; these say who and when.
    outcome: Mapped[AppointmentStatus | None] = mapped_column(enum_column(AppointmentStatus))
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When it was first recorded missed: the team is alerted that once, however often
    # the outcome changes afterwards.
    first_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    outcome_by: Mapped[StaffUser | None] = relationship(foreign_keys=[outcome_by_id])
