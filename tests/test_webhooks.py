"""POST /twilio/sms and /twilio/status: signatures, bad input, keywords, replies."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from companion.extensions import db
from companion.messaging.compose import render
from companion.models import Consent, Direction, Message, Status

from fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from helpers import OUR_NUMBER, SMS_URL, post_sms, sent_bodies

STATUS_URL = "http://localhost/twilio/status"
STRANGER = "+13105550142"


def inbound(client=None):
    rows = db.session.scalars(
        db.select(Message).where(Message.direction == Direction.INBOUND).order_by(Message.id)
    ).all()
    return [r for r in rows if client is None or r.client_id == client.id]


# -- signatures and malformed requests ------------------------------------------


def test_missing_signature_is_403_and_nothing_is_stored(twilio_app, fake_twilio):
    params, _ = fake_twilio.inbound_request(SMS_URL, STRANGER, OUR_NUMBER, "hello")
    response = twilio_app.test_client().post("/twilio/sms", data=params)
    assert response.status_code == 403
    assert inbound() == []


def test_forged_signature_is_403_and_nothing_is_stored(twilio_app, fake_twilio):
    params, signature = fake_twilio.inbound_request(SMS_URL, STRANGER, OUR_NUMBER, "hello")
    params["Body"] = "changed in transit"
    response = twilio_app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert inbound() == []
    assert fake_twilio.messages == []


def test_signature_is_checked_against_the_public_url_not_the_inner_one(twilio_app, fake_twilio):
    # Signed for another host (what a proxy would see): refused.
    params, signature = fake_twilio.inbound_request(
        "http://internal:8000/twilio/sms", STRANGER, OUR_NUMBER, "hello"
    )
    response = twilio_app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("drop", ["From", "Body"])
def test_missing_from_or_body_field_is_400(twilio_app, fake_twilio, drop):
    params, _ = fake_twilio.inbound_request(SMS_URL, STRANGER, OUR_NUMBER, "hello")
    del params[drop]
    signature = fake_twilio.sign(SMS_URL, params)
    response = twilio_app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 400
    assert inbound() == []


def test_picture_only_message_with_empty_body_is_stored(twilio_app, fake_twilio, make_client):
    client = make_client()
    response = post_sms(twilio_app, fake_twilio, client.phone, "", extra={"NumMedia": "1"})
    assert response.status_code == 200
    [row] = inbound(client)
    assert row.body == "" and row.num_media == 1


@pytest.mark.parametrize(
    "body",
    ["x" * 1600, "🙂🙂🙂", "مرحبا 👋🏽 xin chào", "   ", "\u0000null byte"],
    ids=["1600-chars", "emoji", "mixed-scripts", "spaces", "nul"],
)
def test_odd_bodies_are_stored_without_error(twilio_app, fake_twilio, make_client, body):
    client = make_client()
    response = post_sms(twilio_app, fake_twilio, client.phone, body)
    assert response.status_code == 200
    [row] = inbound(client)
    assert row.body == body.replace("\u0000", "\ufffd")


def test_invalid_utf8_is_stored_not_a_500(twilio_app, fake_twilio, make_client):
    client = make_client()
    raw = urlencode(
        {"From": client.phone, "To": OUR_NUMBER, "MessageSid": "SM" + "1" * 32}
    ).encode()
    raw += b"&Body=caf%E9+%FF"  # Latin-1 bytes: not valid UTF-8
    decoded = twilio_app.test_request_context(
        "/twilio/sms", method="POST", data=raw, content_type="application/x-www-form-urlencoded"
    )
    with decoded:
        from flask import request

        params = request.form.to_dict()
    signature = fake_twilio.sign(SMS_URL, params)
    response = twilio_app.test_client().post(
        "/twilio/sms",
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 200
    [row] = inbound(client)
    assert row.body.startswith("caf")


def test_reply_is_twiml(twilio_app, fake_twilio):
    response = post_sms(twilio_app, fake_twilio, STRANGER, "hello")
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response>" in response.data


# -- who sent it, and what we answer ---------------------------------------------


def test_unknown_sender_gets_one_neutral_reply_a_day(twilio_app, fake_twilio, make_client):
    make_client(display_name="Ana")
    post_sms(twilio_app, fake_twilio, STRANGER, "who is this?")
    post_sms(twilio_app, fake_twilio, STRANGER, "hello??")
    assert len(inbound()) == 2  # both stored
    [reply] = sent_bodies(fake_twilio, STRANGER)
    assert "Ana" not in reply
    for word in ("care", "team", "treatment", "probation", "court", "Companion"):
        assert word.lower() not in reply.lower()


def test_ordinary_reply_is_stored_and_acknowledged_in_the_clients_language(
    twilio_app, fake_twilio, make_client
):
    client = make_client(language="es")
    post_sms(twilio_app, fake_twilio, client.phone, "Hoy estuvo bien, gracias")
    [row] = inbound(client)
    assert row.body == "Hoy estuvo bien, gracias"
    [reply] = sent_bodies(fake_twilio, client.phone)
    assert reply == render("received", "es", {}).body
    assert "988" in reply and "911" in reply


def test_a_retried_webhook_is_stored_and_answered_once(twilio_app, fake_twilio, make_client):
    client = make_client()
    sid = "SM" + "a" * 32
    post_sms(twilio_app, fake_twilio, client.phone, "hello", sid=sid)
    post_sms(twilio_app, fake_twilio, client.phone, "hello", sid=sid)
    assert len(inbound(client)) == 1
    assert len(sent_bodies(fake_twilio, client.phone)) == 1


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "stop",
        "Stop.",
        "UNSUBSCRIBE",
        "end",
        "QUIT",
        "stopall",
        "REVOKE",
        "optout",
        "CANCEL",
        "Please stop texting me",
        "no more texts!",
    ],
)
def test_opt_out_words_stop_all_texts_with_one_confirmation(
    twilio_app, fake_twilio, make_client, word
):
    client = make_client()
    from companion.messaging.outbox import enqueue

    from helpers import MONDAY_9AM

    later = enqueue(
        db.session,
        kind="welcome",
        dedupe_key="welcome:later",
        client_id=client.id,
        now=MONDAY_9AM,
        send_after=MONDAY_9AM.replace(year=2030),
    )
    db.session.commit()
    post_sms(twilio_app, fake_twilio, client.phone, word)
    db.session.refresh(client)
    assert client.consent == Consent.OPTED_OUT
    assert client.consent_changed_at is not None
    [confirmation] = sent_bodies(fake_twilio, client.phone)
    assert "no more texts" in confirmation
    assert "(213) 555-0100" in confirmation  # the provider's number
    db.session.refresh(later)
    assert later.status == Status.CANCELLED
    # A second STOP: stored, no second confirmation.
    post_sms(twilio_app, fake_twilio, client.phone, "STOP")
    assert len(sent_bodies(fake_twilio, client.phone)) == 1
    assert len(inbound(client)) == 2


@pytest.mark.parametrize(
    "text", ["cancel my appointment tomorrow", "I can't stop thinking", "stopped by"]
)
def test_sentences_that_merely_contain_a_keyword_do_not_opt_out(
    twilio_app, fake_twilio, make_client, text
):
    client = make_client()
    post_sms(twilio_app, fake_twilio, client.phone, text)
    db.session.refresh(client)
    assert client.consent == Consent.OPTED_IN


def test_after_opt_out_ordinary_texts_are_kept_but_not_answered(
    twilio_app, fake_twilio, make_client
):
    client = make_client(consent=Consent.OPTED_OUT)
    post_sms(twilio_app, fake_twilio, client.phone, "hello?")
    assert len(inbound(client)) == 1
    assert sent_bodies(fake_twilio, client.phone) == []


def test_start_re_enrolls_with_a_confirmation(twilio_app, fake_twilio, make_client):
    client = make_client(consent=Consent.OPTED_OUT)
    post_sms(twilio_app, fake_twilio, client.phone, "START")
    db.session.refresh(client)
    assert client.consent == Consent.OPTED_IN
    [reply] = sent_bodies(fake_twilio, client.phone)
    assert "again" in reply


def test_yes_re_enrolls_only_someone_who_opted_out(twilio_app, fake_twilio, make_client):
    out = make_client(consent=Consent.OPTED_OUT)
    in_ = make_client()
    post_sms(twilio_app, fake_twilio, out.phone, "yes")
    post_sms(twilio_app, fake_twilio, in_.phone, "yes")
    db.session.refresh(out)
    assert out.consent == Consent.OPTED_IN
    assert sent_bodies(fake_twilio, in_.phone) == [render("received", "en", {}).body]


def test_help_says_who_we_are_and_how_to_reach_the_provider(twilio_app, fake_twilio, make_client):
    client = make_client()
    post_sms(twilio_app, fake_twilio, client.phone, "help")
    [reply] = sent_bodies(fake_twilio, client.phone)
    assert "(213) 555-0100" in reply
    assert "911" in reply and "STOP" in reply
    assert "not watched around the clock" in reply


def test_help_is_answered_even_after_opt_out(twilio_app, fake_twilio, make_client):
    client = make_client(consent=Consent.OPTED_OUT)
    post_sms(twilio_app, fake_twilio, client.phone, "HELP")
    assert len(sent_bodies(fake_twilio, client.phone)) == 1


@pytest.mark.parametrize(
    "word,language,kind",
    [
        ("ALTO", "es", "opt_out_confirm"),
        ("parar", "es", "opt_out_confirm"),
        ("Ayuda", "es", "help"),
        ("dừng", "vi", "opt_out_confirm"),
        ("DUNG", "vi", "opt_out_confirm"),
        ("giúp", "vi", "help"),
    ],
)
def test_keywords_in_the_clients_language_answer_in_that_language(
    twilio_app, fake_twilio, make_client, word, language, kind
):
    client = make_client(language=language)
    post_sms(twilio_app, fake_twilio, client.phone, word)
    [reply] = sent_bodies(fake_twilio, client.phone)
    expected = render(
        kind,
        language,
        {"program": "Companion", "phone": "(213) 555-0100", "name": client.display_name},
    )
    assert reply == expected.body
    assert expected.language == language


def test_opt_out_in_another_language_is_honoured_for_everyone(twilio_app, fake_twilio, make_client):
    client = make_client(language="en")
    post_sms(twilio_app, fake_twilio, client.phone, "ALTO")
    db.session.refresh(client)
    assert client.consent == Consent.OPTED_OUT


def test_sender_number_in_other_formats_still_matches_the_client(
    twilio_app, fake_twilio, make_client
):
    client = make_client(phone="+12135550131")
    post_sms(twilio_app, fake_twilio, "(213) 555-0131", "hello")
    assert len(inbound(client)) == 1


# -- status callbacks -------------------------------------------------------------


def test_status_callback_needs_a_valid_signature(twilio_app, fake_twilio):
    params = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "delivered"}
    response = twilio_app.test_client().post(
        "/twilio/status", data=params, headers={"X-Twilio-Signature": "forged"}
    )
    assert response.status_code == 403


def test_status_callback_without_sid_is_400(twilio_app, fake_twilio):
    params = {"MessageStatus": "delivered"}
    response = twilio_app.test_client().post(
        "/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": fake_twilio.sign(STATUS_URL, params)},
    )
    assert response.status_code == 400


def test_status_callback_for_an_unknown_message_is_accepted_quietly(twilio_app, fake_twilio):
    params = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "delivered"}
    response = twilio_app.test_client().post(
        "/twilio/status",
        data=params,
        headers={"X-Twilio-Signature": fake_twilio.sign(STATUS_URL, params)},
    )
    assert response.status_code == 204


@pytest.mark.parametrize("hold, expected", [("0", "es"), ("1", "en")])
def test_a_language_no_translator_has_reviewed_can_be_held_back(
    make_app, fake_twilio, make_client, hold, expected
):
    """HOLD_UNREVIEWED_LANGUAGES=1 sends English until translations/review.json says reviewed."""
    from companion.messaging.i18n import review_of

    assert not review_of("es").reviewed  # drafted by the developers, as shipped
    app = make_app(
        SMS_TRANSPORT="twilio",
        TWILIO_ACCOUNT_SID=DEFAULT_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=DEFAULT_AUTH_TOKEN,
        TWILIO_FROM_NUMBER=OUR_NUMBER,
        TWILIO_API_BASE_URL=fake_twilio.base_url,
        PUBLIC_BASE_URL="http://localhost",
        HOLD_UNREVIEWED_LANGUAGES=hold,
    )
    client = make_client(language="es")
    post_sms(app, fake_twilio, client.phone, "AYUDA")
    [reply] = sent_bodies(fake_twilio, client.phone)
    params = {"program": "Companion", "phone": "(213) 555-0100"}
    assert reply == render("help", expected, params).body


def test_a_client_with_simple_words_gets_the_simple_question_and_clarification(
    make_client, twilio_app, fake_twilio
):
    from datetime import UTC, datetime, timedelta

    from companion.models import RiskLevel

    from helpers import run_ticks, text_back

    # Daily check-ins at 10:00 about urges; Tuesday 24 November, 10:00 in Los Angeles.
    client = make_client(simple_words=True, checkin_topics=["urges"], risk_level=RiskLevel.IVA)
    now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    run_ticks(twilio_app, now, now + timedelta(minutes=1))
    [question] = sent_bodies(fake_twilio, client.phone)
    assert question == render(
        "checkin_prompt", "en", {"name": "Ana", "topic": "urges", "simple": True}
    ).body
    assert "Send a number: 0 = none, 10 = strong." in question
    assert question != render("checkin_prompt", "en", {"name": "Ana", "topic": "urges"}).body
    text_back(client, "lots", now + timedelta(minutes=5))
    run_ticks(twilio_app, now + timedelta(minutes=5), now + timedelta(minutes=6))
    assert sent_bodies(fake_twilio, client.phone)[-1] == (
        "We did not understand. Send one number from 0 to 10."
    )
