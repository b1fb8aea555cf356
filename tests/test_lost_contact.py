"""Lost contact (issue 4, items 1 and 3): missed sessions, pauses, unreachable phones.

- A missed treatment session or polygraph exam, recorded on the appointments
  page, alerts the officer (and the provider) through the ladder, once.
- A client in custody or in hospital is paused with a reason and an end date:
  no texts and no escalations until the worker resumes them on that date.
- A client whose phone has taken no text for a week is listed as unreachable.

Alerts are captured where they really go: the fake Twilio API (through the real
twilio library) and a real local SMTP server.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from companion.care.ladder import Reason
from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    Escalation,
    EscalationEvent,
    Message,
    RiskLevel,
    Status,
)
from companion.runtime import escalation_settings
from companion.services.escalations import EscalationSettings, open_escalation, unreachable

from factories import AppointmentFactory
from helpers import (
    BACKUP_PHONE,
    OFFICER_PHONE,
    PROVIDER_PHONE,
    run_ticks,
    sign_in,
    text_back,
    texts_to,
)

LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=LA)  # Thanksgiving (26th) is a holiday below


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
    examiner = staff("examiner", name="Eve Examiner")
    return {"provider": provider, "officer": officer, "backup": backup, "examiner": examiner}


@pytest.fixture
def client_of(team, make_client):
    def make(**fields):
        return make_client(provider_id=team["provider"].id, officer_id=team["officer"].id, **fields)

    return make


@pytest.fixture
def at(clock):
    """Put every page at a given instant: ``at(instant)``."""
    return clock.set


def settings() -> EscalationSettings:
    return escalation_settings()


def escalations() -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Escalation).order_by(Escalation.id)))


def audit_actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def appointment(client, kind, starts_at, status=AppointmentStatus.SCHEDULED) -> Appointment:
    return AppointmentFactory(client=client, kind=kind, starts_at=starts_at, status=status,
                              created_at=starts_at - timedelta(days=7))  # fmt: skip


def client_form(client, **overrides):
    data = {
        "display_name": client.display_name,
        "phone": client.phone,
        "language": client.language,
        "timezone": client.timezone,
        "send_window_start": "08:00",
        "send_window_end": "21:00",
        "risk_level": client.risk_level.value,
        "provider_id": str(client.provider_id),
        "officer_id": str(client.officer_id or 0),
        "examiner_id": str(client.examiner_id or 0),
        "status": client.status.value,
        "consent": "y",
    }
    data.update(overrides)
    return data


# -- 1. a missed treatment session or polygraph exam -> the officer ---------------------------


def test_a_missed_polygraph_alerts_the_officer_by_sms_and_tells_the_provider(
    team_app, team, client_of, fake_twilio, inbox, at
):
    mail, _ = inbox
    client = client_of()
    exam = appointment(client, AppointmentKind.POLYGRAPH, MONDAY + timedelta(hours=10))
    recorded_at = MONDAY + timedelta(hours=11, minutes=30)
    at(recorded_at)
    web = sign_in(team_app, team["provider"])

    # Before: the appointments page offers kept / missed for it.
    page = web.get(f"/clients/{client.id}/appointments").get_data(as_text=True)
    assert "not recorded yet" in page and 'value="missed"' in page

    response = web.post(f"/clients/{client.id}/appointments/{exam.id}/outcome",
                        data={"outcome": "missed"}, follow_redirects=True)  # fmt: skip
    html = response.get_data(as_text=True)
    [escalation] = escalations()
    assert f"The officer and the provider are alerted (alert {escalation.code})" in html
    assert "recorded by Pat Provider" in html  # who and when, on the page
    assert (escalation.reason, escalation.rung, escalation.appointment_id) == (
        Reason.MISSED_APPOINTMENT, "officer", exam.id)  # fmt: skip
    assert db.session.get(Appointment, exam.id).status == AppointmentStatus.MISSED
    [logged] = audit_actions("appointment.outcome")
    assert (logged.actor_id, logged.details["outcome"]) == (team["provider"].id, "missed")

    # The next tick sends the alerts: the officer first, the provider too, nothing else.
    run_ticks(team_app, recorded_at, recorded_at + timedelta(minutes=1))
    link = f"http://localhost/e/{escalation.id}"
    alert = render("staff_alert", "en", {"code": escalation.code, "link": link}).body
    # The officer's names the release it relies on (issue 15): attendance, signed that day.
    released = render("staff_alert_release", "en", {"code": escalation.code, "link": link,
                      "release": "attendance, signed 2026-11-23"}).body  # fmt: skip
    assert [m["body"] for m in texts_to(fake_twilio, OFFICER_PHONE)] == [released]
    assert [m["body"] for m in texts_to(fake_twilio, PROVIDER_PHONE)] == [alert]
    assert texts_to(fake_twilio, BACKUP_PHONE) == []
    assert "polygraph" not in released.lower() and client.display_name not in released
    assert len(mail.to("olu@example.test")) == 1
    # The alert page says what was missed (staff only, behind sign-in).
    shown = sign_in(team_app, team["officer"]).get(f"/escalations/{escalation.id}")
    assert "polygraph exam of" in shown.get_data(as_text=True)


@pytest.mark.parametrize("kind", [AppointmentKind.TREATMENT_GROUP, AppointmentKind.INDIVIDUAL])
def test_a_missed_treatment_session_escalates_too(team_app, team, client_of, at, kind):
    client = client_of()
    session = appointment(client, kind, MONDAY + timedelta(hours=10))
    at(MONDAY + timedelta(hours=12))
    sign_in(team_app, team["officer"]).post(
        f"/clients/{client.id}/appointments/{session.id}/outcome", data={"outcome": "missed"}
    )
    [escalation] = escalations()
    assert (escalation.reason, escalation.appointment_id) == ("missed_appointment", session.id)


@pytest.mark.parametrize("kind", [AppointmentKind.SUPERVISION, AppointmentKind.COURT])
def test_a_missed_supervision_meeting_or_court_date_is_only_recorded(
    team_app, team, client_of, at, kind
):
    client = client_of()
    meeting = appointment(client, kind, MONDAY + timedelta(hours=10))
    at(MONDAY + timedelta(hours=12))
    response = sign_in(team_app, team["officer"]).post(
        f"/clients/{client.id}/appointments/{meeting.id}/outcome",
        data={"outcome": "missed"}, follow_redirects=True,
    )  # fmt: skip
    assert "Recorded only" in response.get_data(as_text=True)
    assert db.session.get(Appointment, meeting.id).status == AppointmentStatus.MISSED
    assert escalations() == []
    assert len(audit_actions("appointment.outcome")) == 1


def test_changing_the_outcome_back_and_forth_alerts_only_once(
    team_app, team, client_of, fake_twilio, at
):
    client = client_of()
    group = appointment(client, AppointmentKind.TREATMENT_GROUP, MONDAY + timedelta(hours=10))
    url = f"/clients/{client.id}/appointments/{group.id}/outcome"
    noon = MONDAY + timedelta(hours=12)
    at(noon)
    web = sign_in(team_app, team["provider"])
    web.post(url, data={"outcome": "missed"})
    run_ticks(team_app, noon, noon + timedelta(minutes=1))
    [escalation] = escalations()
    assert len(texts_to(fake_twilio, OFFICER_PHONE)) == 1

    # Kept after all: the open alert says so (and stays open for a person to close).
    at(noon + timedelta(minutes=5))
    web.post(url, data={"outcome": "kept"})
    [escalation] = escalations()
    corrected = [e for e in escalation.events if e.kind == "corrected"]
    assert corrected and "kept after all by Pat Provider" in corrected[0].detail
    sign_in(team_app, team["officer"]).post(
        f"/escalations/{escalation.id}/acknowledge", data={"outcome": "excused"}
    )

    # Missed once more (a slip of the mouse): recorded, but nobody is paged again.
    at(noon + timedelta(minutes=10))
    again = web.post(url, data={"outcome": "missed"}, follow_redirects=True)
    assert "already alerted" in again.get_data(as_text=True)
    run_ticks(team_app, noon + timedelta(minutes=15), noon + timedelta(minutes=16))
    assert escalations() == [escalation]
    assert len(texts_to(fake_twilio, OFFICER_PHONE)) == 1
    assert len(texts_to(fake_twilio, PROVIDER_PHONE)) == 1
    assert [e.details["outcome"] for e in audit_actions("appointment.outcome")] == [
        "missed", "kept", "missed"]  # fmt: skip
    # The same outcome again changes nothing.
    same = web.post(url, data={"outcome": "missed"}, follow_redirects=True)
    assert "already recorded as missed" in same.get_data(as_text=True)
    assert len(audit_actions("appointment.outcome")) == 3


def test_kept_raises_nothing(team_app, team, client_of, at):
    client = client_of()
    exam = appointment(client, AppointmentKind.POLYGRAPH, MONDAY + timedelta(hours=10))
    at(MONDAY + timedelta(hours=12))
    sign_in(team_app, team["provider"]).post(
        f"/clients/{client.id}/appointments/{exam.id}/outcome", data={"outcome": "kept"}
    )
    assert db.session.get(Appointment, exam.id).status == AppointmentStatus.KEPT
    assert escalations() == []


@pytest.mark.parametrize("case", ["not started", "cancelled", "bad outcome"])
def test_an_outcome_needs_a_past_appointment_and_kept_or_missed(
    team_app, team, client_of, at, case
):
    client = client_of()
    starts = MONDAY + timedelta(hours=10)
    status = AppointmentStatus.CANCELLED if case == "cancelled" else AppointmentStatus.SCHEDULED
    exam = appointment(client, AppointmentKind.POLYGRAPH, starts, status)
    at(starts - timedelta(minutes=1) if case == "not started" else starts + timedelta(hours=2))
    response = sign_in(team_app, team["provider"]).post(
        f"/clients/{client.id}/appointments/{exam.id}/outcome",
        data={"outcome": "no-show" if case == "bad outcome" else "missed"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert ("Choose kept or missed." if case == "bad outcome" else "no outcome to record") in html
    assert db.session.get(Appointment, exam.id).status == status
    assert escalations() == [] and audit_actions("appointment.outcome") == []


def test_an_outcome_outside_the_caseload_is_refused(team_app, team, client_of, staff, at):
    client = client_of()
    exam = appointment(client, AppointmentKind.POLYGRAPH, MONDAY + timedelta(hours=10))
    at(MONDAY + timedelta(hours=12))
    stranger = staff("provider", name="Oz Other")
    response = sign_in(team_app, stranger).post(
        f"/clients/{client.id}/appointments/{exam.id}/outcome", data={"outcome": "missed"}
    )
    assert response.status_code == 403
    assert escalations() == []


# -- 2. a pause: custody or hospital ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, ["Choose why the client is paused", "Enter the date the pause ends"]),
        ({"pause_reason": "custody"}, ["Enter the date the pause ends"]),
        ({"paused_until": "2026-12-07"}, ["Choose why the client is paused"]),
        ({"pause_reason": "custody", "paused_until": "2026-11-23"}, ["must end after today"]),
        ({"pause_reason": "custody", "paused_until": "07/12/2026"}, ["Not a valid date value"]),
        ({"pause_reason": "jail", "paused_until": "2026-12-07"},
         ["Choose why the client is paused"]),
    ],
)  # fmt: skip
def test_a_pause_needs_a_reason_and_an_end_date_and_keeps_what_was_typed(
    team_app, team, client_of, at, fields, errors
):
    client = client_of()
    at(MONDAY + timedelta(hours=12))
    response = sign_in(team_app, team["provider"]).post(
        f"/clients/{client.id}/edit",
        data=client_form(client, status="paused", display_name="Anita", **fields),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please correct the fields marked below" in html
    for error in errors:
        assert error in html
    assert 'value="Anita"' in html  # what was typed is still there
    if "paused_until" in fields:
        assert f'value="{fields["paused_until"]}"' in html
    db.session.expire_all()
    row = db.session.get(Client, client.id)
    assert (row.status, row.display_name, row.pause_reason) == (ClientStatus.ACTIVE, "Ana", None)


def test_the_form_sets_a_pause_the_roi_and_the_examiner(team_app, team, client_of, at):
    client = client_of(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    run_ticks(team_app, MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=9, minutes=1))
    assert db.session.scalars(select(Message).where(Message.status == Status.PENDING)).all()
    at(MONDAY + timedelta(hours=9, minutes=30))
    web = sign_in(team_app, team["provider"])
    form = web.get(f"/clients/{client.id}/edit").get_data(as_text=True)
    assert "Eve Examiner" in form and "release of information" in form
    response = web.post(
        f"/clients/{client.id}/edit",
        data=client_form(client, status="paused", pause_reason="hospital",
                         paused_until="2026-12-04", roi_officer_contact="y",
                         examiner_id=str(team["examiner"].id)),
        follow_redirects=True,
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert "in hospital until 2026-12-04" in html and "Eve Examiner" in html
    db.session.expire_all()
    row = db.session.get(Client, client.id)
    assert (row.status, row.pause_reason, row.paused_until) == (
        ClientStatus.PAUSED, "hospital", date(2026, 12, 4))  # fmt: skip
    assert row.roi_officer_contact is True and row.examiner_id == team["examiner"].id
    # No texts while paused: what was planned is withdrawn.
    assert (
        db.session.scalars(
            select(Message).where(Message.client_id == client.id, Message.status == Status.PENDING)
        ).all()
        == []
    )
    [updated] = audit_actions("client.updated")
    assert updated.details["pause"] == {"reason": "hospital", "until": "2026-12-04"}
    assert {"status", "pause_reason", "paused_until", "roi_officer_contact",
            "examiner_id"} <= set(updated.details["fields"])  # fmt: skip


def test_the_examiner_must_be_an_examiner(team_app, team, client_of, at):
    client = client_of()
    at(MONDAY + timedelta(hours=12))
    response = sign_in(team_app, team["provider"]).post(
        f"/clients/{client.id}/edit",
        data=client_form(client, examiner_id=str(team["officer"].id)),
    )
    assert "Choose a polygraph examiner from the list" in response.get_data(as_text=True)
    assert db.session.get(Client, client.id).examiner_id is None


def test_while_paused_nothing_routine_escalates_but_an_acute_reply_still_does(
    team_app, team, client_of, fake_twilio, at
):
    # Level IVb: a single miss would alert the provider.
    client = client_of(risk_level=RiskLevel.IVB, checkin_topics=["stress"])
    run_ticks(team_app, MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=10, minutes=1))
    [asked] = [m for m in texts_to(fake_twilio, client.phone) if "check-in" in m["body"]]
    at(MONDAY + timedelta(hours=11))
    sign_in(team_app, team["provider"]).post(
        f"/clients/{client.id}/edit",
        data=client_form(client, status="paused", pause_reason="custody",
                         paused_until="2026-12-07"),
    )  # fmt: skip
    # The question's window closes while in custody: not a miss, no alert.
    run_ticks(team_app, MONDAY + timedelta(hours=11), MONDAY + timedelta(days=1, hours=12),
              step=timedelta(hours=2))  # fmt: skip
    statuses = set(db.session.scalars(select(CheckIn.status).where(CheckIn.client_id == client.id)))
    assert CheckInStatus.MISSED not in statuses
    assert escalations() == [] and texts_to(fake_twilio, PROVIDER_PHONE) == []
    # open_escalation itself, for a routine reason: None, and nothing recorded anywhere.
    before = (len(audit_actions("escalation.opened")), db.session.query(EscalationEvent).count())
    assert open_escalation(db.session, client, Reason.MISSED_CHECKINS, MONDAY, settings()) is None
    db.session.commit()
    assert escalations() == []
    assert (len(audit_actions("escalation.opened")), db.session.query(EscalationEvent).count()) \
        == before  # fmt: skip
    # A reply that needs a person now still does, pause or not: the crisis reply told the
    # client their team will be told, and a text like that from custody is when it matters.
    text_back(client, "I want to end it all", MONDAY + timedelta(days=1, hours=13))
    assert render("crisis_self_harm", "en", {"name": client.display_name}).body in [
        m["body"] for m in texts_to(fake_twilio, client.phone)]  # fmt: skip
    [urgent] = escalations()
    assert (urgent.reason, urgent.urgent) == ("self_harm", True)
    assert len(texts_to(fake_twilio, PROVIDER_PHONE)) == 1


def test_an_open_alert_waits_through_a_pause_and_the_client_resumes_on_the_end_date(
    team_app, team, client_of, fake_twilio, at
):
    client = client_of(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    opened = MONDAY + timedelta(hours=10)  # climbs to the officer Tuesday 10:00 if unanswered
    escalation = open_escalation(db.session, client, Reason.MISSED_CHECKINS, opened, settings(),
                                 details={"consecutive misses": 2})  # fmt: skip
    db.session.commit()
    run_ticks(team_app, opened, opened + timedelta(minutes=1))
    assert len(texts_to(fake_twilio, PROVIDER_PHONE)) == 1

    # Monday 11:00: arrested. Paused until Monday the 30th.
    at(MONDAY + timedelta(hours=11))
    sign_in(team_app, team["provider"]).post(
        f"/clients/{client.id}/edit",
        data=client_form(client, status="paused", pause_reason="custody",
                         paused_until="2026-11-30"),
    )  # fmt: skip
    # A week of ticks: the alert waits; nothing is texted to the client.
    sent_before = len(texts_to(fake_twilio, client.phone))
    run_ticks(team_app, MONDAY + timedelta(hours=11), MONDAY + timedelta(days=7),
              step=timedelta(hours=6))  # fmt: skip
    # Sunday 23:30 in Los Angeles (already Monday in UTC): still paused.
    run_ticks(team_app, MONDAY + timedelta(days=6, hours=23, minutes=30),
              MONDAY + timedelta(days=6, hours=23, minutes=31))  # fmt: skip
    db.session.expire_all()
    assert db.session.get(Client, client.id).status == ClientStatus.PAUSED
    assert texts_to(fake_twilio, OFFICER_PHONE) == [] and texts_to(fake_twilio, BACKUP_PHONE) == []
    assert len(texts_to(fake_twilio, client.phone)) == sent_before
    assert db.session.get(Escalation, escalation.id).rung == "provider"
    page = sign_in(team_app, team["officer"]).get(f"/escalations/{escalation.id}")
    assert "on hold" in page.get_data(as_text=True)

    # Monday the 30th, 00:30 local: resumed by the worker.
    resumed_at = MONDAY + timedelta(days=7, minutes=30)
    run_ticks(team_app, resumed_at, resumed_at + timedelta(minutes=1))
    db.session.expire_all()
    row = db.session.get(Client, client.id)
    assert (row.status, row.pause_reason, row.paused_until) == (ClientStatus.ACTIVE, None, None)
    [resumed] = audit_actions("client.resumed")
    assert resumed.actor_id is None and resumed.details["pause"] == {
        "reason": "custody", "until": "2026-11-30"}  # fmt: skip
    # Texts start again: today's check-in is planned.
    prompts = db.session.scalars(
        select(Message).where(
            Message.client_id == client.id,
            Message.kind == "checkin_prompt",
            Message.status == Status.PENDING,
        )  # fmt: skip
    ).all()
    assert prompts and min(p.send_after for p in prompts) > resumed_at
    # The alert climbs again, a business day from the end of the pause (17:00), not at once.
    assert db.session.get(Escalation, escalation.id).climbs_at == MONDAY + timedelta(
        days=7, hours=17
    )
    run_ticks(team_app, resumed_at + timedelta(hours=1), MONDAY + timedelta(days=7, hours=16),
              step=timedelta(hours=3))  # fmt: skip
    assert texts_to(fake_twilio, OFFICER_PHONE) == []
    run_ticks(team_app, MONDAY + timedelta(days=7, hours=17),
              MONDAY + timedelta(days=7, hours=17, minutes=1))  # fmt: skip
    assert len(texts_to(fake_twilio, OFFICER_PHONE)) == 1
    assert texts_to(fake_twilio, BACKUP_PHONE) == []  # one step, not a storm


def test_staff_ending_a_pause_early_restart_texts_and_the_ladder(team_app, team, client_of, at):
    client = client_of(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    escalation = open_escalation(db.session, client, Reason.MISSED_CHECKINS,
                                 MONDAY + timedelta(hours=10), settings())  # fmt: skip
    db.session.commit()
    at(MONDAY + timedelta(hours=11))
    web = sign_in(team_app, team["provider"])
    web.post(f"/clients/{client.id}/edit",
             data=client_form(client, status="paused", pause_reason="hospital",
                              paused_until="2026-12-14"))  # fmt: skip
    released = MONDAY + timedelta(days=3, hours=10)  # Thursday (a holiday)
    at(released)
    web = sign_in(team_app, team["provider"])  # days later: a new session (the old one idled out)
    web.post(f"/clients/{client.id}/edit", data=client_form(client, status="active"))
    db.session.expire_all()
    row = db.session.get(Client, client.id)
    assert (row.status, row.pause_reason, row.paused_until) == (ClientStatus.ACTIVE, None, None)
    [resumed] = audit_actions("client.resumed")
    assert resumed.actor_id == team["provider"].id
    # Was due Tuesday 10:00, during the pause: now a business day from the release
    # (Friday 09:00 - 17:00, after the Thanksgiving holiday).
    assert db.session.get(Escalation, escalation.id).climbs_at == MONDAY + timedelta(
        days=4, hours=17
    )
    assert db.session.scalars(
        select(Message).where(Message.client_id == client.id, Message.status == Status.PENDING)
    ).all()


# -- 3. unreachable: nothing delivered for a week -----------------------------------------


def _text(client, sent_at, delivered=False, n=[0]):  # noqa: B006 - a counter for unique keys
    n[0] += 1
    db.session.add(Message(direction="out", kind="checkin_prompt", dedupe_key=f"t{n[0]}",
                           client_id=client.id, status=Status.DELIVERED if delivered
                           else Status.SENT, params={}, send_after=sent_at, sent_at=sent_at,
                           delivered_at=sent_at + timedelta(seconds=5) if delivered else None,
                           created_at=sent_at, updated_at=sent_at))  # fmt: skip


def test_a_client_whose_phone_took_nothing_for_a_week_is_listed_unreachable(
    team_app, team, client_of, staff, make_client, at
):
    now = MONDAY + timedelta(days=14, hours=12)
    quiet = client_of(display_name="Quiet")  # delivered 9 days ago, sent since, none delivered
    _text(quiet, now - timedelta(days=10), delivered=True)
    _text(quiet, now - timedelta(days=9), delivered=True)
    _text(quiet, now - timedelta(days=2))
    never = client_of(display_name="Never")  # texted for 10 days, nothing ever delivered
    _text(never, now - timedelta(days=10))
    fine = client_of(display_name="Fine")  # texted for weeks, delivered yesterday
    _text(fine, now - timedelta(days=12), delivered=True)
    _text(fine, now - timedelta(days=1), delivered=True)
    new = client_of(display_name="Newcomer")  # first text 3 days ago: too soon to tell
    _text(new, now - timedelta(days=3))
    paused = client_of(display_name="Away", status=ClientStatus.PAUSED, pause_reason="custody",
                       paused_until=date(2026, 12, 20))  # fmt: skip
    _text(paused, now - timedelta(days=10))
    out = client_of(display_name="Stopped", consent=Consent.OPTED_OUT)
    _text(out, now - timedelta(days=10))
    elsewhere = make_client(display_name="Elsewhere")  # another provider's caseload
    _text(elsewhere, now - timedelta(days=10))
    db.session.commit()

    at(now)
    web = sign_in(team_app, team["provider"])
    html = web.get("/escalations").get_data(as_text=True)
    section = html[html.index("Unreachable: no text delivered for 7 days") :]
    assert f'id="unreachable-{quiet.id}"' in section and f'id="unreachable-{never.id}"' in section
    for other in (fine, new, paused, out, elsewhere):
        assert f'id="unreachable-{other.id}"' not in section
    assert section.index("Never") < section.index("Quiet")  # never delivered first
    last = (now - timedelta(days=9) + timedelta(seconds=5)).astimezone(LA)
    assert f"{last:%a} {last.day} {last:%b %Y, %H:%M}" in section  # last delivered time

    # The badge on the client page, only where it applies.
    assert ">unreachable</span>" in web.get(f"/clients/{quiet.id}").get_data(as_text=True)
    assert ">unreachable</span>" not in web.get(f"/clients/{fine.id}").get_data(as_text=True)

    # A delivery now takes the client off the list.
    _text(quiet, now - timedelta(hours=1), delivered=True)
    db.session.commit()
    section = web.get("/escalations").get_data(as_text=True)
    assert f'id="unreachable-{quiet.id}"' not in section


def test_the_unreachable_list_is_one_statement_and_skips_a_client_just_back(
    team_app, team, client_of, at
):
    now = MONDAY + timedelta(days=14, hours=12)
    back = client_of(
        display_name="Back",
        risk_level=RiskLevel.IVA,
        status=ClientStatus.PAUSED,
        pause_reason="hospital",
        paused_until=(now - timedelta(days=2)).date(),
    )
    _text(back, now - timedelta(days=20), delivered=True)  # before the hospital
    db.session.commit()
    run_ticks(team_app, now - timedelta(days=2), now - timedelta(days=2) + timedelta(minutes=1))
    assert db.session.get(Client, back.id).status == ClientStatus.ACTIVE

    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = db.session.execute(unreachable(select(Client), now)).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert rows == []  # back from hospital two days ago: not flagged yet
