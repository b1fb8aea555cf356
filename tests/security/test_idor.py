"""Caseload isolation (IDOR): no staff member reaches a client outside their caseload by
changing a number in an address, and no staff phone closes someone else's alert by text.

The walk covers every rule of the URL map that takes an id: a new kind of id in an
address fails the walk until it is given a value in ``id_values``.
Other probes of the same rule: tests/test_web.py (client page), tests/test_web_care.py
(plan, schedule, appointments, tasks), tests/test_team_views.py (timeline, report),
tests/test_web_escalations.py (alert page), tests/test_escalations.py (``OK <code>``).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    AuditEvent,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
)
from companion.web.imports.views import pack

from helpers import OFFICER_PHONE, PROVIDER_PHONE, post_sms, sign_in
from probe_world import Caseload, caseload, changed_tables, snapshot

# Address parts that name no one's record.
# Static files; the onboarding step of one's own draft; a shift of the on-call rota, which is
# the team's, not a caseload's (tests/test_oncall.py checks who may change it).
# A text language (the admin's Languages page) belongs to no caseload either.
NOT_AN_ID = {"filename", "name", "shift_id", "lang"}

# A plausible body for every POST, so a refusal cannot be a mere form error.
POST_DATA: dict[str, dict[str, object]] = {
    "clients.edit": {
        "display_name": "Renamed", "phone": "+12135550150", "language": "en",
        "timezone": "America/Los_Angeles", "send_window_start": "08:00",
        "send_window_end": "21:00", "risk_level": "III", "consent": "y",
    },
    "plans.plan_edit": {
        "action": "save", "base_version": "1", "review_date": "2027-02-21",
        "offense_chain_note": "", "warning_signs-0-id": "ws9",
        "warning_signs-0-sign": "changed", "warning_signs-0-response": "changed",
    },
    "schedule.save_risk": {
        "risk_level": "II", "checkin_topics": ["stress"], "checkin_times": "10:00",
    },
    "schedule.override": {"notices-reason": "probe", "action": "override"},
    "appointments.appointments": {
        "kind": "court_date", "day": "2026-11-25", "at": "15:00", "location": "200 Main St",
    },
    "appointments.edit_appointment": {
        "kind": "court_date", "day": "2026-11-25", "at": "15:00", "location": "200 Main St",
    },
    "appointments.appointment_outcome": {"outcome": "kept"},
    "escalations.acknowledge_view": {"outcome": "excused", "note": "probe"},
    "simulator.phone": {"body": "hello"},
    "staff_admin.edit": {"name": "Renamed", "email": "renamed@example.test", "role": "provider",
                         "timezone": "America/Los_Angeles"},
    "staff_admin.caseload": {"to_staff_id": "1"},
}  # fmt: skip


@pytest.fixture
def teams(app) -> tuple[Caseload, Caseload]:
    ours = caseload("a", (PROVIDER_PHONE, OFFICER_PHONE, "+12135550186"), "+12135550120",
                    name="Ana Victim", words="private words of Ana")  # fmt: skip
    theirs = caseload("b", ("+12135550184", "+12135550185", "+12135550187"), "+12135550121",
                      name="Zed Other", words="words of Zed")  # fmt: skip
    return ours, theirs


def id_values(victim: Caseload) -> dict[str, object]:
    return {
        "client_id": victim.client.id,
        "appointment_id": victim.appointment.id,
        "escalation_id": victim.escalation.id,
        "task_id": victim.task.id,
        "number": victim.plan.version,
        "part": "notices",
        "key": "welcome",
        "staff_id": victim.provider.id,
    }


def id_routes(app, values: dict[str, object]) -> list[tuple[str, str, str]]:
    """(endpoint, method, address) for every rule that names a record by id."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.arguments & NOT_AN_ID:
            continue
        url = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((rule.endpoint, method, url))
    return routes


def test_outside_the_caseload_every_id_route_is_refused_and_nothing_changes(app, teams):
    victim, outsiders = teams
    routes = id_routes(app, id_values(victim))
    # A new kind of id in an address fails here until it has a value in ``id_values``.
    names = {arg for rule in app.url_map.iter_rules() for arg in rule.arguments}
    assert names - NOT_AN_ID <= set(id_values(victim))
    assert len(routes) >= 25
    # The addresses are real: the victim's own provider opens every client page.
    own = sign_in(app, victim.provider)
    for endpoint, method, url in routes:
        if method == "GET" and not endpoint.startswith("staff_admin."):
            assert own.get(url, follow_redirects=True).status_code == 200, url

    browsers = {role: sign_in(app, person) for role, person in outsiders.staff.items()}
    before = snapshot()
    for role, web in browsers.items():
        for endpoint, method, url in routes:
            response = web.open(
                url, method=method, data=POST_DATA.get(endpoint, {}),
                follow_redirects=method == "GET",
            )  # fmt: skip
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            page = response.get_data(as_text=True)
            assert "Ana Victim" not in page and "private words of Ana" not in page, (role, url)
        # Nor may they reach the victim's appointment through a client of their own.
        own_client = {**id_values(victim), "client_id": outsiders.client.id}
        for endpoint, method, url in id_routes(app, own_client):
            if f"/appointments/{victim.appointment.id}" not in url:
                continue
            response = web.open(url, method=method, data=POST_DATA.get(endpoint, {}))
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
        # Nor do the lists, searches and home pages show anything of the other caseload.
        for url in list_pages(app):
            page = web.get(url, follow_redirects=True).get_data(as_text=True)
            assert "Ana Victim" not in page and "private words of Ana" not in page, (role, url)
            assert victim.escalation.code not in page, (role, url)
    assert changed_tables(before) == []


def list_pages(app) -> list[str]:
    """Every page without an id in its address, and the client search."""
    pages = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "health.healthz"
    ]
    return [*pages, "/clients/?q=Ana", "/admin/audit?client=Ana"]


def test_the_import_reaches_no_client_outside_the_caseload(app, teams):
    """By phone or by client_id, in the checked file or in a forged confirmation."""
    victim, outsiders = teams
    web = sign_in(app, outsiders.provider)
    csv_text = (
        "client_phone,client_id,kind,date,time,location\n"
        f",{victim.client.id},individual,2026-12-01,10:00,Room 1\n"
        f"{victim.client.phone},,individual,2026-12-02,10:00,Room 1\n"
    ).encode()
    before = snapshot()
    checked = web.post("/appointments/import", data={"file": (io.BytesIO(csv_text), "a.csv")})
    page = checked.get_data(as_text=True)
    assert f"No client number {victim.client.id} in your caseload." in page
    assert "No client with this phone number in your caseload." in page
    assert "Ana Victim" not in page
    forged = web.post(
        "/appointments/import/confirm",
        data={"payload": pack(csv_text), "expected": "2", "filename": "a.csv"},
    )
    assert forged.status_code in (400, 403, 409)
    assert changed_tables(before) == []


def test_signed_out_every_id_route_leads_to_sign_in_and_nothing_changes(app, teams):
    victim, _ = teams
    before = snapshot()
    web = app.test_client()
    for endpoint, method, url in id_routes(app, id_values(victim)):
        response = web.open(url, method=method, data=POST_DATA.get(endpoint, {}))
        if response.status_code == 302 and not response.location.startswith("/login"):
            response = web.get(response.location)  # /e/<id> → the alert → sign-in
        assert response.status_code in (302, 401, 403, 404), (method, url)
        if response.status_code == 302:
            assert response.location.startswith("/login"), (method, url, response.location)
        assert "Ana Victim" not in response.get_data(as_text=True)
    assert changed_tables(before) == []


def test_ok_by_text_from_a_staff_phone_not_on_the_alert_closes_nothing(
    twilio_app, fake_twilio, teams
):
    """Zed's provider texts "OK <code of Ana's alert>" through the signed webhook."""
    victim, outsiders = teams
    code = victim.escalation.code
    answered = post_sms(twilio_app, fake_twilio, outsiders.provider.phone, f"OK {code}")
    assert answered.status_code == 200
    db.session.expire_all()
    assert db.session.get(Escalation, victim.escalation.id).status == EscalationStatus.OPEN
    # The answer is the neutral one, queued in the outbox: nothing says whose alert it is.
    [reply] = db.session.scalars(
        select(Message).where(
            Message.direction == Direction.OUTBOUND,
            Message.staff_user_id == outsiders.provider.id,
            Message.kind.startswith("staff_ack"),
        )
    ).all()
    assert reply.kind == "staff_ack_unknown"
    assert render(reply.kind, "en", reply.params).body == render("staff_ack_unknown", "en", {}).body
    refused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "escalation.ack_rejected")
    ).all()
    assert [e.actor_id for e in refused] == [outsiders.provider.id]
    # The same text from the provider on the alert does close it: the code was right.
    post_sms(twilio_app, fake_twilio, victim.provider.phone, f"OK {code}")
    db.session.expire_all()
    assert db.session.get(Escalation, victim.escalation.id).status == EscalationStatus.ACKNOWLEDGED
