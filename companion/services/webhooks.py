"""What Twilio's webhooks (and the phone simulator) do with a text: store an inbound text
and what it sets off, or a delivery status. Each commits; none imports Flask."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from companion.messaging.dispatch import apply_provider_status
from companion.models import CheckIn, CheckInStatus, Direction, Message, Status
from companion.services.conversation import waits_for_open_question
from companion.services.escalations import queued_alerts
from companion.services.inbound import receive


def receive_text(
    session: Session,
    *,
    from_number: str,
    to_number: str,
    body: str,
    now: datetime,
    region: str,
    hooks: Mapping[str, Callable[..., Any]],
    provider_sid: str | None = None,
    num_media: int = 0,
) -> list[int]:
    """Store an inbound text and act on it, in one transaction; commits. The outbox rows
    to send at once (the replies, and any alert it raised), for the caller to hand to the
    fast lane. ``hooks`` are the reply hooks (``services.replies.hooks(settings)``)."""
    result = receive(
        session,
        from_number=from_number,
        to_number=to_number,
        body=body,
        provider_sid=provider_sid,
        num_media=num_media,
        now=now,
        region=region,
        **hooks,
    )
    session.commit()
    return result.reply_ids + queued_alerts(session)


def record_status(
    session: Session,
    *,
    message_id: int | None,
    provider_sid: str,
    provider_status: str,
    error_code: int | None,
    now: datetime,
) -> Message | None:
    """Apply a delivery status (safe to repeat, in any order); commits. The row it matched."""
    row = apply_provider_status(
        session,
        message_id=message_id,
        provider_sid=provider_sid,
        provider_status=provider_status,
        error_code=error_code,
        now=now,
    )
    session.commit()
    return row


# What the simulated phone shows: texts that actually went out, and what the client sent.
ON_THE_PHONE = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED, Status.RECEIVED)


def phone_thread(session: Session, client_id: int) -> list[Message]:
    """The client's texts as their phone would list them, oldest first."""
    thread = session.scalars(
        select(Message)
        .where(
            Message.client_id == client_id,
            or_(Message.direction == Direction.INBOUND, Message.status.in_(ON_THE_PHONE)),
        )
        .order_by(Message.sent_at.is_(None), Message.created_at, Message.id)
    ).all()
    return sorted(thread, key=lambda m: (m.sent_at or m.created_at, m.id))


def next_planned(session: Session, client_id: int, now: datetime) -> datetime | None:
    """When the client's phone next gets a text (the phone simulator's "jump"), or None
    when nothing is planned.

    The earliest pending text due after ``now`` that will go at its time. A text that
    would wait then for an open question (``waits_for_open_question``) is passed over;
    while one waits, the moment that question closes counts too (it goes then). A text
    already due that did not go is waiting the same way: jumping to it would not move
    the clock, and the phone would never show anything new.
    """
    pending = session.scalars(
        select(Message)
        .where(
            Message.client_id == client_id,
            Message.direction == Direction.OUTBOUND,
            Message.status == Status.PENDING,
            Message.send_after.is_not(None),
        )
        .order_by(Message.send_after, Message.id)
        .limit(50)
    ).all()
    found: datetime | None = None
    waiting = False
    for row in pending:
        assert row.send_after is not None
        if row.send_after <= now or waits_for_open_question(session, row, row.send_after):
            waiting = True
            continue
        found = row.send_after
        break
    if waiting:
        closes = session.scalar(
            select(func.min(CheckIn.closes_at)).where(
                CheckIn.client_id == client_id,
                CheckIn.status == CheckInStatus.OPEN,
                CheckIn.closes_at > now,
            )
        )
        if closes is not None and (found is None or closes < found):
            found = closes
    return found
