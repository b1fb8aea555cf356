"""Plans, schedules, check-ins, appointments and provider tasks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime
from companion.models.client import Client
from companion.models.staff import StaffUser


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, values_callable=lambda e: [m.value for m in e], length=24)


class PlanVersion(Base):
    """One saved version of a client's relapse-prevention plan. Never edited: a save adds one.

    ``content`` holds the plan's parts as lists of items (see care/plan.py for
    the shape); every item has a stable ``id`` so rotation survives edits.
    """

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("client_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    review_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    created_by: Mapped[StaffUser | None] = relationship()


class ScheduleOverride(Base):
    """A provider's override of one part of the derived schedule, with who, when and why.

    The newest row per (client, part) wins; ``value`` None means "back to derived".
    """

    __tablename__ = "schedule_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())

    set_by: Mapped[StaffUser | None] = relationship()


class CheckInStatus(enum.StrEnum):
    OPEN = "open"  # planned or asked, window not yet closed
    ANSWERED = "answered"
    MISSED = "missed"
    WITHDRAWN = "withdrawn"  # client opted out, paused or discharged: not a miss


class CheckIn(Base):
    """One question to one client at one moment, and what became of it."""

    __tablename__ = "check_ins"
    # No unique key on (client, topic, due_at): a re-plan withdraws future
    # check-ins and plans new ones for the same slots. Planning is made
    # idempotent by each client's planned_until watermark instead.
    __table_args__ = (Index("ix_check_ins_open", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the one reminder goes if there is no answer by then (None: no time for one).
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[CheckInStatus] = mapped_column(_enum(CheckInStatus))
    answer_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", use_alter=True)  # messages also point at check_ins
    )
    clarified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()


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
    kind: Mapped[AppointmentKind] = mapped_column(_enum(AppointmentKind))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Exactly as the provider typed it; texts show nothing more.
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[AppointmentStatus] = mapped_column(_enum(AppointmentStatus))
    # Bumped on every edit of the time: notices are keyed by it, so an edit re-plans them.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What staff recorded once it began (kept or missed), who recorded it last and when
    # (services/appointment_outcomes.py). ``status`` follows it; these say who and when.
    outcome: Mapped[AppointmentStatus | None] = mapped_column(_enum(AppointmentStatus))
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When it was first recorded missed: the team is alerted that once, however often
    # the outcome changes afterwards.
    first_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    outcome_by: Mapped[StaffUser | None] = relationship(foreign_keys=[outcome_by_id])


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class Task(Base):
    """Something a person must do: a reschedule request, a reply with no open question."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    client: Mapped[Client] = relationship()
