"""Twilio's webhooks: only requests Twilio signed, for this address and these fields, are
heard; a replayed one is harmless.

Signatures are checked against PUBLIC_BASE_URL + path + query (companion/web/
twilio_hooks.py ``_require_signature``). Other probes: tests/test_webhooks.py (missing
and forged signature, inner URL, a retried webhook), tests/test_dispatch.py (status
callbacks in any order, another message's sid).
"""

from __future__ import annotations

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from companion.extensions import db
from companion.models import Direction, Escalation, Message, Status

from factories import ClientFactory, MessageFactory
from helpers import MONDAY_9AM, OUR_NUMBER, SMS_URL, post_sms

STATUS_URL = "http://localhost/twilio/status"
CLIENT_PHONE = "+12135550120"


def count(*where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Message).where(*where))


def test_forged_webhooks_are_403_and_leave_no_trace(twilio_app, fake_twilio):
    client = ClientFactory(phone=CLIENT_PHONE)
    sent = MessageFactory(client=client, provider_sid="SM" + "5" * 32, to_number=CLIENT_PHONE)
    params, signature = fake_twilio.inbound_request(SMS_URL, CLIENT_PHONE, OUR_NUMBER, "5")
    status = {"MessageSid": sent.provider_sid, "MessageStatus": "undelivered"}
    status_url = f"{STATUS_URL}?m={sent.id}"
    other_token = RequestValidator("not-our-auth-token")
    forgeries = {
        "unsigned sms": ("/twilio/sms", params, None),
        "signed with another token": (
            "/twilio/sms", params, other_token.compute_signature(SMS_URL, params),
        ),
        "signed for another address": (
            "/twilio/sms", params, fake_twilio.sign("https://elsewhere.test/twilio/sms", params),
        ),
        "signed for the status address": (
            "/twilio/sms", params, fake_twilio.sign(STATUS_URL, params),
        ),
        "body changed after signing": ("/twilio/sms", {**params, "Body": "STOP"}, signature),
        "sender changed after signing": (
            "/twilio/sms", {**params, "From": "+12135550121"}, signature,
        ),
        "a field changed after signing": ("/twilio/sms", {**params, "NumMedia": "1"}, signature),
        "a field added after signing": (
            "/twilio/sms", {**params, "MediaUrl0": "http://x.test/"}, signature,
        ),
        "unsigned status": (f"/twilio/status?m={sent.id}", status, None),
        "status signed with another token": (
            f"/twilio/status?m={sent.id}", status,
            other_token.compute_signature(status_url, status),
        ),
        "status signed for another message": (
            f"/twilio/status?m={sent.id + 1}", status, fake_twilio.sign(status_url, status),
        ),
        "status changed after signing": (
            f"/twilio/status?m={sent.id}", {**status, "MessageStatus": "failed"},
            fake_twilio.sign(status_url, status),
        ),
    }  # fmt: skip
    web = twilio_app.test_client()
    for case, (path, data, sig) in forgeries.items():
        headers = {"X-Twilio-Signature": sig} if sig else {}
        assert web.post(path, data=data, headers=headers).status_code == 403, case
    assert count(Message.direction == Direction.INBOUND) == 0
    assert count(Message.direction == Direction.OUTBOUND) == 1  # the one sent before
    db.session.refresh(sent)
    assert sent.status == Status.SENT
    # The genuine request is heard: the 403s were the signatures' doing.
    genuine = web.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
    assert genuine.status_code == 200
    assert count(Message.direction == Direction.INBOUND) == 1


def test_a_replayed_crisis_text_is_stored_once_answered_once_and_alerts_once(
    twilio_app, fake_twilio
):
    client = ClientFactory(phone=CLIENT_PHONE)
    sid = "SM" + "7" * 32
    for _ in range(3):
        response = post_sms(twilio_app, fake_twilio, CLIENT_PHONE, "I want to end it all", sid=sid)
        assert response.status_code == 200
    # Counted in the database (the outbox), not at the fake Twilio: replies may leave
    # through a background lane after the webhook has answered.
    assert count(Message.direction == Direction.INBOUND) == 1
    to_client = count(
        Message.direction == Direction.OUTBOUND,
        Message.client_id == client.id,
        Message.staff_user_id.is_(None),
    )
    assert to_client == 1
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 1


def test_status_callbacks_replayed_or_out_of_order_never_move_a_message_backwards(
    twilio_app, fake_twilio
):
    client = ClientFactory(phone=CLIENT_PHONE)
    sent = MessageFactory(client=client, provider_sid="SM" + "6" * 32, to_number=CLIENT_PHONE)
    url = f"{STATUS_URL}?m={sent.id}"
    web = twilio_app.test_client()

    def callback(status: str) -> None:
        data = {"MessageSid": sent.provider_sid, "MessageStatus": status}
        response = web.post(
            f"/twilio/status?m={sent.id}",
            data=data,
            headers={"X-Twilio-Signature": fake_twilio.sign(url, data)},
        )
        assert response.status_code == 204

    callback("delivered")
    db.session.refresh(sent)
    assert sent.status == Status.DELIVERED
    delivered_at = sent.delivered_at
    assert delivered_at is not None
    for late in ("queued", "sending", "sent", "delivered", "accepted", "sent"):
        callback(late)
        db.session.refresh(sent)
        assert (sent.status, sent.delivered_at) == (Status.DELIVERED, delivered_at), late
    assert sent.created_at == MONDAY_9AM
