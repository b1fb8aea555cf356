"""The home page ("Today"): what each role should look at first, inside their caseload,
in their own time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.care.ladder import Reason
from companion.care.local_time import local_instant
from companion.extensions import db
from companion.models import (
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    CheckInStatus,
    ClientStatus,
    WorkerHeartbeat,
)
from companion.runtime import escalation_settings
from companion.services.escalations import open_escalation
from companion.worker import HEARTBEAT_NAME

from factories import AppointmentFactory, CheckInFactory, PlanVersionFactory
from helpers import MONDAY_9AM, sign_in

LA = ZoneInfo("America/Los_Angeles")
MONDAY = date(2026, 11, 23)  # MONDAY_9AM's date in Los Angeles


@pytest.fixture
def people(staff, provider):
    provider.phone = "+12135550181"  # make_client's provider: alerts reach them
    backup = staff("officer", name="Bo Backup", phone="+12135550183")
    officer = staff(
        "officer", name="Olu Officer", phone="+12135550182", backup_officer_id=backup.id
    )
    return {
        "provider": provider,
        "officer": officer,
        "backup": backup,
        "admin": staff("admin", name="Ada Admin", phone="+12135550184"),
        "examiner": staff("examiner", name="Eve Examiner"),
        "other provider": staff("provider", name="Oz Other", phone="+12135550185"),
        "other officer": staff("officer", name="Ike Other", phone="+12135550186"),
    }


@pytest.fixture
def ana(people, make_client):
    return make_client(
        display_name="Ana",
        provider_id=people["provider"].id,
        officer_id=people["officer"].id,
        examiner_id=people["examiner"].id,
    )


@pytest.fixture
def zed(people, make_client):
    """Somebody else's client: never on the provider's or officer's page."""
    return make_client(
        display_name="Zed",
        provider_id=people["other provider"].id,
        officer_id=people["other officer"].id,
    )


def la(day: date, hh: int, mm: int = 0) -> datetime:
    return local_instant(day, time(hh, mm), LA)


def alert(client, reason=Reason.MISSED_CHECKINS, at=MONDAY_9AM - timedelta(hours=3)):
    escalation = open_escalation(
        db.session, client, reason, at, escalation_settings()
    )
    db.session.commit()
    return escalation


def missed(client, due: datetime, topic="stress", status=CheckInStatus.MISSED):
    return CheckInFactory(
        client=client, topic=topic, due_at=due, closes_at=due + timedelta(hours=4), status=status
    )


def appointment(
    client,
    starts: datetime,
    status=AppointmentStatus.SCHEDULED,
    kind=AppointmentKind.INDIVIDUAL,
    location="",
):
    return AppointmentFactory(
        client=client,
        kind=kind,
        starts_at=starts,
        status=status,
        location=location,
        created_at=MONDAY_9AM - timedelta(days=60),
    )


def plan(client, review: date | None, version=1):
    return PlanVersionFactory(
        client=client,
        version=version,
        review_date=review,
        created_at=MONDAY_9AM - timedelta(days=80),
    )


def section(html: str, heading_id: str) -> str:
    """The HTML of one section of the page, from its heading to the section's end."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def text_of(page: str) -> str:
    """What a reader sees of ``page``: no tags, entities read, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page)))


def today(browser) -> str:
    response = browser.get("/today")
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


# -- provider --------------------------------------------------------------------------------


def test_a_provider_lands_on_their_day_and_sees_nothing_of_other_caseloads(
    app, people, ana, zed, make_client
):
    bea = make_client(display_name="Bea", provider_id=people["provider"].id)
    gone = make_client(
        display_name="Gil", provider_id=people["provider"].id, status=ClientStatus.DISCHARGED
    )
    mine = alert(ana)
    alert(zed)
    urgent = alert(bea, Reason.SELF_HARM, at=MONDAY_9AM - timedelta(minutes=5))
    recent = missed(ana, la(MONDAY, 10) - timedelta(days=1), topic="urges")
    older = missed(bea, la(MONDAY, 10) - timedelta(days=3))
    missed(ana, la(MONDAY, 10) - timedelta(days=8))  # more than 7 days ago
    missed(ana, la(MONDAY, 10) - timedelta(days=2), status=CheckInStatus.ANSWERED)
    missed(zed, la(MONDAY, 10) - timedelta(days=1))
    soon = appointment(ana, la(MONDAY, 15), location="Room 4")
    tomorrow = appointment(
        bea, la(MONDAY + timedelta(days=1), 11), status=AppointmentStatus.RESCHEDULE_REQUESTED
    )
    appointment(ana, la(MONDAY + timedelta(days=3), 10))  # beyond 48 hours
    appointment(ana, la(MONDAY, 16), status=AppointmentStatus.CANCELLED)
    appointment(zed, la(MONDAY, 14))
    plan(ana, MONDAY + timedelta(days=5))  # due within 7 days
    plan(bea, MONDAY - timedelta(days=2))  # overdue
    plan(bea, MONDAY + timedelta(days=90), version=2)  # …but reviewed since: not due
    plan(zed, None)
    assert gone.id  # discharged, no plan: not listed

    html = today(sign_in(app, people["provider"]))
    assert "<h1>Today</h1>" in html and "Monday, November 23, 2026" in html
    assert "Times in America/Los_Angeles." in html
    assert ">Zed</a>" not in html and ">Gil</a>" not in html

    alerts = section(html, "h-alerts")
    assert "Open alerts (2)" in alerts
    # Urgent first, then the oldest.
    assert alerts.index(urgent.code) < alerts.index(mine.code)
    assert f'href="/escalations/{urgent.id}"' in alerts and "Urgent:" in alerts
    assert "Self-harm or hopelessness" in alerts and "Missed check-ins" in alerts

    checkins = section(html, "h-missed")
    assert "Missed check-ins, last 7 days (2)" in checkins
    assert checkins.index(f"check-in-{recent.id}") < checkins.index(f"check-in-{older.id}")
    assert "Sun 22 Nov 2026, 10:00 PST" in checkins
    assert f'href="/clients/{ana.id}/timeline"' in checkins

    upcoming = section(html, "h-upcoming")
    assert "Appointments in the next 48 hours (2)" in upcoming
    assert upcoming.index(f"appointment-{soon.id}") < upcoming.index(f"appointment-{tomorrow.id}")
    assert f'href="/clients/{ana.id}/appointments#appointment-{soon.id}"' in upcoming
    words = text_of(upcoming)
    assert "today Mon 23 Nov 2026, 15:00 PST" in words and "Room 4" in words
    assert "tomorrow Tue 24 Nov 2026, 11:00 PST" in words
    assert "the client asked to reschedule" in words

    plans = section(html, "h-plans")
    assert "Plans to review (1)" in plans
    assert "Review due Nov 28, 2026." in plans
    assert f'href="/clients/{ana.id}/plan"' in plans
    assert "Bea" not in plans  # her newest version is reviewed in 90 days


def test_plans_missing_undated_or_overdue_come_first_and_link_to_the_plan(app, people, make_client):
    new = make_client(display_name="Nia", provider_id=people["provider"].id)
    late = make_client(
        display_name="Lou", provider_id=people["provider"].id, status=ClientStatus.PAUSED
    )
    undated = make_client(display_name="Uma", provider_id=people["provider"].id)
    plan(late, MONDAY - timedelta(days=10))
    plan(undated, None)
    due = make_client(display_name="Dee", provider_id=people["provider"].id)
    plan(due, MONDAY)

    plans = section(today(sign_in(app, people["provider"])), "h-plans")
    assert "Plans to review (4)" in plans
    order = [plans.index(f"plan-{c.id}") for c in (new, undated, late, due)]
    assert order == sorted(order)
    words = text_of(plans)
    assert "Nia No plan yet. Write the plan" in words
    assert f'href="/clients/{new.id}/plan/edit"' in plans
    assert "Uma No review date set. Open the plan" in words
    assert "Lou Review overdue since Nov 13, 2026." in words
    assert "Dee Review due today." in words


def test_an_empty_day_says_so_kindly(app, people):
    html = today(sign_in(app, people["provider"]))
    assert "Open alerts (0)" in html
    assert "No open alerts: nothing is waiting for you." in html
    assert "No missed check-ins in the last 7 days." in html
    assert "No appointments in the next 48 hours." in html
    assert "Every plan is up to date: none is due for review in the next 7 days." in html


def test_long_lists_count_everything_and_show_the_newest(app, people, ana):
    for hours in range(55):
        missed(ana, MONDAY_9AM - timedelta(hours=hours + 1))
    checkins = section(today(sign_in(app, people["provider"])), "h-missed")
    assert "Missed check-ins, last 7 days (55)" in checkins
    assert checkins.count('<tr id="check-in-') == 50
    assert "5 more not shown." in checkins
    assert "Mon 23 Nov 2026, 08:00 PST" in checkins  # the newest is shown


def test_times_and_days_follow_the_staff_members_time_zone(app, staff, make_client):
    east = staff("provider", name="Nell East", timezone="America/New_York")
    client = make_client(display_name="Ana", provider_id=east.id)
    # 23:30 on Monday in Los Angeles is 02:30 on Tuesday in New York.
    late = appointment(client, la(MONDAY, 23, 30))
    html = today(sign_in(app, east))
    assert "Times in America/New_York." in html
    row = text_of(section(html, "h-upcoming"))
    assert "tomorrow Tue 24 Nov 2026, 02:30 EST" in row
    assert late.id


def test_the_home_page_is_not_a_view_of_any_clients_record(app, people, ana):
    alert(ana)
    missed(ana, MONDAY_9AM - timedelta(hours=5))
    before = db.session.scalars(select(AuditEvent.action)).all()
    today(sign_in(app, people["provider"]))
    after = db.session.scalars(select(AuditEvent.action)).all()
    assert [a for a in after[len(before) :] if a != "staff.signed_in"] == []


# -- officer ---------------------------------------------------------------------------------


def test_an_officer_sees_supervisees_alerts_no_shows_and_the_next_two_days(
    app, people, ana, zed, make_client
):
    other = make_client(
        display_name="Cy", provider_id=people["provider"].id, officer_id=people["backup"].id
    )
    mine = alert(ana, Reason.MISSED_APPOINTMENT)
    alert(zed)
    no_show = appointment(
        ana,
        la(MONDAY - timedelta(days=3), 10),
        AppointmentStatus.MISSED,
        kind=AppointmentKind.POLYGRAPH,
    )
    # Who recorded it and when is kept on the appointment (services/appointment_outcomes.py).
    no_show.outcome = AppointmentStatus.MISSED
    no_show.outcome_by_id = people["provider"].id
    no_show.outcome_at = no_show.first_missed_at = la(MONDAY - timedelta(days=3), 12)
    db.session.commit()
    newer = appointment(
        ana,
        la(MONDAY - timedelta(days=1), 10),
        AppointmentStatus.MISSED,
        kind=AppointmentKind.SUPERVISION,
    )
    appointment(ana, la(MONDAY - timedelta(days=40), 10), AppointmentStatus.MISSED)
    appointment(ana, la(MONDAY - timedelta(days=2), 10), AppointmentStatus.KEPT)
    appointment(zed, la(MONDAY - timedelta(days=2), 10), AppointmentStatus.MISSED)
    appointment(other, la(MONDAY - timedelta(days=2), 10), AppointmentStatus.MISSED)
    court = appointment(ana, la(MONDAY + timedelta(days=1), 8, 30), kind=AppointmentKind.COURT)

    html = today(sign_in(app, people["officer"]))
    assert ">Zed</a>" not in html and ">Cy</a>" not in html
    assert "Plans to review" not in html and "Missed check-ins, last" not in html
    alerts = section(html, "h-alerts")
    assert "Open alerts (1)" in alerts and mine.code in alerts
    assert "Missed session or polygraph" in alerts

    shows = section(html, "h-no-shows")
    assert "No-shows, last 30 days (2)" in shows
    assert shows.index(f"no-show-{newer.id}") < shows.index(f"no-show-{no_show.id}")
    words = text_of(shows)
    assert "Polygraph exam" in words and "Probation/parole meeting" in words
    assert "by Dana Provider, Fri 20 Nov 2026, 12:00 PST" in words
    assert f'href="/clients/{ana.id}/appointments#appointment-{no_show.id}"' in shows

    upcoming = section(html, "h-upcoming")
    assert "Appointments in the next 48 hours (1)" in upcoming
    assert "tomorrow Tue 24 Nov 2026, 08:30 PST" in text_of(upcoming)
    assert f"appointment-{court.id}" in upcoming


def test_a_backup_officer_sees_the_officers_supervisees_too(app, people, ana):
    alert(ana)
    assert "Open alerts (1)" in today(sign_in(app, people["backup"]))
    html = today(sign_in(app, people["other officer"]))
    assert "Open alerts (0)" in html and ">Ana</a>" not in html
    assert "No open alerts for your supervisees: nothing is waiting for you." in html
    assert "No missed appointments in the last 30 days." in html
    assert "No appointments for your supervisees in the next 48 hours." in html


# -- admin -----------------------------------------------------------------------------------


def test_an_admin_sees_the_staff_warnings_settings_and_the_audit_log(
    app, people, staff, make_client, ana
):
    quiet = staff("officer", name="Quinn Quiet")  # no phone, and no alert email configured
    gone = staff("officer", name="Gus Gone", phone="+12135550187", is_active_account=False)
    staff("provider", name="Old Provider", is_active_account=False)  # no clients: no warning
    people["backup"].backup_officer_id = gone.id
    db.session.commit()
    moved = make_client(display_name="Mo", provider_id=people["provider"].id, officer_id=gone.id)
    loose = make_client(display_name="Lee", provider_id=people["provider"].id)
    alert(ana, Reason.SELF_HARM)

    html = today(sign_in(app, people["admin"]))
    counts = text_of(section(html, "h-staff"))
    assert "Staff (8 active)" in counts
    assert "Providers 2 1" in counts and "Officers 4 1" in counts
    assert "Polygraph examiners 1 0" in counts and "Administrators 1 0" in counts

    warnings = section(html, "h-warnings")
    words = text_of(warnings)
    assert "Staff warnings (4)" in words
    assert (
        "Quinn Quiet (officer) has no phone for alerts, and alert email is not configured: "
        "alerts to them are passed over to the next person." in words
    )
    assert "Gus Gone's account is deactivated, but they are still the officer of 1 client." in words
    assert f'href="/clients/{moved.id}/edit"' in warnings
    assert "Gus Gone's account is deactivated, but they are still the backup officer of " in words
    assert "Bo Backup" in words
    # Each warning leads to the page that fixes it.
    assert f'href="/admin/staff/{quiet.id}">Edit their account</a>' in warnings
    assert f'href="/admin/staff/{gone.id}/clients">Move their clients</a>' in warnings
    assert f'href="/admin/staff/{people["backup"].id}">Bo Backup</a>' in warnings
    assert "1 client has no supervising officer: alerts for the officer reach nobody." in words
    assert f'href="/clients/{loose.id}/edit"' in warnings
    assert "Old Provider" not in words
    assert 'href="/admin/staff/">Manage staff</a>' in section(html, "h-staff")

    alerts = text_of(section(html, "h-admin-alerts"))
    assert "1 alert is open across all clients · 1 urgent" in alerts

    settings = text_of(section(html, "h-settings"))
    assert "Console: texts are kept in the database and go nowhere." in settings
    assert "Off: texts go in the client's language even before" in settings
    assert "09:00–17:00, Mon, Tue, Wed, Thu, Fri (America/Los_Angeles)" in settings
    assert "Not configured: alerts go by text only." in settings
    assert "Never seen" in settings
    assert 'href="/admin/audit"' in section(html, "h-audit")


def test_admin_settings_name_what_is_set_and_never_a_secret(make_app, staff):
    app = make_app(
        SMS_TRANSPORT="twilio",
        TWILIO_ACCOUNT_SID="AC00000000000000000000000000000042",
        TWILIO_AUTH_TOKEN="token-that-must-not-show",
        TWILIO_MESSAGING_SERVICE_SID="MG00000000000000000000000000000042",
        PUBLIC_BASE_URL="https://user:hunter2@companion.example.test",
        SECRET_KEY="secret-key-that-must-not-show",
        MAIL_SERVER="mail.example.test",
        MAIL_PORT="587",
        MAIL_USERNAME="mailer-login",
        MAIL_PASSWORD="mail-password-that-must-not-show",
        HOLD_UNREVIEWED_LANGUAGES="1",
        BUSINESS_HOURS="08:30-16:30",
        BUSINESS_DAYS="mon-thu",
        HOLIDAYS="2026-11-26,2026-01-01",
    )
    admin = staff("admin", name="Ada Admin")
    officer = staff("officer", name="Eli Email")  # no phone, but email works: no warning
    provider = staff("provider", name="Pat Provider", phone="+12135550181")
    from companion.models import Client, Consent, RiskLevel

    for n, language in enumerate(("es", "es", "vi", "en")):
        db.session.add(
            Client(
                display_name=f"C{n}",
                phone=f"+1213555015{n}",
                language=language,
                risk_level=RiskLevel.II,
                provider_id=provider.id,
                officer_id=officer.id,
                consent=Consent.OPTED_IN,
                created_at=MONDAY_9AM,
                updated_at=MONDAY_9AM,
            )
        )
    db.session.add(WorkerHeartbeat(name=HEARTBEAT_NAME, beat_at=MONDAY_9AM - timedelta(minutes=1)))
    db.session.commit()

    html = today(sign_in(app, admin))
    for secret in (
        "token-that-must-not-show",
        "secret-key-that-must-not-show",
        "hunter2",
        "mail-password-that-must-not-show",
        "mailer-login",
        "AC0000",
        "MG0000",
    ):
        assert secret not in html
    settings = text_of(section(html, "h-settings"))
    assert "Twilio, through a Messaging Service." in settings
    assert "Twilio calls back at https://companion.example.test." in settings
    assert "On: texts go in English until a qualified translator has reviewed" in settings
    assert "3 clients in care get English for now (" in settings
    assert "08:30–16:30, Mon, Tue, Wed, Thu (America/Los_Angeles)" in settings
    assert "Next holiday: Nov 26, 2026." in settings
    assert "Configured: alerts go by text and by email (server mail.example.test, port 587)." in (
        settings
    )
    assert "Last seen Mon 23 Nov 2026, 08:59 PST." in settings
    assert "No staff warnings: every alert has someone to reach." in html


def test_alerts_that_found_nobody_send_the_admin_to_the_audit_log(app, people, make_client):
    client = make_client(display_name="Ana", provider_id=people["provider"].id)
    # The escalation keeps how often a rung found nobody, and when (services/escalations.py).
    escalation = alert(client, at=MONDAY_9AM - timedelta(days=2))
    escalation.nobody_told_count = 1
    escalation.nobody_told_at = MONDAY_9AM - timedelta(days=2)
    db.session.commit()
    warnings = section(today(sign_in(app, people["admin"])), "h-warnings")
    assert "In the last 30 days an alert found nobody to tell 1 time." in text_of(warnings)
    assert 'href="/admin/audit?action=escalation.no_recipient&amp;since=2026-10-24"' in warnings
    assert client.id


# -- who goes where --------------------------------------------------------------------------


def test_an_examiner_keeps_to_their_assigned_clients(app, people, ana):
    browser = sign_in(app, people["examiner"])
    assert browser.get("/").headers["Location"].endswith("/assigned")
    response = browser.get("/today")
    # Never the page itself: sent on to their clients.
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/assigned")


def test_signed_out_the_home_page_asks_for_sign_in(app):
    response = app.test_client().get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
