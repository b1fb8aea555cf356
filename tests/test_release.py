"""The release of information (issue 15): the officer hears only what a current release covers.

Routing per category with and without the release, an expired release, the release an
officer's alert names, acknowledgement by role and category, an acknowledgement on an
alert already closed, false alarms as labelled examples, and the text that tells the
client who sees their answers, in their language.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from companion.care.acknowledge import outcomes_for
from companion.care.ladder import RULES, Reason, Rung
from companion.care.release import Category, category_of
from companion.care.roles import NotAllowed, may_close_alert
from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    AlertEmail,
    AuditEvent,
    Client,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    Outcome,
    Release,
    Role,
    Task,
)
from companion.runtime import escalation_settings
from companion.services import release as releases
from companion.services.escalations import acknowledge, open_escalation

from factories import MessageFactory
from helpers import MONDAY_9AM, OFFICER_PHONE, PROVIDER_PHONE, sign_in

# One reason per category an officer may or may not hear.
BY_CATEGORY = {
    Category.ATTENDANCE: Reason.MISSED_APPOINTMENT,
    Category.ADHERENCE: Reason.MISSED_CHECKINS,
    Category.CHANNEL: Reason.CANT_REACH,
    Category.CLINICAL: Reason.SELF_HARM,
}


@pytest.fixture
def team(staff):
    officer = staff("officer", name="Olu Officer", phone=OFFICER_PHONE, email="olu@example.test")
    provider = staff("provider", name="Pat Provider", phone=PROVIDER_PHONE)
    examiner = staff("examiner", name="Eve Examiner")
    return provider, officer, examiner


@pytest.fixture
def client_with(team, make_client):
    provider, officer, examiner = team

    def make(*categories: str, **fields: object) -> Client:
        return make_client(provider_id=provider.id, officer_id=officer.id,
                           examiner_id=examiner.id, releases=categories, **fields)  # fmt: skip

    return make


def alert(client: Client, reason: Reason, **kwargs: object) -> Escalation:
    escalation = open_escalation(db.session, client, reason, MONDAY_9AM, escalation_settings(),
                                 rung=Rung.OFFICER, **kwargs)  # fmt: skip
    db.session.commit()
    assert escalation is not None
    return escalation


def officer_texts(officer) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.staff_user_id == officer.id)))


def test_the_officer_hears_a_category_only_under_its_release(team, client_with):
    _, officer, _ = team
    phones = iter(f"+121355501{n}" for n in range(60, 80))
    for category, reason in BY_CATEGORY.items():
        for released in (True, False):
            client = client_with(*([category.value] if released else []), phone=next(phones))
            escalation = alert(client, reason)
            assert (officer.id in escalation.told_ids) is released, (category, released)
            mine = [m for m in officer_texts(officer) if m.params["code"] == escalation.code]
            assert bool(mine) is released, (category, released)
            if not released:
                # It stays with the clinicians: the on-call clinician for a reply that
                # needs one now (the clinician ladder), the provider for the rest.
                clinician = RULES[reason].first if RULES[reason].first == Rung.ON_CALL else None
                assert escalation.rung == (clinician or Rung.PROVIDER)
                assert any(e.kind == "withheld" for e in escalation.events)
    # Supervision conditions reach the officer by the terms of supervision, with no release row.
    client = client_with(phone=next(phones))
    escalation = alert(client, Reason.VICTIM_ACCESS)
    assert officer.id in escalation.told_ids
    assert escalation.release_basis == "supervision, by the terms of supervision"
    [text] = [m for m in officer_texts(officer) if m.params["code"] == escalation.code]
    assert "terms of supervision" in render(text.kind, "en", text.params).body
    # The table "who is told what" says the same.
    table = {row.category: row for row in releases.who_is_told(db.session, client, MONDAY_9AM)}
    assert list(table) == list(Category) and all(row.provider for row in table.values())
    assert table[Category.CLINICAL].on_call and not table[Category.CLINICAL].officer
    assert not table[Category.ADHERENCE].officer
    assert table[Category.SUPERVISION].officer and table[Category.SUPERVISION].by_terms


def test_an_officer_alert_names_the_release_it_relies_on(team, client_with):
    _, officer, _ = team
    client = client_with("adherence")
    with_email = replace(escalation_settings(), email=True)
    escalation = open_escalation(db.session, client, Reason.MISSED_CHECKINS, MONDAY_9AM,
                                 with_email, rung=Rung.OFFICER)  # fmt: skip
    db.session.commit()
    [email] = db.session.scalars(select(AlertEmail).where(AlertEmail.staff_user_id == officer.id))
    assert "Shared with you under the client's release: adherence, signed 2026-11-23." in (
        email.body
    )
    assert escalation.release_basis == "adherence, signed 2026-11-23"
    assert escalation.release_id is not None
    [text] = officer_texts(officer)
    body = render(text.kind, "en", text.params).body
    assert "Release: adherence, signed 2026-11-23." in body and f"/e/{escalation.id}" in body
    # No health detail on the officer's lock screen: a clinical release is named by date only.
    clinical = client_with("clinical", phone="+12135550160")
    urgent = alert(clinical, Reason.SELF_HARM)
    [sms] = [m for m in officer_texts(officer) if m.params["code"] == urgent.code]
    assert sms.params["release"] == "signed 2026-11-23"
    assert urgent.release_basis == "clinical, signed 2026-11-23"


def test_the_officer_may_not_close_an_alert_the_release_kept_from_them(team, client_with):
    _, officer, examiner = team
    escalation = alert(client_with(), Reason.MISSED_CHECKINS)  # adherence not released
    with pytest.raises(NotAllowed):
        acknowledge(db.session, escalation, officer, Outcome.CONTACTED, "", MONDAY_9AM, "web")
    with pytest.raises(NotAllowed):
        acknowledge(db.session, escalation, examiner, Outcome.EXCUSED, "x", MONDAY_9AM, "web")
    assert escalation.status == EscalationStatus.OPEN


def test_an_expired_release_stops_the_officer_and_tells_the_provider_once(team, client_with):
    provider, officer, _ = team
    client = client_with()
    releases.record(db.session, client, Category.ADHERENCE, True, date(2026, 10, 1),
                    date(2026, 11, 20), provider, MONDAY_9AM - timedelta(days=30))  # fmt: skip
    escalation = alert(client, Reason.MISSED_CHECKINS)
    assert officer.id not in escalation.told_ids
    assert officer_texts(officer) == []
    assert releases.review_expired(db.session, MONDAY_9AM) == 1
    assert releases.review_expired(db.session, MONDAY_9AM + timedelta(days=1)) == 0  # not daily
    [task] = db.session.scalars(select(Task).where(Task.kind == "release_expired")).all()
    assert task.client_id == client.id and "2026-11-20" in task.note
    table = {row.category: row for row in releases.who_is_told(db.session, client, MONDAY_9AM)}
    assert table[Category.ADHERENCE].expired and not table[Category.ADHERENCE].officer


def test_the_release_page_records_a_release_and_shows_who_is_told(app, team, client_with):
    provider, officer, _ = team
    client = client_with()
    web = sign_in(app, provider)
    response = web.post(f"/clients/{client.id}/release", data={
        "category": "clinical", "granted": "yes", "signed_on": "2026-11-20",
        "expires_on": "2027-05-20", "note": "signed in session",
    })  # fmt: skip
    assert response.status_code == 302
    page = web.get(f"/clients/{client.id}/release").get_data(as_text=True)
    assert "Who is told what" in page and "release signed 2026-11-20" in page
    assert releases.basis_for(db.session, client, "self_harm", MONDAY_9AM) is not None
    # The officer reads it, and may not record one.
    as_officer = sign_in(app, officer)
    assert as_officer.get(f"/clients/{client.id}/release").status_code == 200
    assert as_officer.post(f"/clients/{client.id}/release", data={}).status_code == 403


# -- acknowledgement: by role and category -------------------------------------------------------


@pytest.mark.parametrize("reason", list(Reason))
def test_who_may_close_an_alert_by_role_and_category(reason):
    clinical = category_of(reason) == Category.CLINICAL
    assert may_close_alert(Role.PROVIDER, reason)
    assert may_close_alert(Role.OFFICER, reason) is not clinical
    assert not may_close_alert(Role.OFFICER, reason, released=False)  # outside the release
    assert not may_close_alert(Role.EXAMINER, reason)
    assert not may_close_alert(Role.ADMIN, reason)


def test_the_options_fit_the_kind_of_alert():
    assert Outcome.FALSE_ALARM not in outcomes_for(from_words=False, urgent=False)
    assert Outcome.EXCUSED not in outcomes_for(from_words=True, urgent=True)
    assert Outcome.FALSE_ALARM in outcomes_for(from_words=True, urgent=True)


def test_the_alert_page_offers_only_what_the_viewer_may_use(app, team, client_with):
    provider, officer, examiner = team
    client = client_with("adherence")
    words = MessageFactory(client=client, direction=Direction.INBOUND, body="killing it at work")
    clinical = alert(client, Reason.THREAT, message_id=words.id)
    missed = alert(client, Reason.MISSED_CHECKINS)
    page = sign_in(app, provider).get(f"/escalations/{clinical.id}").get_data(as_text=True)
    assert "False alarm" in page and "Excused" not in page and "the text on the client" in page
    page = sign_in(app, officer).get(f"/escalations/{clinical.id}").get_data(as_text=True)
    assert 'name="outcome"' not in page
    page = sign_in(app, officer).get(f"/escalations/{missed.id}").get_data(as_text=True)
    assert "Excused" in page and "False alarm" not in page
    assert "adherence, signed 2026-11-23" in page
    page = sign_in(app, examiner).get(f"/escalations/{missed.id}").get_data(as_text=True)
    assert 'name="outcome"' not in page


def test_a_false_alarm_needs_a_reason_and_becomes_a_labelled_example(app, team, client_with):
    provider, _, _ = team
    client = client_with()
    words = MessageFactory(client=client, direction=Direction.INBOUND, body="killing it at work")
    escalation = alert(client, Reason.THREAT, message_id=words.id)
    web = sign_in(app, provider)
    refused = web.post(f"/escalations/{escalation.id}/acknowledge",
                       data={"outcome": "false_alarm", "note": ""})  # fmt: skip
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    web.post(f"/escalations/{escalation.id}/acknowledge",
             data={"outcome": "false_alarm", "note": "means doing well at work"})  # fmt: skip
    [example] = releases.false_alarms(db.session)
    assert example["text"] == "killing it at work" and example["flagged_as"] == "threat"
    assert example["label"] == "false_alarm" and example["why"] == "means doing well at work"


def changes_audited() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action != "escalation.viewed")
    )


def test_acknowledging_an_alert_already_closed_says_so_and_changes_nothing(app, team, client_with):
    provider, _, _ = team
    escalation = alert(client_with("adherence"), Reason.MISSED_CHECKINS)
    web = sign_in(app, provider)
    web.post(f"/escalations/{escalation.id}/acknowledge", data={"outcome": "contacted"})
    db.session.expire_all()
    first = db.session.get(Escalation, escalation.id)
    closed = (first.acknowledged_at, first.acknowledged_by_id, first.outcome, first.note)
    audits = changes_audited()
    events = len(first.events)
    again = web.post(f"/escalations/{escalation.id}/acknowledge",
                     data={"outcome": "excused", "note": "changed my mind"},
                     follow_redirects=True)  # fmt: skip
    assert "was already acknowledged" in again.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.get(Escalation, escalation.id)
    assert (after.acknowledged_at, after.acknowledged_by_id, after.outcome, after.note) == closed
    assert len(after.events) == events
    assert changes_audited() == audits  # opening the page audits a view, nothing else


# -- the client is told who sees their answers ---------------------------------------------------


def test_enrollment_tells_the_client_who_sees_their_answers_in_their_language(app, provider):
    web = sign_in(app, provider)
    for language, phone in (("en", "(213) 555-0150"), ("es", "(213) 555-0151")):
        form = {"display_name": "Rosa", "phone": phone, "language": language,
                "timezone": "America/Los_Angeles", "send_window_start": "08:00",
                "send_window_end": "21:00", "risk_level": "III", "officer_id": "0",
                "status": "active", "consent": "y", "provider_id": str(provider.id)}  # fmt: skip
        if language == "es":
            form["roi_officer_contact"] = "y"  # the form's box: the channel release
        assert web.post("/clients/new", data=form).status_code == 302
    [channel] = db.session.scalars(select(Release)).all()
    assert (channel.category, channel.granted, channel.client.language) == ("channel", True, "es")
    texts = db.session.scalars(
        select(Message).where(Message.kind.like("who_sees_%")).order_by(Message.id)
    ).all()
    assert [t.kind for t in texts] == ["who_sees_team", "who_sees_team"]  # nothing released yet
    english, spanish = (render(t.kind, t.client.language, t.params or {}).body for t in texts)
    assert english.startswith("Your answers go to your care team") and "988" in english
    assert spanish.startswith("Sus respuestas van a su equipo") and "988" in spanish


def test_a_change_of_release_sends_one_short_update(team, client_with):
    provider, _, _ = team
    client = client_with()
    releases.tell_client(db.session, client, MONDAY_9AM)
    releases.record(db.session, client, Category.ADHERENCE, True, date(2026, 11, 23), None,
                    provider, MONDAY_9AM + timedelta(hours=1))  # fmt: skip
    # Recording it again, with nothing new for the client, sends nothing more.
    releases.record(db.session, client, Category.ADHERENCE, True, date(2026, 11, 23), None,
                    provider, MONDAY_9AM + timedelta(hours=2))  # fmt: skip
    kinds = db.session.scalars(
        select(Message.kind).where(Message.client_id == client.id).order_by(Message.id)
    ).all()
    assert kinds == ["who_sees_team", "who_sees_missed"]


# -- the migration: existing clients keep their behaviour ----------------------------------------


def test_the_migration_turns_the_old_flag_into_release_rows(tmp_path):
    from datetime import time

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from companion import create_app
    from companion.models.base import UTCDateTime

    from helpers import base_env

    app = create_app(base_env(f"sqlite:///{tmp_path / 'before.sqlite3'}"))
    with app.app_context():
        upgrade(revision="f3b7d1c9a2e6")  # the revision before the release of information
        staff = sa.table("staff_users", *(sa.column(c) for c in (
            "id", "email", "name", "role", "password_hash", "timezone", "is_active_account")),
            sa.column("created_at", UTCDateTime()))  # fmt: skip
        clients = sa.table("clients", *(sa.column(c) for c in (
            "id", "display_name", "phone", "language", "timezone", "risk_level", "provider_id",
            "consent", "status", "roi_officer_contact")),
            sa.column("send_window_start", sa.Time), sa.column("send_window_end", sa.Time),
            sa.column("created_at", UTCDateTime()),
            sa.column("updated_at", UTCDateTime()))  # fmt: skip
        with db.engine.begin() as conn:
            conn.execute(staff.insert(), [{"id": 1, "email": "pat@example.test", "name": "Pat",
                         "role": "provider", "password_hash": "x", "timezone": "UTC",
                         "is_active_account": True, "created_at": MONDAY_9AM}])  # fmt: skip
            row = {
                "language": "en",
                "timezone": "America/Los_Angeles",
                "risk_level": "II",
                "send_window_start": time(8),
                "send_window_end": time(21),
                "provider_id": 1,
                "consent": "opted_in",
                "status": "active",
                "created_at": MONDAY_9AM - timedelta(days=60),
                "updated_at": MONDAY_9AM,
            }
            conn.execute(clients.insert(), [
                {"id": 1, "display_name": "Ana", "phone": "+12135550121",
                 "roi_officer_contact": True, **row},
                {"id": 2, "display_name": "Bea", "phone": "+12135550122",
                 "roi_officer_contact": False, **row},
            ])  # fmt: skip
        upgrade()
        try:
            granted = {
                (r.client_id, r.category): r.granted for r in db.session.scalars(select(Release))
            }
            for client_id, channel in ((1, True), (2, False)):
                assert granted[(client_id, "attendance")] and granted[(client_id, "adherence")]
                assert granted[(client_id, "channel")] is channel
                assert granted[(client_id, "clinical")] is False
                assert granted[(client_id, "supervision")] is True
            [signed] = set(db.session.scalars(select(Release.signed_on)))
            assert signed == (MONDAY_9AM - timedelta(days=60)).date()
        finally:
            db.session.remove()
            db.engine.dispose()
