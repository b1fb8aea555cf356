"""Issue 13's "done when": the demo, answered by engaged clients for three simulated days.

The demo is seeded on the development clock (``conftest.demo_template``, at MONDAY_9AM);
then the clock moves on in steps, the worker's pass runs at each (``runtime.tick``), and
every client answers every question they receive a few minutes later, sensibly, through
signed Twilio webhooks that read the same clock. Nobody on the team should be alerted, no
purpose texted twice, and nothing but direct answers sent outside 08:00-21:00 local time.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from companion import create_app
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import (
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    Message,
    Status,
)
from companion.runtime import close_fast_lane, tick
from companion.services.demo.texts import answer_for
from companion.services.invariants import check_all

from helpers import MONDAY_9AM, base_env, post_sms, twilio_env

# A seeded SQLite file, not the database fixture: marked by hand (``make test-fast`` skips it).
pytestmark = pytest.mark.db

DAYS = 3
STEP = timedelta(hours=1)
REACHED = (Status.SENT, Status.DELIVERED)
# Texts that ask the client something, and what an engaged client answers.
CONFIRMS = ("appt_day_before", "appt_same_day")


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path, fake_twilio) -> Iterator[tuple[Flask, FrozenClock]]:
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    clock = FrozenClock(MONDAY_9AM)
    app = create_app(base_env(f"sqlite:///{path}", **twilio_env(fake_twilio)), clock=clock)
    ctx = app.app_context()
    ctx.push()
    yield app, clock
    close_fast_lane(app)
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def answer(message: Message, rng: random.Random) -> str | None:
    """What an engaged client replies to ``message``, or None when it asks nothing."""
    params = message.params or {}
    if message.kind in ("checkin_prompt", "checkin_reminder"):
        return answer_for(params["topic"], rng, hard_day=False)
    if message.kind in CONFIRMS:
        return "C"
    if message.kind == "clarify_rating":
        return str(params.get("low", 0))
    if message.kind == "clarify_yes_no":
        return "no"
    if message.kind == "clarify_choice":
        return str(params.get("choices", "A")).split(", ")[0]
    return None


def test_three_days_of_the_demo_answered_draw_no_alert_no_repeat_and_no_night_text(
    demo, fake_twilio
):
    app, clock = demo
    rng = random.Random(13)
    start = clock.now()
    end = start + timedelta(days=DAYS)
    phones = {c.id: c.phone for c in db.session.scalars(select(Client))}
    replies: list[tuple[datetime, int, str]] = []  # (when, client, body)
    read: set[int] = set()
    t = start
    while t < end:
        tick(t)
        for message in db.session.scalars(
            select(Message).where(
                Message.direction == Direction.OUTBOUND,
                Message.client_id.is_not(None),
                Message.status.in_(REACHED),
                Message.sent_at > t - STEP,
                Message.sent_at <= t,
            )
        ):
            if message.id in read:
                continue
            read.add(message.id)
            body = answer(message, rng)
            if body is not None:
                replies.append((t + timedelta(minutes=rng.randint(2, 20)), message.client_id, body))
        for when, client_id, body in sorted(r for r in replies if r[0] < t + STEP):
            clock.set(when)
            response = post_sms(app, fake_twilio, phones[client_id], body)
            assert response.status_code == 200
        replies = [r for r in replies if r[0] >= t + STEP]
        t += STEP
        clock.set(t)

    # The clients were asked, and answered everything.
    asked = db.session.scalars(
        select(CheckIn).where(CheckIn.due_at >= start, CheckIn.due_at < end - timedelta(hours=8))
    ).all()
    assert len(asked) >= 20
    assert {c.status for c in asked} == {CheckInStatus.ANSWERED}, [
        (c.client_id, c.topic, c.status) for c in asked if c.status != CheckInStatus.ANSWERED
    ]
    # No staff alert opened during those days.
    opened = db.session.scalars(select(Escalation).where(Escalation.opened_at >= start)).all()
    assert opened == [], [(e.client_id, e.reason, e.details) for e in opened]
    # No text outside 08:00-21:00 client-local time unless it answers the client.
    sent = db.session.scalars(
        select(Message).where(
            Message.direction == Direction.OUTBOUND,
            Message.client_id.is_not(None),
            Message.sent_at >= start,
        )
    ).all()
    assert len(sent) >= 40
    for message in sent:
        if (message.dedupe_key or "").startswith("reply:"):
            continue  # a direct answer to the client's own text
        local = message.sent_at.astimezone(ZoneInfo(message.client.timezone)).time()
        assert time(8) <= local <= time(21), (message.kind, local)
    # No purpose texted twice, and every other conversation invariant holds, over the
    # demo's weeks and the three days alike.
    assert check_all(db.session) == []
