"""The alert pages: queue, timeline, one-click acknowledgement, and who may see what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.care.ladder import Reason
from companion.extensions import db
from companion.models import AuditEvent, Escalation, EscalationStatus, Message, Status
from companion.runtime import escalation_settings
from companion.services.escalations import open_escalation

from helpers import MONDAY_9AM, sign_in


@pytest.fixture
def people(staff):
    backup = staff("officer", name="Bo Backup", phone="+12135550183")
    officer = staff("officer", name="Olu Officer", phone="+12135550182",
                    backup_officer_id=backup.id)  # fmt: skip
    provider = staff("provider", name="Pat Provider", phone="+12135550181")
    return {
        "provider": provider,
        "officer": officer,
        "backup": backup,
        "admin": staff("admin", name="Ada Admin"),
        "other provider": staff("provider", name="Oz Other"),
        "other officer": staff("officer", name="Ike Other"),
    }


@pytest.fixture
def escalation(app, people, make_client):
    client = make_client(provider_id=people["provider"].id, officer_id=people["officer"].id)
    settings = escalation_settings()
    escalation = open_escalation(db.session, client, Reason.MISSED_CHECKINS, MONDAY_9AM, settings,
                                 details={"consecutive misses": 2})  # fmt: skip
    db.session.commit()
    return escalation


@pytest.mark.parametrize("who", ["provider", "officer", "backup", "admin"])
def test_the_team_sees_the_alert_and_its_timeline(app, people, escalation, who):
    page = sign_in(app, people[who]).get(f"/escalations/{escalation.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Alert {escalation.code}" in html
    assert "Missed check-ins" in html and "consecutive misses: 2" in html
    assert "Pat Provider alerted by text" in html


@pytest.mark.parametrize("who", ["other provider", "other officer"])
def test_outside_the_caseload_an_alert_can_be_neither_opened_nor_acknowledged(
    app, people, escalation, who
):
    browser = sign_in(app, people[who])
    assert browser.get(f"/escalations/{escalation.id}").status_code == 403
    response = browser.post(
        f"/escalations/{escalation.id}/acknowledge", data={"outcome": "excused"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).status == EscalationStatus.OPEN
    assert escalation.code not in browser.get("/escalations").get_data(as_text=True)


def test_the_short_link_in_a_text_leads_through_sign_in(app, escalation):
    response = app.test_client().get(f"/e/{escalation.id}", follow_redirects=True)
    assert "Sign in" in response.get_data(as_text=True)


def test_one_click_acknowledges_stops_the_ladder_and_cancels_waiting_alerts(
    app, people, escalation
):
    browser = sign_in(app, people["provider"])
    response = browser.post(
        f"/escalations/{escalation.id}/acknowledge",
        data={"outcome": "contacted", "note": "Called him; <b>he is fine</b>"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "acknowledged: the ladder has stopped" in html
    assert "&lt;b&gt;he is fine&lt;/b&gt;" in html  # the note is shown, escaped
    db.session.expire_all()
    row = db.session.get(Escalation, escalation.id)
    assert (row.status, row.outcome, row.climbs_at) == (
        EscalationStatus.ACKNOWLEDGED,
        "contacted",
        None,
    )
    alert = db.session.scalars(select(Message).where(Message.kind == "staff_alert")).one()
    assert alert.status == Status.CANCELLED  # it had not gone out yet: no need now
    # A second click (another tab) changes nothing.
    again = browser.post(f"/escalations/{escalation.id}/acknowledge", data={"outcome": "excused"},
                         follow_redirects=True)  # fmt: skip
    assert "was already acknowledged" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Escalation, escalation.id).outcome == "contacted"
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "escalation.acknowledged")
    )


def test_acknowledging_without_saying_what_happens_is_refused_and_keeps_the_note(
    app, people, escalation
):
    response = sign_in(app, people["officer"]).post(
        f"/escalations/{escalation.id}/acknowledge", data={"note": "left a voicemail"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose what happens now." in html and "left a voicemail" in html


def test_the_queue_lists_open_alerts_first_with_counts_by_reason(app, people, escalation,
                                                                 make_client):  # fmt: skip
    settings = escalation_settings()
    other = make_client(provider_id=people["provider"].id)
    urgent = open_escalation(db.session, other, Reason.SELF_HARM, MONDAY_9AM, settings)
    db.session.commit()
    html = sign_in(app, people["provider"]).get("/escalations").get_data(as_text=True)
    assert html.index(escalation.code) < html.index(urgent.code)  # oldest first (same instant: id)
    assert "<strong>1</strong> missed check-ins" in html
    assert "Urgent:" in html
