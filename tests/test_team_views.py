"""Team views: the client's timeline, the monthly containment report, the audit log, and
what a polygraph examiner may and may not open."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.care.ladder import Reason
from companion.care.local_time import local_instant
from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    Outcome,
    StaffUser,
    Status,
)
from companion.runtime import escalation_settings
from companion.services.demo import load_bare_demo as load_demo
from companion.services.escalations import EscalationSettings, acknowledge, open_escalation

from helpers import MONDAY_9AM, sign_in

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def people(staff):
    backup = staff("officer", name="Bo Backup", phone="+12135550183")
    officer = staff("officer", name="Olu Officer", phone="+12135550182",
                    backup_officer_id=backup.id)  # fmt: skip
    return {
        "provider": staff("provider", name="Pat Provider", phone="+12135550181",
                          timezone="America/New_York"),  # fmt: skip
        "officer": officer,
        "backup": backup,
        "admin": staff("admin", name="Ada Admin"),
        "examiner": staff("examiner", name="Eve Examiner"),
        "other provider": staff("provider", name="Oz Other"),
        "other officer": staff("officer", name="Ike Other"),
        "other examiner": staff("examiner", name="Xia Other"),
    }


@pytest.fixture
def client(people, make_client):
    return make_client(
        display_name="Ana",
        provider_id=people["provider"].id,
        officer_id=people["officer"].id,
        examiner_id=people["examiner"].id,
        # The officer closes a can't-reach alert in the report below: a channel release.
        releases=("attendance", "adherence", "channel"),
    )


@pytest.fixture
def stranger(people, make_client):
    """A client of other staff: nobody in ``people`` but the admin and the others sees them."""
    return make_client(
        display_name="Zed",
        provider_id=people["other provider"].id,
        officer_id=people["other officer"].id,
        examiner_id=people["other examiner"].id,
    )


def la(day: date, hh: int, mm: int = 0) -> datetime:
    return local_instant(day, time(hh, mm), LA)


def settings() -> EscalationSettings:
    return escalation_settings()


def sent(client, kind, at, status=Status.DELIVERED, **fields):
    message = Message(
        direction=Direction.OUTBOUND,
        kind=kind,
        client_id=client.id,
        status=status,
        body=fields.pop("body", "a text"),
        sent_at=at if status != Status.FAILED else None,
        delivered_at=at + timedelta(seconds=20) if status == Status.DELIVERED else None,
        created_at=at - timedelta(minutes=1),
        updated_at=at + timedelta(minutes=1),
        **fields,
    )
    db.session.add(message)
    db.session.flush()
    return message


def received(client, body, at):
    message = Message(
        direction=Direction.INBOUND,
        kind="inbound",
        client_id=client.id,
        status=Status.RECEIVED,
        body=body,
        from_number=client.phone,
        created_at=at,
        updated_at=at,
    )
    db.session.add(message)
    db.session.flush()
    return message


def check_in(client, due, status, topic="stress", prompt=Status.DELIVERED, **fields):
    row = CheckIn(
        client_id=client.id,
        topic=topic,
        due_at=due,
        closes_at=due + timedelta(hours=6),
        status=status,
        created_at=due - timedelta(days=1),
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    if prompt is not None:
        sent(client, "checkin_prompt", due, status=prompt, check_in_id=row.id)
    return row


def appointment(client, kind, starts, status):
    row = Appointment(
        client_id=client.id,
        kind=kind,
        starts_at=starts,
        status=status,
        location="",
        created_at=starts - timedelta(days=7),
        updated_at=starts - timedelta(days=7),
    )
    db.session.add(row)
    db.session.flush()
    return row


def escalation(client, reason, opened, acknowledged_by=None, outcome=None, after=None):
    row = open_escalation(db.session, client, reason, opened, settings())
    assert row is not None
    if acknowledged_by is not None:
        acknowledge(db.session, row, acknowledged_by, outcome, "", opened + after, "web")
    db.session.flush()
    return row


# -- the timeline ---------------------------------------------------------------------------


def test_the_timeline_shows_texts_answers_appointments_and_alerts_newest_first(
    app, people, client
):
    day = date(2026, 11, 20)  # a Friday, before the page's Monday
    sent(client, "checkin_prompt", la(day, 10))
    received(client, '<script>alert("x")</script> I am OK', la(day, 10, 5))
    sent(client, "appt_day_before", la(day, 11), status=Status.UNDELIVERED, error_code=30003)
    sent(client, "plan_reminder", la(day, 12), status=Status.FAILED, error_code=21614)
    sent(client, "plan_reminder", la(day + timedelta(days=5), 12), status=Status.PENDING)
    check_in(client, la(day, 10), CheckInStatus.ANSWERED, answer_value=7,
             answer_text="7 today", answered_at=la(day, 10, 5), prompt=None)  # fmt: skip
    check_in(client, la(day - timedelta(days=1), 10), CheckInStatus.MISSED, topic="supports",
             prompt=None)  # fmt: skip
    appointment(client, AppointmentKind.TREATMENT_GROUP, la(day, 18), AppointmentStatus.KEPT)
    appointment(client, AppointmentKind.POLYGRAPH, la(day + timedelta(days=9), 9),
                AppointmentStatus.SCHEDULED)  # fmt: skip
    alert = escalation(client, Reason.MISSED_CHECKINS, la(day, 19), people["officer"],
                       Outcome.CONTACTED, timedelta(hours=2))  # fmt: skip
    db.session.commit()

    page = sign_in(app, people["provider"]).get(f"/clients/{client.id}/timeline")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Texts sent, with what they were and how delivery went; a failure is a phone problem.
    assert "Check-in question" in html and "delivered" in html
    assert "Appointment notice, the day before" in html
    assert "carrier code 30003: the phone was off or out of coverage" in html
    assert "carrier code 21614: the number is not a mobile phone" in html
    assert html.count("A phone problem, not defiance.") == 2
    assert "Plan reminder" in html and html.count("Plan reminder") == 1  # not the pending one
    # What the client wrote is shown, escaped.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; I am OK" in html
    assert '<script>alert("x")' not in html
    # Check-in answers and misses.
    assert "stress (negative mood)" in html and "answer <strong>7</strong>" in html
    assert "“7 today”" in html
    assert "Check-in missed" in html and "supports (use of supports)" in html
    # Appointments that have begun, with their outcome; the upcoming one is not here.
    assert "Treatment group" in html and "kept" in html
    assert "Polygraph exam" not in html
    # The alert, step by step.
    assert f">{alert.code}</a>" in html
    assert "Missed check-ins: opened" in html
    assert "Pat Provider was told by text" in html
    assert "acknowledged by Olu Officer on the portal: contacted the client" in html
    # Newest first, in the staff member's own time zone (Pat works in New York).
    assert "Fri 20 Nov 2026, 22:00 EST" in html  # the alert's acknowledgement, 19:00 + 2 h LA
    assert html.index("contacted the client") < html.index("Treatment group")
    assert html.index("Treatment group") < html.index("I am OK") < html.index("Check-in missed")
    assert "Fri 20 Nov 2026, 13:05 EST" in html  # the reply, 10:05 in Los Angeles
    # The view is in the audit log.
    viewed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "client.viewed")
    ).all()
    assert any(e.details.get("page") == "timeline" and e.subject_id == client.id for e in viewed)


def test_the_timeline_is_paged_a_hundred_at_a_time(app, people, client):
    start = la(date(2026, 10, 1), 9)
    for n in range(101):
        received(client, f"reply number {n:03d}", start + timedelta(hours=n))
    db.session.commit()
    browser = sign_in(app, people["provider"])
    first = browser.get(f"/clients/{client.id}/timeline").get_data(as_text=True)
    assert "Page 1 of 2" in first and "reply number 100" in first
    assert "reply number 001" in first and "reply number 000" not in first
    second = browser.get(f"/clients/{client.id}/timeline?page=2").get_data(as_text=True)
    assert "reply number 000" in second and "reply number 001" not in second
    assert browser.get(f"/clients/{client.id}/timeline?page=0").status_code == 400
    assert browser.get(f"/clients/{client.id}/timeline?page=x").status_code == 400


@pytest.mark.parametrize("who", ["provider", "officer", "backup"])
def test_the_team_opens_the_timeline_and_the_report(app, people, client, who):
    browser = sign_in(app, people[who])
    assert browser.get(f"/clients/{client.id}/timeline").status_code == 200
    assert browser.get(f"/clients/{client.id}/report").status_code == 200
    assert browser.get(f"/clients/{client.id}/report.csv").status_code == 200


def test_an_admin_reads_neither_the_timeline_nor_the_report(app, people, client):
    """They hold clinical content (answers, texts, alert reasons): not the admin's to read."""
    browser = sign_in(app, people["admin"])
    for path in ("timeline", "report", "report.csv"):
        assert browser.get(f"/clients/{client.id}/{path}").status_code == 403, path


@pytest.mark.parametrize("who", ["provider", "officer", "examiner"])
def test_a_timeline_outside_the_caseload_is_refused(app, people, client, stranger, who):
    browser = sign_in(app, people[who])
    for path in ("timeline", "report", "report.csv"):
        assert browser.get(f"/clients/{stranger.id}/{path}").status_code == 403, path
    assert browser.get("/clients/99999/timeline").status_code in (403, 404)
    assert not db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "client.viewed", AuditEvent.subject_id == stranger.id
        )
    ).all()


# -- the monthly report ---------------------------------------------------------------------


@pytest.fixture
def october(people, client):
    """A month of record for Ana: October 2026, in Los Angeles."""
    day = date(2026, 10, 5)
    for n in range(3):
        check_in(client, la(day + timedelta(days=n), 10), CheckInStatus.ANSWERED,
                 answer_value=5, answered_at=la(day + timedelta(days=n), 11))  # fmt: skip
    check_in(client, la(date(2026, 10, 9), 10), CheckInStatus.MISSED)
    # Withdrawn: the question did not reach the phone, or she had just been paused.
    check_in(client, la(date(2026, 10, 12), 10), CheckInStatus.WITHDRAWN, prompt=Status.UNDELIVERED)
    check_in(client, la(date(2026, 10, 13), 10), CheckInStatus.WITHDRAWN, prompt=Status.SENT)
    # Withdrawn by a re-plan before its time: never asked, not in the report.
    replanned = check_in(client, la(date(2026, 10, 14), 10), CheckInStatus.WITHDRAWN,
                         prompt=Status.CANCELLED)  # fmt: skip
    prompt = db.session.scalars(select(Message).where(Message.check_in_id == replanned.id)).one()
    prompt.sent_at, prompt.updated_at = None, replanned.due_at - timedelta(days=1)
    # The edges of the month are the client's: 30 September 23:30 and 1 November 00:30 there.
    check_in(client, la(date(2026, 9, 30), 23, 30), CheckInStatus.MISSED)
    check_in(client, la(date(2026, 11, 1), 0, 30), CheckInStatus.MISSED)

    for n, status in enumerate((AppointmentStatus.KEPT, AppointmentStatus.KEPT,
                                AppointmentStatus.MISSED)):  # fmt: skip
        appointment(client, AppointmentKind.TREATMENT_GROUP, la(date(2026, 10, 6 + 7 * n), 18),
                    status)  # fmt: skip
    appointment(client, AppointmentKind.POLYGRAPH, la(date(2026, 10, 20), 9),
                AppointmentStatus.CANCELLED)  # fmt: skip
    appointment(client, AppointmentKind.SUPERVISION, la(date(2026, 10, 21), 9),
                AppointmentStatus.SCHEDULED)  # fmt: skip
    appointment(client, AppointmentKind.SUPERVISION, la(date(2026, 11, 2), 9),
                AppointmentStatus.KEPT)  # fmt: skip

    escalation(client, Reason.MISSED_CHECKINS, la(date(2026, 10, 9), 17), people["provider"],
               Outcome.CONTACTED, timedelta(hours=3))  # fmt: skip
    escalation(client, Reason.CANT_REACH, la(date(2026, 10, 12), 17), people["officer"],
               Outcome.EXCUSED, timedelta(minutes=30))  # fmt: skip
    escalation(client, Reason.MISSED_CHECKINS, la(date(2026, 10, 28), 17))
    db.session.commit()


def test_the_report_counts_the_month_and_leaves_withdrawn_check_ins_out_of_the_rate(
    app, people, client, october
):
    page = sign_in(app, people["provider"]).get(f"/clients/{client.id}/report")  # last month
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Containment report: Ana, October 2026" in html and "(so far)" not in html
    assert "Asked<strong>6</strong>" in html
    assert "Answered<strong>3</strong>" in html
    assert "Missed<strong>1</strong>" in html
    assert "Withdrawn<strong>2</strong>" in html
    assert '<strong id="adherence-rate">75%</strong>' in html  # 3 of 4, not 3 of 6
    assert "<th scope=\"row\">Treatment group</th><td>2</td><td>1</td><td>0</td><td>0</td>" in html
    assert "<th scope=\"row\">Polygraph exam</th><td>0</td><td>0</td><td>1</td><td>0</td>" in html
    assert (
        "<th scope=\"row\">Probation/parole meeting</th><td>0</td><td>0</td><td>0</td><td>1</td>"
    ) in html
    # Escalations by reason: outcomes and time to acknowledgement.
    # Columns: opened, contacted, excused, review, false alarm, still open.
    assert "Missed check-ins</th><td>2</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>" in (
        html
    )
    assert "<td>3 h 0 min</td>" in html
    assert "Can&#39;t reach the client&#39;s phone</th><td>1</td><td>0</td><td>1</td>" in html
    assert "<td>30 min</td>" in html
    # Printable: the site's print style sheet hides the navigation and the report's controls.
    assert 'class="actions no-print"' in html
    style = app.test_client().get("/static/companion.css").get_data(as_text=True)
    printed = style.split("@media print", 1)[1]
    assert "header.top" in printed and ".no-print" in printed
    viewed = select(AuditEvent).where(AuditEvent.action == "client.viewed")
    event = db.session.scalars(viewed.order_by(AuditEvent.id.desc())).first()
    assert event.details == {"page": "report", "month": "2026-10", "format": "html"}


def test_the_report_csv_carries_the_same_figures(app, people, client, october):
    response = sign_in(app, people["officer"]).get(
        f"/clients/{client.id}/report.csv?month=2026-10"
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "item", "measure", "value"]
    figures = {(s, i, m): v for s, i, m, v in rows[1:]}
    assert figures[("report", "", "month")] == "2026-10"
    assert figures[("check-ins", "", "asked")] == "6"
    assert figures[("check-ins", "", "answered")] == "3"
    assert figures[("check-ins", "", "missed")] == "1"
    assert figures[("check-ins", "", "withdrawn (not counted against the client)")] == "2"
    assert figures[("check-ins", "", "adherence rate % (answered of answered + missed)")] == "75.0"
    assert figures[("appointments", "Treatment group", "kept")] == "2"
    assert figures[("appointments", "Treatment group", "missed")] == "1"
    assert figures[("appointments", "Polygraph exam", "cancelled")] == "1"
    assert figures[("appointments", "Probation/parole meeting", "no outcome")] == "1"
    assert figures[("escalations", "Missed check-ins", "opened")] == "2"
    assert figures[("escalations", "Missed check-ins", "contacted the client")] == "1"
    assert figures[("escalations", "Missed check-ins", "still open")] == "1"
    median = ("escalations", "Missed check-ins", "median minutes to acknowledgement")
    assert figures[median] == "180"
    assert figures[("escalations", "Can't reach the client's phone", "excused")] == "1"
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "client.viewed")
    ).all()[-1].details == {"page": "report", "month": "2026-10", "format": "csv"}


def test_another_month_is_chosen_by_its_name(app, people, client, october):
    browser = sign_in(app, people["provider"])
    html = browser.get(f"/clients/{client.id}/report?month=2026-09").get_data(as_text=True)
    assert "September 2026" in html and "Missed<strong>1</strong>" in html  # 30 Sept, 23:30
    html = browser.get(f"/clients/{client.id}/report?month=2026-11").get_data(as_text=True)
    assert "November 2026 (so far)" in html and "Missed<strong>1</strong>" in html


@pytest.mark.parametrize(
    ("month", "words"),
    [
        ("2026-13", "There is no month 13"),
        ("october", "is not a month. Write it as YYYY-MM"),
        ("2026-1", "is not a month"),
        ("2027-01", "has not begun yet"),
        ("1999-12", "before any record"),
    ],
)
def test_a_bad_month_is_a_400_that_says_why(app, people, client, month, words):
    browser = sign_in(app, people["provider"])
    page = browser.get(f"/clients/{client.id}/report", query_string={"month": month})
    assert page.status_code == 400
    assert words in page.get_data(as_text=True)
    as_csv = browser.get(f"/clients/{client.id}/report.csv", query_string={"month": month})
    assert as_csv.status_code == 400 and words in as_csv.get_data(as_text=True)


# -- the audit log --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["provider", "officer", "examiner"])
def test_only_admins_open_the_audit_log(app, people, who):
    browser = sign_in(app, people[who])
    assert browser.get("/admin/audit").status_code == 403
    assert "Audit log" not in browser.get("/escalations").get_data(as_text=True)


def _event(action, at, actor=None, subject_type=None, subject_id=None, **details):
    db.session.add(
        AuditEvent(
            at=at,
            actor_id=actor.id if actor else None,
            actor_kind="staff" if actor else "system",
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )
    )


def test_the_audit_log_filters_by_action_actor_client_and_dates(app, people, client, stranger):
    admin, provider, officer = people["admin"], people["provider"], people["officer"]
    _event("client.viewed", la(date(2026, 11, 2), 9), provider, "Client", client.id)
    _event("client.viewed", la(date(2026, 11, 3), 9), officer, "Client", stranger.id)
    _event("appointment.created", la(date(2026, 11, 4), 9), provider, "Appointment", 7,
           client_id=client.id, kind="polygraph")  # fmt: skip
    _event("escalation.opened", la(date(2026, 11, 5), 9), None, "Escalation", 3,
           client_id=stranger.id, reason="missed_checkins")  # fmt: skip
    db.session.commit()
    browser = sign_in(app, admin)
    home = browser.get("/escalations").get_data(as_text=True)
    assert 'href="/admin/audit">Audit log</a>' in home

    def rows(**query):
        page = browser.get("/admin/audit", query_string=query)
        assert page.status_code == 200, page.get_data(as_text=True)
        html = page.get_data(as_text=True)
        return html, html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""

    html, body = rows()
    assert '<option value="client.viewed">' in html  # the select of known actions
    assert '<option value="escalation.acknowledged">' in html
    assert "Pat Provider (provider)" in html  # the actor select
    _, body = rows(action="appointment.created")
    assert "Appointment added" in body and "kind: polygraph" in body and "Client" not in body
    _, body = rows(actor=str(officer.id))
    assert body.count("<tr>") == 1 and f"client #{stranger.id}" in body
    _, body = rows(actor="system")
    assert body.count("<tr>") == 1 and "reason: missed_checkins" in body
    # By client: the client as subject, or named in the details.
    _, body = rows(client_id=str(client.id))
    assert body.count("<tr>") == 2 and f"client #{client.id}" in body and "Appointment #7" in body
    _, body = rows(since="2026-11-03", until="2026-11-04")
    assert body.count("<tr>") == 2 and "Appointment added" in body and "Escalation #3" not in body
    _, body = rows(client_id=str(stranger.id), since="2026-11-04")
    assert body.count("<tr>") == 1 and "Escalation #3" in body
    # Looking at the log is itself in the log.
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.viewed")).all()


def test_bad_audit_filters_are_a_400_that_says_why(app, people):
    browser = sign_in(app, people["admin"])
    page = browser.get("/admin/audit?client_id=abc")
    assert page.status_code == 400 and "Not a valid integer value." in page.get_data(as_text=True)
    page = browser.get("/admin/audit?since=2026-11-05&until=2026-11-01")
    assert page.status_code == 400
    assert "The end of the range is before its start." in page.get_data(as_text=True)
    assert browser.get("/admin/audit?action=no.such").status_code == 400


def test_the_audit_log_pages_and_never_shows_a_phone_number(app, people):
    for n in range(60):
        _event("staff.signed_in", MONDAY_9AM - timedelta(minutes=n), people["provider"])
    _event("client.updated", MONDAY_9AM, people["admin"], "Client", 1,
           note="called +1 (213) 555-0123", phone="+12135550123")  # fmt: skip
    db.session.commit()
    browser = sign_in(app, people["admin"])
    first = browser.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "555-0123" not in first and "5550123" not in first
    assert "note: called [number]" in first and "phone: [withheld]" in first
    second = browser.get("/admin/audit?page=2&action=staff.signed_in")
    assert second.status_code == 200
    assert "Page 2 of 2" in second.get_data(as_text=True)


# -- the polygraph examiner -----------------------------------------------------------------


@pytest.fixture
def examined(people, client, stranger):
    appointment(client, AppointmentKind.POLYGRAPH, la(date(2026, 12, 1), 9),
                AppointmentStatus.SCHEDULED)  # fmt: skip
    check_in(client, la(date(2026, 11, 20), 10), CheckInStatus.ANSWERED, answer_value=9,
             answered_at=la(date(2026, 11, 20), 10, 5))  # fmt: skip
    mine = escalation(client, Reason.MISSED_APPOINTMENT, la(date(2026, 11, 20), 12))
    theirs = escalation(stranger, Reason.MISSED_APPOINTMENT, la(date(2026, 11, 20), 12))
    db.session.commit()
    return mine, theirs


def test_an_examiner_sees_the_assigned_clients_appointments_and_alerts(
    app, people, client, stranger, examined
):
    mine, theirs = examined
    browser = sign_in(app, people["examiner"])
    home = browser.get("/", follow_redirects=True).get_data(as_text=True)
    assert "My clients" in home and "Ana" in home and "Zed" not in home
    assert "Polygraph exam" in home
    assert "Tasks" not in home and "Phone simulator" not in home and "Audit log" not in home
    assert browser.get("/clients/").headers["Location"].endswith("/assigned")

    page = browser.get(f"/clients/{client.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ana" in html and "Upcoming appointments" in html and "Polygraph exam" in html
    for hidden in ("Risk level", "Recent check-ins", "Messages", "Open tasks",
                   "Relapse-prevention plan", "Timeline", "Monthly report"):  # fmt: skip
        assert hidden not in html, hidden
    assert browser.get(f"/clients/{client.id}/appointments").status_code == 200

    queue = browser.get("/escalations").get_data(as_text=True)
    assert mine.code in queue and theirs.code not in queue
    assert browser.get(f"/escalations/{mine.id}").status_code == 200
    # An examiner sees the alert but closes none (care/roles.py): that is the team's to do.
    refused = browser.post(f"/escalations/{mine.id}/acknowledge", data={"outcome": "review"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(type(mine), mine.id).status == EscalationStatus.OPEN


def test_an_examiner_sees_an_alert_but_not_the_clients_words(app, people, client, examined):
    said = received(client, "I keep thinking about hurting myself", la(date(2026, 11, 21), 9))
    acute = open_escalation(db.session, client, Reason.SELF_HARM, la(date(2026, 11, 21), 9),
                            settings(), message_id=said.id)  # fmt: skip
    db.session.commit()
    as_examiner = sign_in(app, people["examiner"]).get(f"/escalations/{acute.id}")
    page = as_examiner.get_data(as_text=True)
    assert as_examiner.status_code == 200 and acute.code in page
    assert "hurting myself" not in page
    assert "shown to the provider and the officer" in page
    as_provider = sign_in(app, people["provider"]).get(f"/escalations/{acute.id}")
    assert "I keep thinking about hurting myself" in as_provider.get_data(as_text=True)
    # The appointments page is read-only for an examiner: no forms to add, change or cancel.
    appointments = sign_in(app, people["examiner"]).get(f"/clients/{client.id}/appointments")
    html = appointments.get_data(as_text=True)
    assert "Polygraph exam" in html
    assert "Add an appointment" not in html and ">Cancel</button>" not in html


def test_an_examiner_gets_403_everywhere_else(app, people, client, stranger, examined):
    mine, theirs = examined
    browser = sign_in(app, people["examiner"])
    for path in (
        f"/clients/{client.id}/plan",
        f"/clients/{client.id}/plan/edit",
        f"/clients/{client.id}/schedule",
        f"/clients/{client.id}/timeline",
        f"/clients/{client.id}/report",
        f"/clients/{client.id}/report.csv",
        f"/clients/{client.id}/edit",
        "/clients/new",
        "/simulator/",
        f"/simulator/{client.id}",
        "/tasks",
        "/admin/audit",
        f"/clients/{stranger.id}",
        f"/clients/{stranger.id}/appointments",
        f"/escalations/{theirs.id}",
    ):
        assert browser.get(path).status_code == 403, path
    # Appointments are read only for an examiner.
    form = {"kind": "polygraph", "day": "2026-12-02", "at": "09:00"}
    added = browser.post(f"/clients/{client.id}/appointments", data=form)
    assert added.status_code == 403
    assert browser.post(f"/escalations/{theirs.id}/acknowledge",
                        data={"outcome": "review"}).status_code == 403  # fmt: skip
    kept = db.session.scalars(select(Appointment).where(Appointment.client_id == client.id))
    assert len(kept.all()) == 1  # nothing was added


def test_an_examiner_with_no_assignment_sees_nobody(app, staff, client, examined):
    browser = sign_in(app, staff("examiner", name="New Examiner"))
    html = browser.get("/assigned").get_data(as_text=True)
    assert "No clients are assigned to you yet." in html
    assert browser.get(f"/clients/{client.id}").status_code == 403
    assert examined[0].code not in browser.get("/escalations").get_data(as_text=True)


def test_other_staff_keep_their_pages_and_get_the_team_links(app, people, client):
    html = sign_in(app, people["officer"]).get(f"/clients/{client.id}").get_data(as_text=True)
    assert f'href="/clients/{client.id}/timeline">Timeline</a>' in html
    assert f'href="/clients/{client.id}/report">Monthly report</a>' in html
    assert 'id="s-checkins"' in html and "Risk level" in html
    assert sign_in(app, people["provider"]).get("/assigned").status_code == 302


def test_the_demo_has_an_examiner_with_one_client(app):
    logins = load_demo(db.session, "demo-password-1", MONDAY_9AM)
    assert ("examiner", "examiner@demo.invalid") in logins
    examiner = db.session.scalars(
        select(StaffUser).where(StaffUser.email == "examiner@demo.invalid")
    ).one()
    assigned = db.session.scalars(select(Client).where(Client.examiner_id == examiner.id)).all()
    assert [c.display_name for c in assigned] == ["Marcus"]
    load_demo(db.session, "demo-password-1", MONDAY_9AM)  # again: nothing doubles
    assert db.session.scalars(select(Client).where(Client.examiner_id == examiner.id)).all() == [
        assigned[0]
    ]


# -- who may close an alert (care/roles.py; security issue, fault 1) -------------------------


def test_the_role_policy_for_alerts_covers_every_role_and_reason():
    from companion.care.roles import CLINICAL, SUPERVISION, may_close_alert, may_read_reason
    from companion.models import Role

    assert set(Reason) == CLINICAL | SUPERVISION and not CLINICAL & SUPERVISION
    for reason in Reason:
        assert may_close_alert(Role.PROVIDER, reason)
        assert may_close_alert(Role.OFFICER, reason) == (reason in SUPERVISION)
        assert not may_close_alert(Role.EXAMINER, reason)
        assert not may_close_alert(Role.ADMIN, reason)
        assert may_read_reason(Role.EXAMINER, reason) == (reason not in CLINICAL)


@pytest.mark.parametrize("who", ["examiner", "officer"])
def test_only_a_clinician_closes_a_self_harm_alert(app, people, client, examined, who):
    said = received(client, "I keep thinking about hurting myself", la(date(2026, 11, 21), 9))
    acute = open_escalation(db.session, client, Reason.SELF_HARM, la(date(2026, 11, 21), 9),
                            settings(), message_id=said.id)  # fmt: skip
    db.session.commit()
    browser = sign_in(app, people[who])
    page = browser.get(f"/escalations/{acute.id}").get_data(as_text=True)
    assert "Only clinicians (the provider, the on-call clinician) close an alert about" in page
    assert 'name="outcome"' not in page
    refused = browser.post(f"/escalations/{acute.id}/acknowledge", data={"outcome": "excused"})
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Escalation, acute.id).status == EscalationStatus.OPEN
    # The provider, a clinician, closes it.
    closed = sign_in(app, people["provider"]).post(
        f"/escalations/{acute.id}/acknowledge", data={"outcome": "contacted"}
    )
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Escalation, acute.id).status == EscalationStatus.ACKNOWLEDGED


def test_an_examiner_does_not_read_a_clinical_reason(app, people, client, examined):
    acute = open_escalation(db.session, client, Reason.SELF_HARM, la(date(2026, 11, 21), 9),
                            settings())  # fmt: skip
    db.session.commit()
    for path in (f"/escalations/{acute.id}", "/escalations"):
        page = sign_in(app, people["examiner"]).get(path).get_data(as_text=True)
        assert acute.code in page
        assert "Self-harm" not in page and "self-harm" not in page
        assert "An alert for the provider (the reason is clinical)" in page
    provider_page = sign_in(app, people["provider"]).get(f"/escalations/{acute.id}")
    assert "Self-harm" in provider_page.get_data(as_text=True)


def test_an_officer_still_closes_a_supervision_alert(app, people, client):
    missed = open_escalation(db.session, client, Reason.MISSED_CHECKINS,
                             la(date(2026, 11, 21), 9), settings())  # fmt: skip
    db.session.commit()
    done = sign_in(app, people["officer"]).post(
        f"/escalations/{missed.id}/acknowledge", data={"outcome": "contacted"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Escalation, missed.id).status == EscalationStatus.ACKNOWLEDGED
