"""Check-ins: a question the client answers by text, and what became of it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.client import Client


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
    __table_args__ = (
        Index("ix_check_ins_open", "status", "closes_at"),
        # Retention's query: answers whose words are not yet erased (services/retention.py).
        Index("ix_check_ins_unerased", "erased_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the one reminder goes if there is no answer by then (None: no time for one).
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[CheckInStatus] = mapped_column(enum_column(CheckInStatus))
    answer_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", use_alter=True)  # messages also point at check_ins
    )
    clarified: Mapped[bool] = mapped_column(default=False)
    # Answered with words that needed a person now (self-harm...): an answer, never a miss.
    flagged: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When retention or a legal request erased ``answer_text`` (``answer_value`` stays).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
