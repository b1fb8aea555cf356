"""Missed contact counted in days (issue 15): per level, provider first, closing on an answer.

Check-ins are rows with the status the tick would have given them; ``review_misses`` and
``close_answered`` are the tick's own steps, driven with ``now``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.extensions import db
from companion.models import (
    CheckInStatus,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    RiskLevel,
    Status,
)
from companion.runtime import escalation_settings
from companion.services.missed import close_answered, review_misses

from factories import CheckInFactory, MessageFactory
from helpers import sign_in

LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 23, tzinfo=LA).date()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), LA)


def asked(client, day: int, hour: int, status: CheckInStatus) -> None:
    """A check-in asked on ``day`` (0 = Monday) at ``hour``, closed three hours later."""
    CheckInFactory(client=client, due_at=at(day, hour), closes_at=at(day, hour + 3),
                   status=status)  # fmt: skip


def review(client, now: datetime) -> list[Escalation]:
    review_misses(db.session, [client.id], now, escalation_settings())
    return list(db.session.scalars(select(Escalation).where(Escalation.client_id == client.id)))


def told_roles(escalation: Escalation) -> list[str]:
    return [e.staff_user.role.value for e in escalation.events if e.kind == "told"]


M, A = CheckInStatus.MISSED, CheckInStatus.ANSWERED


@pytest.fixture(autouse=True)
def provider_phone(provider):
    provider.phone = "+12135550181"  # reachable: otherwise the rung passes to the next
    db.session.commit()


def test_several_check_ins_a_day_three_in_four_answered_never_page_anyone(app, make_client):
    client = make_client(risk_level=RiskLevel.IVB)
    for day in range(14):  # two weeks, four questions a day, one of them answered each day
        for hour, status in zip((8, 11, 14, 17), (M, M, M, A), strict=True):
            asked(client, day, hour, status)
        assert review(client, at(day, 21)) == []


def test_one_missed_day_is_a_nudge_two_tell_the_provider_three_the_officer_after(
    app, make_client, staff
):
    officer = staff("officer", name="Olu Officer", phone="+12135550182")
    client = make_client(risk_level=RiskLevel.IVA, officer_id=officer.id)
    asked(client, 0, 10, M)
    asked(client, 0, 15, M)  # two misses on one day are one missed day
    assert review(client, at(0, 20)) == []
    asked(client, 1, 10, M)
    [alert] = review(client, at(1, 14))
    assert (alert.reason, alert.rung) == ("missed_checkins", "provider")
    assert alert.details["consecutive days with a missed check-in"] == 2
    assert told_roles(alert) == ["provider"]
    asked(client, 2, 10, M)
    [alert] = review(client, at(2, 14))
    db.session.refresh(alert)
    assert alert.rung == "officer"
    assert told_roles(alert) == ["provider", "officer"]  # the provider always hears first


def test_at_ivb_one_missed_day_tells_the_provider(app, make_client):
    client = make_client(risk_level=RiskLevel.IVB)
    asked(client, 0, 10, M)
    asked(client, 0, 19, M)
    [alert] = review(client, at(0, 23))
    assert alert.rung == "provider"


def test_days_without_a_question_neither_count_nor_break_a_run(app, make_client):
    client = make_client(risk_level=RiskLevel.III)  # Monday, Wednesday, Friday
    asked(client, 0, 10, M)
    assert review(client, at(1, 12)) == []  # Tuesday: nothing asked, still one day
    asked(client, 2, 10, M)
    [alert] = review(client, at(2, 14))
    assert alert.details["consecutive days with a missed check-in"] == 2


def test_a_day_still_open_is_not_counted_yet(app, make_client):
    client = make_client(risk_level=RiskLevel.IVB)
    asked(client, 0, 10, M)
    asked(client, 0, 19, CheckInStatus.OPEN)  # the evening question is still open
    assert review(client, at(0, 13)) == []


def test_the_days_per_level_are_settings(app, make_app, make_client):
    make_app(MISSED_DAYS_PROVIDER_IVA="3", MISSED_DAYS_OFFICER="4")
    client = make_client(risk_level=RiskLevel.IVA)
    for day in range(2):
        asked(client, day, 10, M)
    assert review(client, at(1, 14)) == []
    asked(client, 2, 10, M)
    [alert] = review(client, at(2, 14))
    assert alert.rung == "provider"  # three days: the provider; the officer after four


def test_the_alert_closes_itself_with_a_note_when_the_client_answers_again(
    app, make_client, provider
):
    client = make_client(risk_level=RiskLevel.IVB)
    asked(client, 0, 10, M)
    asked(client, 0, 19, M)
    [alert] = review(client, at(0, 23))
    pending = db.session.scalars(
        select(Message).where(Message.dedupe_key.like(f"esc:{alert.id}:%"))
    ).all()
    assert pending and all(m.status == Status.PENDING for m in pending)

    assert close_answered(db.session, at(1, 7)) == 0  # nothing from the client yet
    MessageFactory(client=client, direction=Direction.INBOUND, kind="inbound", body="5",
                   send_after=at(1, 8, 12), status=Status.RECEIVED)  # fmt: skip
    assert close_answered(db.session, at(1, 8, 30)) == 1
    db.session.refresh(alert)
    assert alert.status == EscalationStatus.ACKNOWLEDGED
    assert alert.acknowledged_by_id is None
    assert alert.note == "client answered again at 2026-11-24 08:12 (America/Los_Angeles)"
    assert alert.events[-1].kind == "closed_itself"
    for message in pending:  # the alerts not yet sent are not needed any more
        db.session.refresh(message)
        assert message.status == Status.CANCELLED
    assert close_answered(db.session, at(1, 9)) == 0  # once
    page = sign_in(app, provider).get(f"/escalations/{alert.id}").get_data(as_text=True)
    assert "client answered again at 2026-11-24 08:12" in page
