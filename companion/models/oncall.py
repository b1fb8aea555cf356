"""The on-call clinician rota, and the log of a client's cadence steps."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime
from companion.models.staff import StaffUser


class OnCallShift(Base):
    """One weekly shift of the on-call rota, in the team's timezone (BUSINESS_TIMEZONE).

    ``weekday`` 0 (Monday) to 6; a shift whose ``ends`` is at or before its ``starts``
    runs past midnight into the next day (Friday 17:00 to 09:00). ``clinician`` and
    ``backup`` are staff with the provider role; the backup is told when the clinician
    does not acknowledge within ONCALL_ACK_MINUTES, or cannot be reached at all.
    """

    __tablename__ = "oncall_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time())
    ends: Mapped[time] = mapped_column(Time())
    clinician_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())

    clinician: Mapped[StaffUser] = relationship(foreign_keys=[clinician_id])
    backup: Mapped[StaffUser | None] = relationship(foreign_keys=[backup_id])


class CadenceChange(Base):
    """A step of a client's schedule: up, down, or changed, with who or what rule and why.

    Written by services/risk.py when the level the schedule is derived from moves (an
    ACUTE-2007 result, the end of the first 90 days after release, a new Static-99R
    level) or a provider overrides a part; shown on the client's timeline.
    """

    __tablename__ = "cadence_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_level: Mapped[str | None] = mapped_column(String(8))
    to_level: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(10))  # "up" | "down" | "same" | "first"
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    rule: Mapped[str] = mapped_column(String(60))  # the rule, or "staff" when a person did it
    why: Mapped[str] = mapped_column(String(300), default="")

    by: Mapped[StaffUser | None] = relationship()
