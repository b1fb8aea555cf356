"""Escalations end to end: missed check-ins up the ladder, acute replies, lost contact, OK codes.

Alerts are captured where they really go: staff SMS at the fake Twilio API
(through the real twilio library) and email at a real local SMTP server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.care.plan import normalise as normalise_plan
from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    AuditEvent,
    CheckInStatus,
    Consent,
    Escalation,
    EscalationStatus,
    RiskLevel,
    Task,
)
from companion.services import planning
from companion.settings import SETTINGS_KEY, settings_of

from factories import CheckInFactory, MessageFactory, PlanVersionFactory
from helpers import (
    BACKUP_PHONE,
    MONDAY_9AM,
    OFFICER_PHONE,
    PROVIDER_PHONE,
    post_sms,
    run_ticks,
    sent_bodies,
    text_back,
    texts_to,
)

LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=LA)


@pytest.fixture
def team(team_app, staff):
    backup = staff("officer", name="Bo Backup", phone=BACKUP_PHONE, email="bo@example.test")
    officer = staff(
        "officer", name="Olu Officer", phone=OFFICER_PHONE, email="olu@example.test",
        backup_officer_id=backup.id,
    )  # fmt: skip
    provider = staff(
        "provider", name="Pat Provider", phone=PROVIDER_PHONE, email="pat@example.test"
    )
    return provider, officer, backup


@pytest.fixture
def client_of(team, make_client):
    provider, officer, _ = team

    def make(**fields):
        return make_client(provider_id=provider.id, officer_id=officer.id, **fields)

    return make


def the_escalation():
    return db.session.scalars(select(Escalation)).one()


def test_two_misses_alert_the_provider_then_the_officer_who_acknowledges_by_text(
    team_app, team, client_of, fake_twilio, inbox
):
    provider, officer, backup = team
    mail, _ = inbox
    client = client_of(risk_level=RiskLevel.IVA, checkin_topics=["stress"])

    # Monday and Tuesday: the 10:00 question goes unanswered; each window closes at 16:00.
    run_ticks(team_app, MONDAY, MONDAY + timedelta(days=1, hours=16, minutes=30))
    prompts = [
        m["body"] for m in texts_to(fake_twilio, client.phone) if "quick check-in" in m["body"]
    ]
    assert not prompts[0].startswith("We missed you")
    assert prompts[1].startswith("We missed you last time, no problem.")  # Tuesday's: a nudge

    # Tuesday 16:00: two misses in a row -> the provider, by SMS and email. Nobody else.
    escalation = the_escalation()
    assert (escalation.reason, escalation.rung) == ("missed_checkins", "provider")
    [alert] = texts_to(fake_twilio, PROVIDER_PHONE)
    assert (
        alert["body"]
        == render(
            "staff_alert",
            "en",
            {"code": escalation.code, "link": f"http://localhost/e/{escalation.id}"},
        ).body
    )
    assert client.display_name not in alert["body"]
    [mailed] = mail.to("pat@example.test")
    assert escalation.code in mailed["Subject"]
    assert f"/e/{escalation.id}" in mailed.get_payload()
    assert texts_to(fake_twilio, OFFICER_PHONE) == [] and mail.to("olu@example.test") == []

    # Wednesday: the client is silent again and nobody acknowledged: one business day
    # after the alert (Wednesday 16:00, also the third day in a row) it goes to the officer.
    # (Had the client answered, the alert would have closed itself: tests/test_missed_days.py.)
    run_ticks(team_app, MONDAY + timedelta(days=1, hours=16, minutes=30),
              MONDAY + timedelta(days=2, hours=16, minutes=30))  # fmt: skip
    db.session.expire_all()
    assert the_escalation().rung == "officer"
    [officer_alert] = texts_to(fake_twilio, OFFICER_PHONE)
    assert escalation.code in officer_alert["body"]
    assert len(mail.to("olu@example.test")) == 1

    # The officer texts back "OK <code>": acknowledged, the ladder stops.
    text_back(
        OFFICER_PHONE, f"ok {escalation.code}", MONDAY + timedelta(days=2, hours=16, minutes=40)
    )
    db.session.expire_all()
    escalation = the_escalation()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.acknowledged_by_id == officer.id
    assert texts_to(fake_twilio, OFFICER_PHONE)[-1]["body"] == render(
        "staff_ack", "en", {"code": escalation.code}).body  # fmt: skip
    # Thursday the client answers again: the run of missed days is over.
    run_ticks(team_app, MONDAY + timedelta(days=2, hours=17),
              MONDAY + timedelta(days=3, hours=10, minutes=1))  # fmt: skip
    text_back(client, "5", MONDAY + timedelta(days=3, hours=10, minutes=5))
    run_ticks(team_app, MONDAY + timedelta(days=3, hours=10, minutes=30),
              MONDAY + timedelta(days=4))  # fmt: skip
    assert texts_to(fake_twilio, BACKUP_PHONE) == []
    assert len(texts_to(fake_twilio, OFFICER_PHONE)) == 2  # the alert and the thanks

    # The timeline says who knew what and when.
    kinds = [(e.kind, e.channel) for e in escalation.events]
    assert kinds[:3] == [("opened", None), ("told", "sms"), ("told", "email")]
    assert ("raised", None) in kinds and kinds[-1] == ("acknowledged", "sms")


def test_an_urge_of_nine_in_spanish_gets_a_crisis_reply_and_alerts_the_provider_at_once(
    team_app, team, client_of, fake_twilio
):
    provider, officer, _ = team
    client = client_of(language="es", checkin_topics=["urges"])
    now = MONDAY_9AM
    check_in = CheckInFactory(client=client, topic="urges", due_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(hours=5), created_at=now)  # fmt: skip
    MessageFactory(client=client, check_in_id=check_in.id, dedupe_key="p",
                   params={"topic": "urges"}, send_after=now)  # fmt: skip

    post_sms(team_app, fake_twilio, client.phone, "9")

    [crisis] = sent_bodies(fake_twilio, client.phone)
    care_team = "(213) 555-0100"  # CARE_TEAM_PHONE: the provider has typed no public number
    assert crisis == render("crisis_urge", "es", {"name": client.display_name,
                                                  "phone": care_team}).body  # fmt: skip
    assert care_team in crisis and "988" in crisis and "773-8368" not in crisis
    [alert] = sent_bodies(fake_twilio, PROVIDER_PHONE)  # in the same request, not later
    escalation = the_escalation()
    assert (escalation.reason, escalation.urgent) == ("high_urge", True)
    assert (
        alert
        == render(
            "staff_alert_urgent",
            "en",
            {"code": escalation.code, "link": f"http://localhost/e/{escalation.id}"},
        ).body
    )
    db.session.expire_all()
    assert (check_in.status, check_in.answer_value) == (CheckInStatus.ANSWERED, "9")
    # Nobody on call (no rota here): the client's provider was told in the on-call
    # clinician's place. Unacknowledged, it never reaches the officer: clinical risk is
    # not in the release (issue 15; tests/test_release.py).
    assert escalation.rung == "on_call"
    run_ticks(team_app, now + timedelta(minutes=61), now + timedelta(minutes=62))
    assert sent_bodies(fake_twilio, OFFICER_PHONE) == []


def test_an_urge_in_free_text_names_the_support_contact_the_plan_clears_for_texts(
    team_app, team, client_of, fake_twilio
):
    client = client_of(language="es")
    content, errors = normalise_plan({"support_contacts": [
        {"name": "Luis", "phone": "(213) 555-0177", "ok_to_text": True},
    ]})  # fmt: skip
    assert errors == {}
    PlanVersionFactory(client=client, content=content)

    post_sms(team_app, fake_twilio, client.phone, "tengo impulsos muy fuertes hoy")

    [crisis] = sent_bodies(fake_twilio, client.phone)
    assert crisis == render("crisis_urge_contact", "es", {
        "name": client.display_name, "contact": "Luis", "contact_phone": "+12135550177",
        "phone": "(213) 555-0100",
    }).body  # fmt: skip
    assert "Luis" in crisis and "(213) 555-0177" in crisis and "(213) 555-0100" in crisis
    assert "988" in crisis and "773-8368" not in crisis
    assert the_escalation().reason == "high_urge"


def test_a_carrier_unsubscribe_raises_cant_reach_worded_as_a_phone_problem(
    team_app, team, client_of, fake_twilio
):
    client = client_of()
    fake_twilio.reject_number(client.phone, 21610)
    from companion.messaging.outbox import enqueue

    at = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    enqueue(db.session, kind="received", dedupe_key="x", client_id=client.id, now=at)
    db.session.commit()
    run_ticks(team_app, at, at + timedelta(minutes=31))  # fails; the next pass notices
    escalation = the_escalation()
    assert escalation.reason == "cant_reach"
    assert escalation.details == {"carrier code": "21610"}
    assert len(sent_bodies(fake_twilio, PROVIDER_PHONE)) == 1
    run_ticks(team_app, at + timedelta(hours=1), at + timedelta(hours=2))
    assert db.session.scalars(select(Escalation)).all() == [escalation]  # raised once
    # The carrier's "unsubscribed" is an opt-out too: one channel-change task for the provider.
    [task] = db.session.scalars(select(Task)).all()
    assert task.kind == "channel_change" and task.client_id == client.id


def test_an_opt_out_that_also_says_something_alarming_is_honoured_and_still_alerts(
    team_app, team, client_of, fake_twilio
):
    client = client_of()
    post_sms(team_app, fake_twilio, client.phone, "stop texting me, I want to die")
    # The crisis reply answers their own words (issue 14), and the opt-out is honoured:
    # its one confirmation, and nothing after.
    assert sorted(sent_bodies(fake_twilio, client.phone)) == sorted([
        render("crisis_self_harm", "en", {"name": "Ana"}).body,
        render("opt_out_confirm", "en", {"phone": "(213) 555-0100"}).body,
    ])  # fmt: skip
    assert client.consent == Consent.OPTED_OUT
    # But the words reach a person at once.
    escalation = the_escalation()
    assert (escalation.reason, escalation.urgent) == ("self_harm", True)
    assert len(sent_bodies(fake_twilio, PROVIDER_PHONE)) == 1


@pytest.mark.parametrize("roi", [False, True])
def test_an_opt_out_is_a_channel_change_the_officer_hears_of_only_under_the_roi(
    team_app, team, client_of, fake_twilio, roi
):
    client = client_of(roi_officer_contact=roi)
    post_sms(team_app, fake_twilio, client.phone, "STOP")
    [task] = db.session.scalars(select(Task)).all()
    assert task.kind == "channel_change"
    assert db.session.scalars(select(Escalation)).all() == []  # not non-compliance
    run_ticks(team_app, MONDAY_9AM, MONDAY_9AM + timedelta(minutes=1))
    to_officer = sent_bodies(fake_twilio, OFFICER_PHONE)
    if roi:
        assert to_officer == [render("staff_channel_change", "en", {
            "link": f"http://localhost/clients/{client.id}"}).body]  # fmt: skip
    else:
        assert to_officer == []


def test_each_ladder_step_can_be_set_per_client(team_app, team, client_of, fake_twilio):
    """Provider after 1 miss, officer after 5, two business days to acknowledge."""
    provider, officer, _ = team
    client = client_of(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    for part, value in (
        ("escalate_after_misses", 1),
        ("officer_after_misses", 5),
        ("ack_business_days", 2),
    ):
        planning.record_override(
            db.session, client, part, value, "agreed at the team meeting", provider, MONDAY
        )
    db.session.commit()

    # Monday's question goes unanswered: one miss is enough for this client.
    run_ticks(team_app, MONDAY, MONDAY + timedelta(hours=16, minutes=30))
    escalation = the_escalation()
    assert escalation.rung == "provider"
    assert len(texts_to(fake_twilio, PROVIDER_PHONE)) == 1
    # Tuesday and Wednesday missed too (three in a row): the default would tell the
    # officer now, and one business day would have climbed it on Tuesday. Not for this client.
    run_ticks(team_app, MONDAY + timedelta(hours=16, minutes=30),
              MONDAY + timedelta(days=2, hours=15))  # fmt: skip
    db.session.expire_all()
    assert the_escalation().rung == "provider"
    assert texts_to(fake_twilio, OFFICER_PHONE) == []
    # Two business days after the alert (Wednesday 16:00), it climbs to the officer.
    run_ticks(team_app, MONDAY + timedelta(days=2, hours=15),
              MONDAY + timedelta(days=2, hours=16, minutes=30))  # fmt: skip
    db.session.expire_all()
    assert the_escalation().rung == "officer"
    assert len(texts_to(fake_twilio, OFFICER_PHONE)) == 1
    overrides = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "schedule.override")
    ).all()
    assert {e.details["part"] for e in overrides} == {
        "escalate_after_misses",
        "officer_after_misses",
        "ack_business_days",
    }


@pytest.mark.parametrize("case", ["no such code", "someone else's client", "not a code"])
def test_a_bad_ok_gets_a_neutral_answer_and_is_logged(team_app, team, client_of, staff,
                                                      fake_twilio, case):  # fmt: skip
    provider, _, _ = team
    client = client_of()
    stranger = staff("provider", name="Sam Elsewhere", phone="+12135550184")
    text_back(client, "I want to end it all", MONDAY_9AM)
    escalation = the_escalation()
    phone, body = {
        "no such code": (PROVIDER_PHONE, "OK 0001"),
        "someone else's client": ("+12135550184", f"OK {escalation.code}"),
        "not a code": (PROVIDER_PHONE, "what happened?"),
    }[case]
    text_back(phone, body, MONDAY_9AM)
    db.session.expire_all()
    assert the_escalation().status == EscalationStatus.OPEN
    assert fake_twilio.messages[-1]["to"] == phone
    assert fake_twilio.messages[-1]["body"] == render("staff_ack_unknown", "en", {}).body
    logged = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "escalation.ack_rejected")
    ).all()
    assert len(logged) == 1 and logged[0].actor_id in {provider.id, stranger.id}


def test_an_unregistered_phone_gets_the_stranger_reply(team_app, team, client_of, fake_twilio):
    client = client_of()
    text_back(client, "I want to end it all", MONDAY_9AM)
    code = the_escalation().code
    text_back("+12135550189", f"OK {code}", MONDAY_9AM)
    assert the_escalation().status == EscalationStatus.OPEN
    assert sent_bodies(fake_twilio, "+12135550189") == [render("unknown_sender", "en", {}).body]


def test_acknowledging_twice_is_harmless(team_app, team, client_of, fake_twilio):
    provider, _, _ = team
    client = client_of()
    text_back(client, "quiero morirme", MONDAY_9AM)
    code = the_escalation().code
    text_back(PROVIDER_PHONE, f"OK {code}", MONDAY_9AM)
    text_back(PROVIDER_PHONE, f"ok {code}.", MONDAY_9AM)
    escalation = the_escalation()
    acks = [e for e in escalation.events if e.kind == "acknowledged"]
    assert len(acks) == 1 and escalation.acknowledged_by_id == provider.id
    assert sent_bodies(fake_twilio, PROVIDER_PHONE)[-2:] == [
        render("staff_ack", "en", {"code": code}).body] * 2  # fmt: skip


def test_an_officer_cannot_close_a_self_harm_alert_by_text(team_app, team, client_of, fake_twilio):
    """A clinical alert is a clinician's to close (care/roles.py), by text as on the web."""
    client = client_of()
    text_back(client, "I want to end it all", MONDAY_9AM)
    code = the_escalation().code
    text_back(OFFICER_PHONE, f"OK {code}", MONDAY_9AM)
    assert the_escalation().status == EscalationStatus.OPEN
    assert sent_bodies(fake_twilio, OFFICER_PHONE)[-1] == render("staff_ack_unknown", "en", {}).body
    text_back(PROVIDER_PHONE, f"OK {code}", MONDAY_9AM)
    assert the_escalation().status == EscalationStatus.ACKNOWLEDGED


def test_an_officer_who_cannot_be_reached_is_passed_over_to_the_backup(
    team_app, team, client_of, staff, fake_twilio
):
    provider, officer, backup = team
    officer.phone = None
    officer.email = "olu-no-mail@example.test"
    db.session.commit()
    client = client_of(risk_level=RiskLevel.IVB)
    # No email either: nobody can tell the officer (settings are read once, at start).
    team_app.extensions[SETTINGS_KEY] = settings_of(team_app).model_copy(
        update={"mail_server": ""}
    )
    team_app.config["MAIL_SERVER"] = ""
    text_back(client, "I'm alone with a child right now", MONDAY_9AM)
    escalation = the_escalation()
    assert escalation.reason == "minor_access"  # provider and officer at once
    assert len(sent_bodies(fake_twilio, PROVIDER_PHONE)) == 1
    assert len(sent_bodies(fake_twilio, BACKUP_PHONE)) == 1  # told at once in the officer's place
    gaps = [e for e in escalation.events if e.kind == "no_recipient"]
    assert gaps and "Olu Officer has no phone or email" in gaps[0].detail
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "escalation.no_recipient")
    )


def test_after_the_worker_was_down_each_missed_step_fires_once_in_order(
    team_app, team, client_of, fake_twilio
):
    # The usual release (attendance, adherence): clinical risk stays with clinicians.
    client = client_of(releases=("attendance", "adherence"))
    saturday = datetime(2026, 11, 28, 22, 0, tzinfo=LA)
    text_back(client, "I don't want to live anymore", saturday)
    assert len(sent_bodies(fake_twilio, PROVIDER_PHONE)) == 1
    # The worker was down for three hours: the on-call backup's turn (due 22:15) comes
    # once; with nobody on call the provider was the first rung and there is no backup,
    # and self-harm never climbs to the officer or their backup (clinical risk is not in
    # the release; issue 15).
    run_ticks(team_app, saturday + timedelta(hours=3), saturday + timedelta(hours=3, minutes=1))
    assert sent_bodies(fake_twilio, OFFICER_PHONE) == []
    assert sent_bodies(fake_twilio, BACKUP_PHONE) == []
    raised = [e for e in the_escalation().events if e.kind in ("raised", "passed over")]
    assert [e.detail for e in raised] == ["to the on call backup"]
    run_ticks(team_app, saturday + timedelta(hours=4), saturday + timedelta(hours=6))
    assert len(fake_twilio.messages) == 2  # crisis reply + one alert: no storm
