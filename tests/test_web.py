"""Staff pages: sign-in, caseloads, the client form, the phone simulator."""

from __future__ import annotations

import pytest

from companion.extensions import db
from companion.models import AuditEvent, Client, Consent, Direction, Message, Status
from companion.runtime import tick

from helpers import MONDAY_9AM, PASSWORD, sign_in


def client_form(**overrides):
    data = {
        "display_name": "Rosa",
        "phone": "(213) 555-0150",
        "language": "es",
        "timezone": "America/Los_Angeles",
        "send_window_start": "08:00",
        "send_window_end": "21:00",
        "risk_level": "III",
        "officer_id": "0",
        "status": "active",
        "consent": "y",
    }
    data.update(overrides)
    return data


def test_pages_need_sign_in(app):
    response = app.test_client().get("/clients/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_logged(app, provider):
    response = app.test_client().post("/login", data={"email": provider.email, "password": "nope"})
    assert response.status_code == 200
    assert b"do not match" in response.data
    assert db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "staff.sign_in_failed")
    )


def test_sign_in_ignores_an_offsite_next_url(app, provider):
    response = app.test_client().post(
        "/login?next=https://evil.example/", data={"email": provider.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"  # home, not the other site


def test_provider_adds_a_client_and_a_welcome_is_queued(app, provider):
    web = sign_in(app, provider)
    response = web.post("/clients/new", data=client_form(provider_id=str(provider.id)))
    assert response.status_code == 302
    client = db.session.scalars(db.select(Client)).one()
    assert client.phone == "+12135550150"
    assert client.consent == Consent.OPTED_IN
    welcome = db.session.scalars(db.select(Message).where(Message.kind == "welcome")).one()
    assert welcome.client_id == client.id and welcome.status == Status.PENDING
    assert "Rosa" in web.get(f"/clients/{client.id}").get_data(as_text=True)


def test_without_consent_nothing_is_queued(app, provider):
    web = sign_in(app, provider)
    form = client_form(provider_id=str(provider.id))
    del form["consent"]
    web.post("/clients/new", data=form)
    assert db.session.scalars(db.select(Message)).all() == []


@pytest.mark.parametrize(
    "field,value,error",
    [
        ("phone", "12345", "not a phone number we can text"),
        ("phone", "call me", "not a phone number we can text"),
        ("display_name", "", "Enter a first name or alias"),
        ("timezone", "Mars/Olympus", "Choose a time zone"),
        ("send_window_end", "07:00", "must be after its start"),
    ],
)
def test_a_bad_form_says_what_is_wrong_and_keeps_what_was_typed(app, provider, field, value, error):
    web = sign_in(app, provider)
    form = client_form(provider_id=str(provider.id), **{"display_name": "Rosa-typed", field: value})
    response = web.post("/clients/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error in page
    for kept in (
        "America/Los_Angeles" if field != "timezone" else value,
        "Rosa-typed" if field != "display_name" else "",
    ):
        assert kept in page
    assert db.session.scalars(db.select(Client)).all() == []


def test_duplicate_phone_is_refused_in_words(app, provider, make_client):
    make_client(phone="+12135550150")
    web = sign_in(app, provider)
    response = web.post("/clients/new", data=client_form(provider_id=str(provider.id)))
    assert "Another client already has this number" in response.get_data(as_text=True)


def test_html_in_a_name_is_shown_escaped(app, provider, make_client):
    client = make_client(display_name="<script>alert(1)</script>")
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_caseloads_are_private(app, staff, provider, make_client):
    other_provider = staff("provider")
    officer = staff("officer")
    outsider_officer = staff("officer")
    client = make_client(officer_id=officer.id)

    assert sign_in(app, other_provider).get(f"/clients/{client.id}").status_code == 403
    assert sign_in(app, outsider_officer).get(f"/clients/{client.id}").status_code == 403
    assert client.display_name not in sign_in(app, other_provider).get("/clients/").get_data(
        as_text=True
    )
    assert sign_in(app, officer).get(f"/clients/{client.id}").status_code == 200
    assert sign_in(app, provider).get(f"/clients/{client.id}").status_code == 200
    assert sign_in(app, staff("admin")).get(f"/clients/{client.id}").status_code == 200
    # Officers read, they do not edit.
    assert sign_in(app, officer).get(f"/clients/{client.id}/edit").status_code == 403


def test_backup_officer_sees_the_officers_caseload(app, staff, make_client):
    backup = staff("officer")
    officer = staff("officer", backup_officer_id=backup.id)
    client = make_client(officer_id=officer.id)
    assert sign_in(app, backup).get(f"/clients/{client.id}").status_code == 200


def test_every_view_of_a_client_record_is_audited(app, provider, make_client):
    client = make_client()
    sign_in(app, provider).get(f"/clients/{client.id}")
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "client.viewed")
    ).one()
    assert event.actor_id == provider.id and event.subject_id == client.id


def test_audit_log_cannot_be_rewritten(app):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from companion.services import audit

    audit.record(db.session, "test.event", now=MONDAY_9AM)
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE audit_events SET action = 'rewritten'"))
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_events"))
        db.session.commit()
    db.session.rollback()


def test_editing_withdraws_texts_when_the_client_is_discharged(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    web.post(
        f"/clients/{client.id}/edit",
        data=client_form(provider_id=str(provider.id), phone=client.phone, status="active"),
    )
    pending = db.session.scalars(db.select(Message).where(Message.kind == "welcome")).one()
    assert pending.status == Status.PENDING
    web.post(
        f"/clients/{client.id}/edit",
        data=client_form(provider_id=str(provider.id), phone=client.phone, status="discharged"),
    )
    db.session.refresh(pending)
    assert pending.status == Status.CANCELLED


def test_phone_simulator_shows_texts_and_replies_take_the_inbound_path(app, provider, make_client):
    client = make_client(display_name="Ana")
    web = sign_in(app, provider)
    web.post(
        f"/clients/{client.id}/edit",
        data=client_form(
            display_name="Ana", provider_id=str(provider.id), phone=client.phone, language="en"
        ),
    )
    tick(MONDAY_9AM)
    page = web.get(f"/simulator/{client.id}").get_data(as_text=True)
    assert "Hi Ana" in page

    response = web.post(f"/simulator/{client.id}", data={"body": "HELP"})
    assert response.status_code == 302
    page = web.get(f"/simulator/{client.id}").get_data(as_text=True)
    assert "HELP" in page and "911" in page
    inbound = db.session.scalars(
        db.select(Message).where(Message.direction == Direction.INBOUND)
    ).one()
    assert inbound.client_id == client.id and inbound.body == "HELP"

    web.post(f"/simulator/{client.id}", data={"body": "STOP"})
    db.session.refresh(client)
    assert client.consent == Consent.OPTED_OUT


def test_jump_to_the_next_planned_text_moves_the_clock_and_the_phone_shows_it(
    app, clock, provider, make_client
):
    from datetime import timedelta

    from factories import MessageFactory

    client = make_client(display_name="Ana")
    tomorrow = MONDAY_9AM + timedelta(days=1, hours=1)
    MessageFactory(client=client, kind="welcome", status=Status.PENDING, send_after=tomorrow)
    web = sign_in(app, provider)
    page = web.get(f"/simulator/{client.id}").get_data(as_text=True)
    assert "Next planned text" in page and "Hi Ana" not in page

    response = web.post(f"/simulator/{client.id}/next", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert clock.now() == tomorrow  # a day on: the one who jumped is still signed in
    assert response.status_code == 200 and "Hi Ana" in page
    assert "No text is planned for this client." in page
    # Nothing planned: the clock stays where it is.
    web.post(f"/simulator/{client.id}/next")
    assert clock.now() == tomorrow


def test_phone_simulator_is_only_there_with_the_console_transport(twilio_app, provider):
    assert sign_in(twilio_app, provider).get("/simulator/").status_code == 404


def test_simulator_respects_caseloads(app, staff, make_client):
    client = make_client()
    assert sign_in(app, staff("provider")).get(f"/simulator/{client.id}").status_code == 403


# -- languages: the pages and the client's texts ------------------------------------


def test_the_pages_switch_to_spanish_and_back(app, provider):
    web = sign_in(app, provider)
    switched = web.post("/language", data={"language": "es", "next": "/clients/new"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/clients/new")
    page = web.get("/clients/new").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Agregar un cliente" in page
    assert ">Clientes<" in page and ">Clients<" not in page
    # Errors in Spanish too, WTForms' own included; what was typed is kept.
    bad = web.post("/clients/new", data=client_form(provider_id=str(provider.id), phone="12345",
                                                    display_name=""))  # fmt: skip
    errors = bad.get_data(as_text=True)
    assert "Nothing you typed was lost" not in errors
    assert "No se perdió nada de lo que escribió." in errors
    assert 'value="12345"' in errors
    web.post("/language", data={"language": "en", "next": "/clients/"})
    assert '<html lang="en">' in web.get("/clients/").get_data(as_text=True)


def test_dates_on_spanish_pages_are_spanish(app, provider, make_client):
    from datetime import UTC, datetime

    from companion.web.shared import localtime

    instant = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    with app.test_request_context():
        assert localtime(instant, "America/Los_Angeles") == "Mon 23 Nov 2026, 10:00 PST"
    with app.test_request_context():
        from flask import session

        session["ui_language"] = "es"
        assert localtime(instant, "America/Los_Angeles") == "lun 23 nov 2026, 10:00 PST"


def test_the_language_switch_stays_on_this_site(app, provider):
    web = sign_in(app, provider)
    for elsewhere in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        answer = web.post("/language", data={"language": "es", "next": elsewhere})
        assert answer.headers["Location"] in ("/", "http://localhost/"), elsewhere
    # An unknown language changes nothing.
    web.post("/language", data={"language": "xx", "next": "/clients/"})
    assert '<html lang="es">' in web.get("/clients/").get_data(as_text=True)


@pytest.mark.parametrize(
    "language, direction, words",
    [("fa", "rtl", "سلام"), ("ar", "rtl", ""), ("ko", "ltr", ""), ("es", "ltr", "")],
)
def test_the_client_page_previews_a_text_in_the_clients_language_and_direction(
    app, provider, make_client, language, direction, words
):
    from companion.messaging.compose import render

    client = make_client(language=language, checkin_topics=["urges"])
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    expected = render("checkin_prompt", language, {"name": "Ana", "topic": "urges"}).body
    assert f'lang="{language}" dir="{direction}">{expected}</p>' in page
    assert "translation drafted, not yet reviewed" in page


def test_an_unsupported_language_falls_back_to_english_with_a_warning(app, provider, make_client):
    client = make_client(language="fr", checkin_topics=["urges"])
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "No texts ship in “fr”: texts go in English." in page
    assert 'lang="en" dir="ltr">Ana, quick check-in: Any unwanted urges today?' in page


def test_held_back_languages_say_so_on_the_client_page(make_app, provider, make_client):
    app = make_app(HOLD_UNREVIEWED_LANGUAGES="1")
    client = make_client(language="vi")
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "Texts go in English until a qualified translator has reviewed" in page
    assert 'lang="en" dir="ltr">' in page


def test_simple_words_are_set_on_the_form_and_shown(app, provider, make_client):
    web = sign_in(app, provider)
    form = client_form(provider_id=str(provider.id), simple_words="y", language="en")
    web.post("/clients/new", data=form)
    client = db.session.scalars(db.select(Client)).one()
    assert client.simple_words is True
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "simple words" in page and "Send a number" in page
