"""Tasks: something a person on the team must do (a reschedule request, an unclear reply)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.client import Client


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class Task(Base):
    """Something a person must do: a reschedule request, a reply with no open question."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When it should be done by (a call-back the client asked for: the next business hours).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    client: Mapped[Client] = relationship()
