"""Guided onboarding (issue 6) and the consent ledger."""

from __future__ import annotations

from companion.extensions import db
from companion.models import (
    Appointment,
    AuditEvent,
    Client,
    Consent,
    ConsentEvent,
    ConsentKind,
    Message,
    Status,
)
from companion.runtime import HOOKS
from companion.services.inbound import receive

from helpers import MONDAY_9AM, OUR_NUMBER, sign_in

PROFILE = {
    "display_name": "Lupe",
    "phone": "(213) 555-0161",
    "timezone": "America/Los_Angeles",
    "send_window_start": "08:00",
    "send_window_end": "21:00",
    "officer_id": "0",
}


def walk(web, *, consent=True, appointment=None, language="es"):
    """Go through every step as a provider would; return the Finish response."""
    assert web.post("/clients/onboard/profile", data=PROFILE).status_code == 302
    assert web.post("/clients/onboard/language", data={"language": language}).status_code == 302
    agreed = {"consent": "y", "roi_officer_contact": "y"} if consent else {}
    assert web.post("/clients/onboard/consent", data=agreed).status_code == 302
    risk = {"risk_level": "IVa", "release_date": "2026-11-01"}
    assert web.post("/clients/onboard/risk", data=risk).status_code == 302
    assert web.post("/clients/onboard/plan", data={}).status_code == 302
    data = {"action": "finish", "appt-kind": "individual_session", "appt-day": "", "appt-at": ""}
    data.update(appointment or {})
    return web.post("/clients/onboard/appointment", data=data)


def test_onboarding_creates_the_client_records_consent_and_sends_the_welcome(app, provider):
    web = sign_in(app, provider)
    finish = walk(
        web,
        appointment={"appt-day": "2026-11-25", "appt-at": "10:00", "appt-location": "12 Elm St"},
    )
    assert finish.status_code == 302
    client = db.session.scalars(db.select(Client)).one()
    assert (client.display_name, client.phone, client.language) == ("Lupe", "+12135550161", "es")
    assert client.consent == Consent.OPTED_IN and client.roi_officer_contact
    assert client.risk_level.value == "IVa" and client.release_date.isoformat() == "2026-11-01"
    welcome = db.session.scalars(db.select(Message).where(Message.kind == "welcome")).one()
    assert welcome.status in (Status.SENT, Status.DELIVERED)  # sent at once, not left queued
    event = db.session.scalars(db.select(ConsentEvent)).one()
    assert event.kind == ConsentKind.OPT_IN_RECORDED and event.recorded_by_id == provider.id
    assert event.roi_officer_contact is True
    assert event.disclosure.startswith("Hola, Lupe") and "ALTO" in event.disclosure
    assert event.disclosure == welcome.body  # the words read are the words sent
    appointment = db.session.scalars(db.select(Appointment)).one()
    assert appointment.location == "12 Elm St"
    page = web.get(finish.headers["Location"]).get_data(as_text=True)
    assert "The welcome text went out." in page
    assert "Consent recorded by staff" in page and "Dana Provider" in page
    assert "<details>" in page and "Write the plan" in page


def test_each_step_marks_where_you_are_and_back_keeps_what_was_typed(app, provider):
    web = sign_in(app, provider)
    page = web.get("/clients/onboard/profile").get_data(as_text=True)
    assert 'aria-current="step"><strong>Profile' in page
    web.post("/clients/onboard/profile", data=PROFILE)
    back = web.post("/clients/onboard/language", data={"language": "vi", "action": "back"})
    assert back.headers["Location"].endswith("/clients/onboard/profile")
    profile = web.get("/clients/onboard/profile").get_data(as_text=True)
    assert 'value="Lupe"' in profile and "(213) 555-0161" in profile
    language = web.get("/clients/onboard/language").get_data(as_text=True)
    assert '<option selected value="vi">' in language  # the choice made before going back


def test_a_bad_phone_number_is_shown_next_to_the_field_and_nothing_is_lost(app, provider):
    web = sign_in(app, provider)
    response = web.post("/clients/onboard/profile", data={**PROFILE, "phone": "call me"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "not a phone number we can text" in page
    assert 'value="Lupe"' in page and 'value="call me"' in page
    assert db.session.scalars(db.select(Client)).all() == []


def test_the_language_step_previews_the_opt_in_text_in_that_language(app, provider):
    web = sign_in(app, provider)
    web.post("/clients/onboard/profile", data=PROFILE)
    page = web.post(
        "/clients/onboard/language", data={"language": "es", "action": "refresh"}
    ).get_data(as_text=True)
    assert 'lang="es" dir="ltr"' in page and "Lupe" in page
    consent = web.get("/clients/onboard/consent").get_data(as_text=True)
    assert "Read this to the client" in consent and 'lang="es"' in consent


def test_finishing_without_consent_adds_the_client_and_sends_nothing(app, provider):
    web = sign_in(app, provider)
    finish = walk(web, consent=False)
    assert finish.status_code == 302
    client = db.session.scalars(db.select(Client)).one()
    assert client.consent == Consent.NOT_ASKED
    assert db.session.scalars(db.select(Message)).all() == []
    assert db.session.scalars(db.select(ConsentEvent)).all() == []
    assert "No text was sent" in web.get(finish.headers["Location"]).get_data(as_text=True)


def test_a_first_appointment_in_the_past_is_refused_and_nothing_is_created(app, provider):
    web = sign_in(app, provider)
    response = walk(web, appointment={"appt-day": "2026-11-20", "appt-at": "10:00"})
    assert response.status_code == 422
    assert "That time has passed" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Client)).all() == []


def test_officers_cannot_onboard(app, staff):
    web = sign_in(app, staff("officer"))
    assert web.get("/clients/onboard/profile").status_code == 403
    assert web.get("/clients/onboard").status_code == 403


def test_the_client_list_links_to_guided_onboarding(app, provider):
    page = sign_in(app, provider).get("/clients/").get_data(as_text=True)
    assert "/clients/onboard" in page and "Guided onboarding" in page


def test_stop_and_start_by_text_are_in_the_ledger_with_the_text(app, provider, make_client):
    client = make_client(roi_officer_contact=True)
    for body in ("STOP", "START"):
        receive(
            db.session, from_number=client.phone, to_number=OUR_NUMBER, body=body,
            now=MONDAY_9AM, **HOOKS,
        )  # fmt: skip
        db.session.commit()
    events = db.session.scalars(db.select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [e.kind for e in events] == [ConsentKind.OPT_OUT, ConsentKind.OPT_IN]
    assert [e.message.body for e in events] == ["STOP", "START"]
    assert all(e.recorded_by_id is None and e.roi_officer_contact for e in events)
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "The client texted STOP" in page and "the client, by text" in page


def test_staff_removing_consent_or_changing_the_release_is_recorded(app, provider, make_client):
    client = make_client(display_name="Rosa")
    web = sign_in(app, provider)
    form = {
        "display_name": "Rosa", "phone": client.phone, "language": "en",
        "timezone": "America/Los_Angeles", "send_window_start": "08:00",
        "send_window_end": "21:00", "risk_level": "III", "provider_id": str(provider.id),
        "officer_id": "0", "examiner_id": "0", "status": "active",
    }  # fmt: skip
    assert web.post(f"/clients/{client.id}/edit", data=form).status_code == 302
    form.update(consent="y", roi_officer_contact="y")
    web.post(f"/clients/{client.id}/edit", data=form)
    del form["roi_officer_contact"]
    web.post(f"/clients/{client.id}/edit", data=form)
    events = db.session.scalars(db.select(ConsentEvent).order_by(ConsentEvent.id)).all()
    assert [e.kind for e in events] == [
        ConsentKind.OPT_OUT_BY_STAFF,
        ConsentKind.OPT_IN_RECORDED,
        ConsentKind.ROI_CHANGED,
    ]
    assert events[1].disclosure and events[1].roi_officer_contact is True
    assert events[2].roi_officer_contact is False
    assert db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "client.created")
    ) is None  # edits, not creations


# -- check-in topics (issue 17) -------------------------------------------------------------


def test_topics_are_suggested_from_the_needs_and_level_and_previewed_in_the_clients_language(
    app, provider
):
    web = sign_in(app, provider)
    web.post("/clients/onboard/profile", data=PROFILE)
    web.post("/clients/onboard/language", data={"language": "es"})
    web.post("/clients/onboard/consent", data={"consent": "y"})
    web.post("/clients/onboard/risk", data={"risk_level": "IVa"})
    page = web.get("/clients/onboard/topics").get_data(as_text=True)
    # Nothing ticked yet: the defaults, and unwanted urges at IVa.
    assert 'value="urges" checked' in page and 'value="stress" checked' in page
    assert "Lupe, una pregunta: ¿Tuvo impulsos no deseados hoy?" in page
    suggested = web.post(
        "/clients/onboard/topics",
        data={"needs": ["substances", "social_influences"], "action": "suggest"},
    ).get_data(as_text=True)
    assert 'value="substances" checked' in suggested and 'value="people" checked' in suggested
    assert 'value="stress" checked' not in suggested
    # The provider changes them before saving: what they ticked is what is saved.
    chosen = {"checkin_topics": ["substances", "supports"], "needs": ["substances"]}
    assert web.post("/clients/onboard/topics", data=chosen).status_code == 302
    web.post("/clients/onboard/plan", data={})
    web.post("/clients/onboard/appointment", data={"action": "finish", "appt-day": ""})
    client = db.session.scalars(db.select(Client)).one()
    assert client.checkin_topics == ["substances", "supports"]


def test_a_client_without_a_topic_is_flagged_at_finish_and_on_the_providers_home(app, provider):
    web = sign_in(app, provider)
    web.post("/clients/onboard/profile", data=PROFILE)
    web.post("/clients/onboard/consent", data={"consent": "y"})
    empty = web.post("/clients/onboard/topics", data={"action": "refresh"}).get_data(as_text=True)
    assert "No topic chosen: the client will never be asked a check-in question." in empty
    web.post("/clients/onboard/topics", data={})
    finish = web.post("/clients/onboard/appointment", data={"action": "finish", "appt-day": ""})
    assert db.session.scalars(db.select(Client)).one().checkin_topics == []
    shown = web.get(finish.headers["Location"]).get_data(as_text=True)
    assert "the client will not be asked anything" in shown
    home = web.get("/today").get_data(as_text=True)
    assert "No check-in topics (1)" in home and "Lupe" in home


def test_walking_past_the_topics_step_keeps_the_suggestion(app, provider):
    walk(sign_in(app, provider))  # the topics step never opened
    client = db.session.scalars(db.select(Client)).one()
    assert client.checkin_topics == ["connected", "stress", "urges"]  # IVa: urges too


def test_suggestions_follow_the_stable_domains_and_never_exceed_four():
    from companion.care.topic_choice import NEED_KEYS, suggest_topics

    assert suggest_topics([], "II") == ["connected", "stress"]
    assert suggest_topics(["intimacy_deficits"], "I") == ["connected"]
    everything = suggest_topics(NEED_KEYS, "IVb")
    assert len(everything) == 4 and {"urges", "plan_conditions"} <= set(everything)
