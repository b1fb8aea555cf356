"""One table for every SMS: the outbox (outbound) and the inbound log.

An outbound row is a *purpose* first (kind, subject, parameters) and a text
only once sent: the body is rendered at send time in the client's language of
that moment and then stored on the row.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.client import Client
from companion.models.staff import StaffUser


class Direction(enum.StrEnum):
    OUTBOUND = "out"
    INBOUND = "in"


class Status(enum.StrEnum):
    """Lifecycle of a message. Outbound rows move forward only (see RANK)."""

    PENDING = "pending"  # waiting for send_after (also after a retryable failure)
    SENDING = "sending"  # claimed by a dispatcher, provider call in flight
    SENT = "sent"  # accepted by the provider
    DELIVERED = "delivered"  # handset confirmed
    UNDELIVERED = "undelivered"  # carrier gave up (status callback 30003-30008)
    FAILED = "failed"  # permanent error at send time, or attempts exhausted
    EXPIRED = "expired"  # past expires_at before it could go: never sent late
    CANCELLED = "cancelled"  # withdrawn (opt-out, discharged, appointment cancelled)
    RECEIVED = "received"  # inbound


def W_(word: str) -> str:  # noqa: N802 - a gettext-style marker
    """Mark ``word`` for the staff pages' catalog, like ``companion.care.labels.W_``.

    The models sit below ``care/`` and cannot import it; the web layer
    translates the word when it shows it.
    """
    return word


# How each status reads on the staff pages (the one table: pages wrap it in ``L_``;
# the value itself stays the CSS class).
STATUS_WORDS: dict[Status, str] = {
    Status.PENDING: W_("pending"),
    Status.SENDING: W_("sending"),
    Status.SENT: W_("sent"),
    Status.DELIVERED: W_("delivered"),
    Status.UNDELIVERED: W_("undelivered"),
    Status.FAILED: W_("failed"),
    Status.EXPIRED: W_("expired"),
    Status.CANCELLED: W_("cancelled"),
    Status.RECEIVED: W_("received"),
}

FINAL = frozenset(
    {Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.EXPIRED, Status.CANCELLED}
)

# Twilio's delivery statuses, ranked so a late or repeated callback never moves
# a message backwards (a "sent" arriving after "delivered" is ignored).
PROVIDER_STATUS_RANK: dict[str, int] = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}



class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # The dispatcher's hot query: due outbound rows in order.
        Index("ix_messages_due", "status", "send_after"),
        # Retention's query: rows not yet erased, oldest first (services/retention.py).
        Index("ix_messages_unerased", "erased_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, 20))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # What the text is about, when it is about something (for withdrawing and timelines).
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), index=True)

    # An inbound reply: the asking text it answers (or most likely answers) and how it
    # was bound to it, a ``care.conversation.Binding`` (docs/conversation.md).
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    binding: Mapped[str | None] = mapped_column(String(12))

    # What the message is for, e.g. kind "welcome", dedupe key "welcome:12".
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[Status] = mapped_column(enum_column(Status, 20))
    status_reason: Mapped[str | None] = mapped_column(String(200))
    # Why a send-time gate held the text (quiet hours, daily cap); kept once it is sent.
    held_reason: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last attempt may have reached the provider (it timed out): look before resending.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)

    # Filled in when sent (outbound) or received (inbound).
    to_number: Mapped[str | None] = mapped_column(String(20))
    from_number: Mapped[str | None] = mapped_column(String(20), index=True)
    body: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None] = mapped_column(Integer)
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    transport: Mapped[str | None] = mapped_column(String(20))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When retention or a legal request erased the body (and params); the pages say so.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client | None] = relationship(foreign_keys=[client_id])
    staff_user: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction} {self.kind} {self.status}>"
