"""The demo's texts as the dispatcher and the webhook leave them, and what clients answer.

``sent`` stores an outbound text as sent (rendered in the client's language with the
dispatcher's placeholders), ``received`` a reply bound to the question it answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from companion.care.topics import TOPICS
from companion.messaging.compose import render
from companion.messaging.i18n import sending_language
from companion.models import (
    Client,
    Direction,
    Message,
    StaffUser,
    Status,
)
from companion.services import escalations
from companion.services.demo.people import Person
from companion.services.simulation import RecordingTransport
from companion.services.tick import TickSettings, send_now

# The number the demo's texts come from (a fictional one, like every number here).
OUR_NUMBER = "+12135550199"
CANT_REACH_CODE = 30003  # "unreachable destination handset"


@dataclass
class Context:
    """What every step of a client's history needs."""

    session: Any
    client: Client
    person: Person
    staff: dict[str, StaffUser]
    settings: TickSettings
    rng: random.Random
    now: datetime
    transport: RecordingTransport
    misses_in_a_row: int = 0
    alert_after_misses: int = 2  # the client's cadence says (``live`` sets it)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.client.timezone)


# -- texts as the dispatcher leaves them ---------------------------------------------------


def sent(
    ctx: Context,
    kind: str,
    at: datetime,
    *,
    dedupe_key: str,
    params: dict[str, Any] | None = None,
    words: dict[str, Any] | None = None,
    check_in_id: int | None = None,
    appointment_id: int | None = None,
    status: Status = Status.DELIVERED,
    reason: str | None = None,
) -> Message:
    """An outbound text to the client, sent at ``at`` (or withdrawn, with ``reason``)."""
    client = ctx.client
    row = Message(
        direction=Direction.OUTBOUND,
        client_id=client.id,
        check_in_id=check_in_id,
        appointment_id=appointment_id,
        kind=kind,
        dedupe_key=dedupe_key,
        params=params or {},
        send_after=at,
        status=status,
        status_reason=reason,
        attempts=0,
        created_at=at - timedelta(hours=1),
        updated_at=at,
    )
    if status in (Status.DELIVERED, Status.UNDELIVERED):
        language = sending_language(
            client.language, hold_unreviewed=ctx.settings.dispatch.hold_unreviewed_languages
        )
        values = {
            "name": client.display_name,
            "phone": ctx.settings.dispatch.care_team_phone or "",
            **(params or {}),
            **(words or {}),
        }
        provider_phone = ctx.staff["provider"].public_phone
        if provider_phone:
            values["phone"] = provider_phone
        rendered = render(kind, language, values)
        row.body = rendered.body
        row.locale = rendered.language
        row.encoding = rendered.encoding
        row.segments = rendered.segments
        row.to_number = client.phone
        row.from_number = OUR_NUMBER
        row.transport = "demo"
        row.attempts = 1
        row.sent_at = at
        row.provider_sid = f"DEMO{client.id:03d}{int(at.timestamp())}{kind[:6]}"[:64]
        if status == Status.DELIVERED:
            row.provider_status = "delivered"
            row.delivered_at = at + timedelta(seconds=4)
        else:
            row.provider_status = "undelivered"
            row.error_code = CANT_REACH_CODE
            row.updated_at = at + timedelta(minutes=1)
    ctx.session.add(row)  # flushed with the next query: its id is rarely needed at once
    return row


def received(
    ctx: Context, body: str, at: datetime, answers: Message | None, binding: str | None
) -> Message:
    """A text from the client at ``at``, bound (or not) to the asking text it answers."""
    if answers is not None and answers.id is None:
        ctx.session.flush()
    row = Message(
        direction=Direction.INBOUND,
        client_id=ctx.client.id,
        kind="inbound",
        params={},
        status=Status.RECEIVED,
        in_reply_to_id=answers.id if answers else None,
        binding=binding,
        from_number=ctx.client.phone,
        to_number=OUR_NUMBER,
        body=body,
        provider_sid=f"SMDEMO{ctx.client.id:03d}{int(at.timestamp())}",
        attempts=0,
        created_at=at,
        updated_at=at,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def deliver_alerts(ctx: Context, at: datetime) -> None:
    """Send the staff alerts just queued, at ``at``, as the worker's pass would have."""
    ids = escalations.queued_alerts(ctx.session)
    if ids:
        send_now(ctx.session, ids, at, ctx.settings.dispatch, ctx.transport)


# -- answers ---------------------------------------------------------------------------------


def answer_for(topic: str, rng: random.Random, hard_day: bool) -> str:
    """What a client types for ``topic``: calm most days, worse on a hard one. Never an
    answer that would need a person (those are the story's, told on purpose)."""
    spec = TOPICS[topic]
    if spec.expects == "rating":
        if topic == "connected":  # high is good here
            return str(rng.randint(2, 4) if hard_day else rng.randint(6, 9))
        if topic == "urges":
            return str(rng.randint(4, 5) if hard_day else rng.randint(0, 2))
        return str(rng.randint(6, 8) if hard_day else rng.randint(1, 4))
    if spec.expects == "yes_no":
        good = "yes" if topic == "supports" else "no"
        if hard_day and topic in ("supports", "people"):
            return "no" if good == "yes" else "yes"
        return rng.choice((good, good.capitalize(), good.upper()))
    if topic == "stuck":
        return "1"  # tips from their own plan; "2" (a call) is a task for staff
    return rng.choice(spec.choices)


def value_of(topic: str, body: str) -> Any:
    """The answer's value as ``replies`` stores it (its words, read)."""
    spec = TOPICS[topic]
    if spec.expects == "rating":
        return str(int(body))
    if spec.expects == "yes_no":
        return body.strip().lower()
    return body.strip().upper()
