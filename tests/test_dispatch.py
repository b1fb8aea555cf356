"""The dispatcher, end to end: outbox rows through the real ``twilio`` client to a fake API.

Every test runs on SQLite and PostgreSQL. Time is always the test's own
``now``, handed to ``tick``; the fake Twilio API only stamps the messages it
records with the machine's clock (see ``LAST_WEEK``).
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import insert, select, update
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from companion.extensions import db
from companion.messaging.compose import render
from companion.messaging.dispatch import Dispatcher, apply_provider_status
from companion.messaging.i18n import translations_for
from companion.messaging.outbox import enqueue
from companion.messaging.texts import KINDS
from companion.messaging.transports import SendResult, TransportError
from companion.models import (
    Client,
    ClientStatus,
    Consent,
    Direction,
    Message,
    RiskLevel,
    Status,
)
from companion.runtime import dispatch_settings, tick, transport

from fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from helpers import MONDAY_9AM, OUR_NUMBER, twilio_env

T = MONDAY_9AM
# Looking a text up at the provider (after a crash or a timeout) filters by the
# day it was sent, and the fake stamps what it records with the machine's clock:
# tests that look things up live a week before the suite's usual instant, so
# they do not depend on what time it is.
LAST_WEEK = MONDAY_9AM - timedelta(days=7)
CALLBACK_BASE = "http://localhost/twilio/status"  # twilio_app's PUBLIC_BASE_URL + path


@pytest.fixture
def tw(make_client: Callable[..., Client], twilio_app: Flask) -> Flask:
    """The twilio app, built after the console app the client factory needs, so it is active."""
    return twilio_app


@pytest.fixture
def impatient_tw(make_client: Callable[..., Client], make_app, fake_twilio) -> Flask:
    """The twilio app giving up on Twilio after 0.5 s (the fake hangs for longer)."""
    return make_app(**twilio_env(fake_twilio, TWILIO_TIMEOUT_SECONDS="0.5"))


def queue(
    kind: str = "welcome",
    *,
    client: Client | None = None,
    to: str | None = None,
    key: str | None = None,
    at: datetime = T,
    send_after: datetime | None = None,
    expires_at: datetime | None = None,
) -> int:
    row = enqueue(
        db.session,
        kind=kind,
        dedupe_key=key or f"{kind}:{client.id if client else to}:{at.isoformat()}",
        now=at,
        send_after=send_after,
        expires_at=expires_at,
        client_id=client.id if client else None,
        to_number=to,
    )
    assert row is not None
    db.session.commit()
    return row.id


def reload(message_id: int) -> Message:
    db.session.expire_all()
    row = db.session.get(Message, message_id)
    assert row is not None
    return row


def bodies(fake) -> list[str]:
    return [m["body"] for m in fake.messages]


# -- sending once, at the right moment, in the right words ------------------------


def test_each_message_goes_once_however_often_the_tick_runs(tw, make_client, fake_twilio):
    ana, ben = make_client(display_name="Ana"), make_client(display_name="Ben")
    first, second = queue(client=ana), queue(client=ben)

    assert tick(T).dispatch.sent == 2
    assert tick(T).dispatch.sent == 0
    assert tick(T + timedelta(hours=1)).dispatch.sent == 0

    assert sorted(m["to"] for m in fake_twilio.messages) == sorted([ana.phone, ben.phone])
    for message_id, client in ((first, ana), (second, ben)):
        row = reload(message_id)
        sent = next(m for m in fake_twilio.messages if m["to"] == client.phone)
        assert row.status == Status.SENT
        assert row.provider_sid == sent["sid"]
        assert row.provider_status == "queued"
        assert row.body == sent["body"]
        assert row.body.startswith(f"Hi {client.display_name},")
        assert sent["from"] == OUR_NUMBER
        assert row.sent_at == T


def test_text_is_written_at_send_time_in_the_clients_language_of_that_moment(
    tw, make_client, fake_twilio
):
    client = make_client(display_name="Rosa", language="en")
    message_id = queue(client=client)
    client.language = "es"
    db.session.commit()

    tick(T)

    row = reload(message_id)
    params = {"name": "Rosa", "program": "Companion", "phone": "(213) 555-0100"}
    spanish = render("welcome", "es", params)
    english = render("welcome", "en", params)
    assert row.locale == "es"
    assert row.body == spanish.body
    assert bodies(fake_twilio) == [spanish.body]
    # Once the Spanish catalog has this text, the client must not get the English one.
    template = KINDS["welcome"].template
    if translations_for("es").gettext(template) != template:
        assert row.body != english.body


def test_text_expired_before_it_could_go_is_dropped_and_never_sent(tw, make_client, fake_twilio):
    client = make_client()
    stale = queue("received", client=client, at=T - timedelta(hours=2), expires_at=T)
    fresh = queue("welcome", client=client, at=T - timedelta(hours=2), expires_at=T + timedelta(1))

    summary = tick(T)

    row = reload(stale)
    assert row.status == Status.EXPIRED
    assert row.status_reason
    assert summary.dispatch.expired == 1
    assert reload(fresh).status == Status.SENT
    assert len(fake_twilio.messages) == 1
    assert fake_twilio.messages[0]["body"].startswith("Hi ")
    tick(T + timedelta(days=2))
    assert fake_twilio.attempts == 1


def test_text_waits_for_its_send_after(tw, make_client, fake_twilio):
    client = make_client()
    due = T + timedelta(hours=3)
    message_id = queue(client=client, send_after=due)

    tick(T)
    tick(due - timedelta(seconds=1))
    assert fake_twilio.attempts == 0
    assert reload(message_id).status == Status.PENDING

    tick(due)
    assert len(fake_twilio.messages) == 1
    assert reload(message_id).status == Status.SENT


def test_status_callback_address_names_the_message(tw, make_client, fake_twilio):
    message_id = queue(client=make_client())
    tick(T)
    assert fake_twilio.messages[0]["status_callback"] == f"{CALLBACK_BASE}?m={message_id}"


# -- failures: retried, given up on, or final -----------------------------------


@pytest.mark.parametrize("http_status", [500, 429, 503])
def test_busy_provider_is_retried_after_a_backoff(tw, make_client, fake_twilio, http_status):
    message_id = queue(client=make_client())
    fake_twilio.fail_next(1, status=http_status)

    summary = tick(T)

    row = reload(message_id)
    assert summary.dispatch.retried == 1
    assert row.status == Status.PENDING
    assert row.attempts == 1
    assert row.send_after == T + timedelta(seconds=30)
    assert "will retry" in row.status_reason
    assert fake_twilio.messages == []

    tick(T + timedelta(seconds=29))
    assert fake_twilio.attempts == 1  # not before its time

    tick(T + timedelta(seconds=30))
    row = reload(message_id)
    assert row.status == Status.SENT
    assert row.attempts == 2
    assert len(fake_twilio.messages) == 1
    assert row.provider_sid == fake_twilio.messages[0]["sid"]


def test_timed_out_send_that_never_arrived_is_sent_again(impatient_tw, make_client, fake_twilio):
    message_id = queue(client=make_client(), at=LAST_WEEK)
    fake_twilio.hang_next(1, seconds=2.0)  # the client gives up after 0.5 s

    tick(LAST_WEEK)

    row = reload(message_id)
    assert row.status == Status.PENDING
    assert row.uncertain
    assert fake_twilio.messages == []

    tick(row.send_after)
    row = reload(message_id)
    assert row.status == Status.SENT
    assert not row.uncertain
    assert len(fake_twilio.messages) == 1
    assert row.provider_sid == fake_twilio.messages[0]["sid"]


def test_timed_out_send_the_provider_took_anyway_is_not_sent_twice(
    impatient_tw, make_client, fake_twilio
):
    """The fake answers after the client's 0.5 s timeout but still records the text."""
    message_id = queue(client=make_client(), at=LAST_WEEK)
    fake_twilio.latency = 2.0
    tick(LAST_WEEK)
    fake_twilio.latency = 0
    row = reload(message_id)
    assert (row.status, row.uncertain) == (Status.PENDING, True)
    late = fake_twilio.wait_for_messages(1, timeout=5)

    tick(row.send_after)

    row = reload(message_id)
    assert row.status == Status.SENT
    assert row.provider_sid == late[0]["sid"]
    assert fake_twilio.attempts == 1
    assert len(fake_twilio.messages) == 1


def test_gives_up_after_max_attempts_and_keeps_the_row(tw, make_client, fake_twilio):
    message_id = queue(client=make_client())
    fake_twilio.fail_next(5, status=500)

    now, waits = T, []
    for _ in range(5):
        tick(now)
        row = reload(message_id)
        if row.status != Status.PENDING:
            break
        waits.append((row.send_after - now).total_seconds())
        now = row.send_after

    row = reload(message_id)
    assert waits == [30, 60, 120, 240]  # doubling backoff
    assert row.status == Status.FAILED
    assert "gave up after 5 attempts" in row.status_reason
    assert row.attempts == 5
    assert fake_twilio.attempts == 5
    assert fake_twilio.messages == []
    tick(now + timedelta(hours=2))
    assert fake_twilio.attempts == 5


@pytest.mark.parametrize("code", [21211, 21614])
def test_number_that_cannot_take_texts_fails_at_once(tw, make_client, fake_twilio, code):
    client = make_client()
    message_id = queue(client=client)
    fake_twilio.reject_number(client.phone, code)

    summary = tick(T)
    tick(T + timedelta(hours=2))

    row = reload(message_id)
    assert summary.dispatch.failed == 1
    assert row.status == Status.FAILED
    assert row.error_code == code
    assert row.attempts == 1
    assert str(code) in row.status_reason
    assert fake_twilio.attempts == 1
    assert db.session.get(Client, client.id).consent == Consent.OPTED_IN


def test_carrier_unsubscribed_opts_the_client_out(tw, make_client, fake_twilio):
    client = make_client()
    refused = queue(client=client)
    later = queue("received", client=client, send_after=T + timedelta(hours=1))
    other = make_client()
    others = queue("received", client=other, send_after=T + timedelta(hours=1))
    fake_twilio.reject_number(client.phone, 21610)

    tick(T)

    row = reload(refused)
    assert (row.status, row.error_code) == (Status.FAILED, 21610)
    assert db.session.get(Client, client.id).consent == Consent.OPTED_OUT
    withdrawn = reload(later)
    assert (withdrawn.status, withdrawn.status_reason) == (Status.CANCELLED, "client opted out")
    assert reload(others).status == Status.PENDING
    tick(T + timedelta(hours=1))
    assert [m["to"] for m in fake_twilio.messages] == [other.phone]


def test_opted_out_client_gets_only_the_opt_out_confirmation(tw, make_client, fake_twilio):
    client = make_client()
    scheduled = queue("received", client=client)
    confirm = queue("opt_out_confirm", client=client)
    client.consent = Consent.OPTED_OUT
    db.session.commit()

    tick(T)

    row = reload(scheduled)
    assert (row.status, row.status_reason) == (Status.CANCELLED, "client opted out")
    assert reload(confirm).status == Status.SENT
    assert len(fake_twilio.messages) == 1
    assert fake_twilio.messages[0]["body"].startswith("You will get no more texts")


# -- crash recovery -------------------------------------------------------------


def crashed(message_id: int, to: str, body: str, claimed_at: datetime) -> None:
    """Leave a row as a dispatcher that died mid-send would: claimed, rendered, unsettled."""
    row = reload(message_id)
    row.status = Status.SENDING
    row.claim_token = "deadbeef" * 4
    row.claimed_at = claimed_at
    row.attempts = 1
    row.to_number = to
    row.body = body
    db.session.commit()


def received_body() -> str:
    return render("received", "en", {"program": "Companion"}).body


def test_crash_after_the_provider_took_the_text_is_settled_without_resending(
    tw, make_client, fake_twilio
):
    client = make_client()
    message_id = queue("received", client=client, at=LAST_WEEK)
    sid = transport().send(client.phone, received_body(), None).provider_sid
    crashed(message_id, client.phone, received_body(), claimed_at=LAST_WEEK)

    tick(LAST_WEEK + timedelta(seconds=299))  # still inside the lease: maybe still in flight
    assert reload(message_id).status == Status.SENDING

    summary = tick(LAST_WEEK + timedelta(seconds=301))

    row = reload(message_id)
    assert summary.dispatch.recovered == 1
    assert row.status == Status.SENT
    assert row.provider_sid == sid
    assert row.claim_token is None
    assert len(fake_twilio.messages) == 1
    assert fake_twilio.attempts == 1


def test_crash_before_the_provider_took_the_text_sends_it_once(tw, make_client, fake_twilio):
    client = make_client()
    message_id = queue("received", client=client, at=LAST_WEEK)
    crashed(message_id, client.phone, received_body(), claimed_at=LAST_WEEK)

    tick(LAST_WEEK + timedelta(seconds=301))
    tick(LAST_WEEK + timedelta(seconds=302))

    row = reload(message_id)
    assert row.status == Status.SENT
    assert bodies(fake_twilio) == [received_body()]
    assert row.provider_sid == fake_twilio.messages[0]["sid"]


@pytest.mark.parametrize("how", ["crash", "timeout"])
def test_an_earlier_identical_text_is_not_taken_for_this_one(
    impatient_tw, make_client, fake_twilio, how
):
    """Two "got your message" replies read the same; the second must still go out."""
    client = make_client()
    earlier = queue("received", client=client, key="received:1", at=LAST_WEEK)
    tick(LAST_WEEK)
    later_at = LAST_WEEK + timedelta(minutes=1)
    second = queue("received", client=client, key="received:2", at=later_at)
    if how == "crash":
        crashed(second, client.phone, received_body(), claimed_at=later_at)
        tick(later_at + timedelta(seconds=301))
    else:
        fake_twilio.hang_next(1, seconds=2.0)
        tick(later_at)
        assert reload(second).uncertain
        tick(reload(second).send_after)

    first_row, second_row = reload(earlier), reload(second)
    assert second_row.status == Status.SENT
    assert bodies(fake_twilio) == [received_body(), received_body()]
    assert {first_row.provider_sid, second_row.provider_sid} == {
        m["sid"] for m in fake_twilio.messages
    }


# -- delivery status callbacks --------------------------------------------------


def sent_row(client: Client) -> Message:
    message_id = queue(client=client)
    tick(T)
    row = reload(message_id)
    assert row.status == Status.SENT
    return row


def apply(row: Message, status: str, error_code: int | None = None, at: datetime = T) -> Message:
    result = apply_provider_status(
        db.session, message_id=row.id, provider_sid=row.provider_sid or "", provider_status=status,
        error_code=error_code, now=at,
    )
    db.session.commit()
    assert result is not None
    return reload(row.id)


def post_status(app: Flask, fake, message_id: int, sid: str, status: str, **extra: str) -> int:
    params = {
        "MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
        "AccountSid": fake.account_sid, "To": "+12135550120", "From": OUR_NUMBER,
        "ApiVersion": "2010-04-01", **extra,
    }
    url = f"{CALLBACK_BASE}?m={message_id}"
    response = app.test_client().post(
        f"/twilio/status?m={message_id}", data=params,
        headers={"X-Twilio-Signature": fake.sign(url, params)},
    )
    return response.status_code


def test_delivered_then_a_late_sent_stays_delivered(tw, make_client, fake_twilio):
    row = sent_row(make_client())
    row = apply(row, "delivered", at=T + timedelta(seconds=5))
    assert (row.status, row.delivered_at) == (Status.DELIVERED, T + timedelta(seconds=5))
    row = apply(row, "sent", at=T + timedelta(seconds=9))
    assert row.status == Status.DELIVERED
    assert row.provider_status == "delivered"
    # The same callback again changes nothing.
    row = apply(row, "delivered", at=T + timedelta(seconds=20))
    assert (row.status, row.delivered_at) == (Status.DELIVERED, T + timedelta(seconds=5))


def test_undelivered_keeps_the_carrier_error(tw, make_client, fake_twilio):
    row = sent_row(make_client())
    row = apply(row, "undelivered", error_code=30003)
    assert (row.status, row.error_code) == (Status.UNDELIVERED, 30003)
    assert "30003" in row.status_reason


def test_status_callbacks_over_http(tw, make_client, fake_twilio):
    row = sent_row(make_client())
    sid = row.provider_sid

    assert post_status(tw, fake_twilio, row.id, sid, "sent") == 204
    assert reload(row.id).status == Status.SENT
    assert post_status(tw, fake_twilio, row.id, sid, "undelivered", ErrorCode="30003") == 204
    assert post_status(tw, fake_twilio, row.id, sid, "undelivered", ErrorCode="30003") == 204
    assert post_status(tw, fake_twilio, row.id, sid, "sent") == 204
    row = reload(row.id)
    assert (row.status, row.error_code, row.provider_status) == (
        Status.UNDELIVERED, 30003, "undelivered",
    )

    # A callback for someone else's message, or one Twilio did not sign, moves nothing.
    other = sent_row(make_client())
    assert post_status(tw, fake_twilio, other.id, sid, "delivered") == 204
    assert reload(other.id).status == Status.SENT
    response = tw.test_client().post(
        f"/twilio/status?m={other.id}",
        data={"MessageSid": other.provider_sid, "MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": "forged"},
    )
    assert response.status_code == 403
    assert reload(other.id).status == Status.SENT


def test_callback_for_a_message_still_sending_is_kept(tw, make_client, fake_twilio):
    message_id = queue(client=make_client())
    row = reload(message_id)
    row.status, row.claim_token, row.claimed_at = Status.SENDING, "inflight" * 4, T
    db.session.commit()
    row = apply_provider_status(
        db.session, message_id=message_id, provider_sid="SM" + "1" * 32,
        provider_status="delivered", error_code=None, now=T,
    )
    db.session.commit()
    row = reload(message_id)
    assert (row.status, row.provider_sid) == (Status.DELIVERED, "SM" + "1" * 32)


class CallbackFirst:
    """The twilio transport, but the delivery callback lands before ``send`` returns."""

    name = "twilio"

    def __init__(self, app: Flask, fake, inner) -> None:
        self.app, self.fake, self.inner = app, fake, inner
        self.codes: list[int] = []

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        result = self.inner.send(to, body, status_callback)
        query = urllib.parse.urlsplit(status_callback or "").query
        message_id = int(urllib.parse.parse_qs(query)["m"][0])
        # Runs in a dispatcher pool thread: the request brings its own app context and session.
        self.codes.append(
            post_status(self.app, self.fake, message_id, result.provider_sid, "delivered")
        )
        return result

    def find_sent(self, *args, **kwargs):
        return self.inner.find_sent(*args, **kwargs)


def test_callback_that_overtakes_the_send_answer_is_not_undone(tw, make_client, fake_twilio):
    message_id = queue(client=make_client())
    wrapper = CallbackFirst(tw, fake_twilio, transport())
    tw.extensions["companion.transport"] = wrapper

    tick(T)

    row = reload(message_id)
    assert wrapper.codes == [204]
    assert row.status == Status.DELIVERED
    assert row.provider_sid == fake_twilio.messages[0]["sid"]
    assert row.sent_at == T
    assert row.claim_token is None


class AnsweredTooLate(CallbackFirst):
    """The provider takes the text and calls back, but its answer to us times out."""

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        super().send(to, body, status_callback)
        raise TransportError("Twilio did not answer in time", retryable=True, ambiguous=True)


def test_timeout_after_the_delivery_callback_is_not_retried(tw, make_client, fake_twilio):
    message_id = queue(client=make_client())
    wrapper = AnsweredTooLate(tw, fake_twilio, transport())
    tw.extensions["companion.transport"] = wrapper

    summary = tick(T)

    row = reload(message_id)
    assert wrapper.codes == [204]
    assert summary.dispatch.retried == 0
    assert row.status == Status.DELIVERED
    assert row.claim_token is None
    tick(T + timedelta(hours=1))
    assert reload(message_id).status == Status.DELIVERED
    assert len(fake_twilio.messages) == 1


def test_row_keeps_the_words_number_and_cost_of_the_text_that_went(tw, make_client, fake_twilio):
    """Body, number, language, encoding and segments are stored as of the send."""
    client = make_client(display_name="Lan", language="en")
    message_id = queue(client=client)
    client.language, client.phone = "vi", "+14155550123"  # changed after it was queued
    db.session.commit()

    tick(T)

    row = reload(message_id)
    [sent] = fake_twilio.messages
    assert (row.to_number, sent["to"]) == ("+14155550123", "+14155550123")
    assert row.body == sent["body"]
    assert row.locale == "vi"
    assert row.encoding == ("GSM-7" if row.body.isascii() else "UCS-2")
    assert row.segments == sent["num_segments"]  # the fake counts them on its own
    assert row.transport == "twilio"


def test_twilio_transport_gives_each_concurrent_send_its_own_answer(tw, fake_twilio):
    """One transport serves the dispatcher's whole pool, over kept-alive connections."""
    shared = transport()
    numbers = fictional_numbers(64)
    fake_twilio.latency = 0.002
    earlier = set(fake_twilio._connections)  # other tests' transports may still hold some

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: shared.send(n, f"for {n[-4:]}", None), numbers))

    sid_for = {m["to"]: m["sid"] for m in fake_twilio.messages}
    assert len(sid_for) == 64
    assert [r.provider_sid for r in results] == [sid_for[n] for n in numbers]
    # Connections went back to the pool instead of being closed after each text.
    assert 1 <= len(set(fake_twilio._connections) - earlier) <= 8


def test_twilio_transport_sends_what_the_stock_twilio_client_sends(tw, fake_twilio):
    """The transport writes its requests itself (for speed): Twilio must see the same fields."""
    stock = TwilioClient(
        DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, http_client=TwilioHttpClient(timeout=5),
        environment={},
    )
    stock.api.base_url = fake_twilio.base_url
    ours = transport().client
    fields = {
        "to": "+12135550142", "from_": OUR_NUMBER,
        "body": "¿Cómo estás? 100% & más + ñ; x=1 😀", "status_callback": f"{CALLBACK_BASE}?m=7",
        "media_url": ["https://example.test/a.png?x=1&y=2", "https://example.test/b.png"],
    }

    mine, theirs = ours.messages.create(**fields), stock.messages.create(**fields)

    first, second = fake_twilio.messages
    assert first["params"] == second["params"]
    assert first["params"]["MediaUrl"] == fields["media_url"]
    assert (mine.body, mine.status) == (theirs.body, theirs.status) == (fields["body"], "queued")
    since = datetime.now(UTC) - timedelta(minutes=5)
    listed = [[m.sid for m in c.messages.list(to="+12135550142", date_sent_after=since)]
              for c in (ours, stock)]
    assert listed[0] == listed[1] == [theirs.sid, mine.sid]


def test_twilio_transport_honours_proxy_settings(tw, make_client, fake_twilio, monkeypatch):
    """Proxy settings are read once when the transport is made, not on every request."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    message_id = queue(client=make_client())

    tick(T)

    row = reload(message_id)
    assert row.status == Status.PENDING
    assert "could not reach Twilio" in row.status_reason
    assert fake_twilio.attempts == 0

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    tw.extensions.pop("companion.transport")  # a worker restarted with the new environment
    tick(row.send_after)
    assert reload(message_id).status == Status.SENT
    assert len(fake_twilio.messages) == 1


# -- several dispatchers (PostgreSQL: FOR UPDATE SKIP LOCKED) --------------------

AREA_CODES = ("213", "310", "323", "415", "626", "818")


def fictional_numbers(count: int) -> list[str]:
    numbers = [f"+1{area}555{n:04d}" for area in AREA_CODES for n in range(100, 200)]
    assert count <= len(numbers)
    return numbers[:count]


def many_clients(provider_id: int, count: int) -> list[Client]:
    clients = [
        Client(
            display_name=f"C{i:03d}", phone=phone, language="en", risk_level=RiskLevel.II,
            provider_id=provider_id, consent=Consent.OPTED_IN, status=ClientStatus.ACTIVE,
            created_at=T, updated_at=T,
        )
        for i, phone in enumerate(fictional_numbers(count))
    ]
    db.session.add_all(clients)
    db.session.commit()
    return clients


def queue_many(kind: str, clients: list[Client], at: datetime, **state: object) -> list[int]:
    """One row per client in a single statement (``state`` sets columns, e.g. a crashed claim)."""
    rows = [
        {
            "direction": Direction.OUTBOUND, "kind": kind, "dedupe_key": f"{kind}:{c.id}",
            "params": {}, "send_after": at, "status": Status.PENDING, "attempts": 0,
            "uncertain": False, "num_media": 0, "client_id": c.id, "created_at": at,
            "updated_at": at, **state,
        }
        for c in clients
    ]
    db.session.execute(insert(Message), rows)
    db.session.commit()
    return list(db.session.scalars(select(Message.id).where(Message.kind == kind)))


def all_rows(ids: list[int]) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.id.in_(ids))))


def run_together(app: Flask, now: datetime, dispatchers: int = 2) -> list[BaseException]:
    settings = dispatch_settings()
    settings = type(settings)(**{**settings.__dict__, "batch_size": 20, "concurrency": 4})
    shared = transport()
    barrier = threading.Barrier(dispatchers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                with Dispatcher(db.session, shared, settings) as dispatcher:
                    dispatcher.run(now)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(dispatchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


# Only PostgreSQL lets several dispatchers share the outbox (SKIP LOCKED): these tests
# are generated for it alone, rather than generated for SQLite too and skipped there.
ON_POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.mark.postgres_only
@ON_POSTGRES_ONLY
def test_two_dispatchers_send_every_message_exactly_once(tw, provider, fake_twilio):
    assert db.engine.dialect.name == "postgresql"
    clients = many_clients(provider.id, 300)
    ids = queue_many("welcome", clients, T)
    fake_twilio.latency = 0.005

    assert run_together(tw, T) == []

    sent = fake_twilio.messages
    assert len(sent) == 300
    assert len({m["to"] for m in sent}) == 300
    assert len({m["body"] for m in sent}) == 300
    rows = all_rows(ids)
    assert len(rows) == 300
    assert {r.status for r in rows} == {Status.SENT}
    assert {r.provider_sid for r in rows} == {m["sid"] for m in sent}


@pytest.mark.postgres_only
@ON_POSTGRES_ONLY
def test_two_dispatchers_recovering_after_a_crash_send_each_message_once(
    tw, provider, fake_twilio
):
    """Both find the same crashed rows; a row one of them already re-sent stays sent."""
    clients = many_clients(provider.id, 60)
    ids = queue_many(
        "received", clients, LAST_WEEK, status=Status.SENDING, claim_token="deadbeef" * 4,
        claimed_at=LAST_WEEK, attempts=1, body=received_body(),
    )
    db.session.execute(
        update(Message).where(Message.id.in_(ids)).values(
            to_number=select(Client.phone).where(Client.id == Message.client_id).scalar_subquery()
        )
    )
    db.session.commit()
    fake_twilio.latency = 0.005

    assert run_together(tw, LAST_WEEK + timedelta(seconds=301)) == []

    sent = fake_twilio.messages
    assert sorted(m["to"] for m in sent) == sorted(c.phone for c in clients)
    rows = all_rows(ids)
    assert len(rows) == 60
    assert {r.status for r in rows} == {Status.SENT}
    assert {r.provider_sid for r in rows} == {m["sid"] for m in sent}
