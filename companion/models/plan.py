"""A client's relapse-prevention plan (its versions) and the overrides of their schedule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime
from companion.models.staff import StaffUser


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
