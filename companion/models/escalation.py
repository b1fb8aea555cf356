"""Escalations: a client needs a person's attention, and the record of who knew what and when."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.client import Client
from companion.models.staff import StaffUser


class EscalationStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class Outcome(enum.StrEnum):
    """What the person who acknowledged did about it."""

    CONTACTED = "contacted"  # reached the client (or will, now)
    EXCUSED = "excused"  # a known reason: nothing more to do
    REVIEW = "review"  # to discuss at the next team review
    FALSE_ALARM = "false_alarm"  # the words did not mean that: a labelled example


class Escalation(Base):
    """One reason to involve a person, climbing the ladder until someone acknowledges it.

    ``reason`` and ``rung`` take the values of care/ladder.py's Reason and
    Rung. ``code`` is the short number staff text back ("OK 4821"); it is
    unique among open escalations.
    """

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_climb", "status", "climbs_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    rung: Mapped[str] = mapped_column(String(20))
    status: Mapped[EscalationStatus] = mapped_column(enum_column(EscalationStatus))
    code: Mapped[str] = mapped_column(String(8), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When it climbs to the next rung if nobody acknowledges it (None: top of the ladder).
    climbs_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    note: Mapped[str] = mapped_column(Text, default="")
    # What let the officer hear it (care/release.py Basis): the release row relied on, and
    # in words ("attendance, signed 2026-11-02"); empty while only clinicians were told.
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    release_basis: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Delivery (the timeline in escalation_events tells it line by line): the staff told,
    # in the order they were first told, and when someone was last told; how often a rung
    # found nobody to tell (no one on file, or no phone or email) and when that last happened.
    told_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    nobody_told_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    nobody_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    client: Mapped[Client] = relationship()
    acknowledged_by: Mapped[StaffUser | None] = relationship()
    events: Mapped[list[EscalationEvent]] = relationship(
        back_populates="escalation", order_by="EscalationEvent.at, EscalationEvent.id"
    )


class EscalationEvent(Base):
    """One line of an escalation's timeline: opened, raised, who was told how, acknowledged."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(30))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    channel: Mapped[str | None] = mapped_column(String(10))  # "sms" | "email" | "web"
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    detail: Mapped[str] = mapped_column(String(300), default="")

    escalation: Mapped[Escalation] = relationship(back_populates="events")
    staff_user: Mapped[StaffUser | None] = relationship()


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AlertEmail(Base):
    """An alert email waiting to go, or gone: the outbox's counterpart for email."""

    __tablename__ = "alert_emails"
    __table_args__ = (Index("ix_alert_emails_due", "status", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(enum_column(EmailStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
