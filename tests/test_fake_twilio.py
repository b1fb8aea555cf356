"""Tests for tests/fake_twilio.py, driven through the real ``twilio`` client."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, request
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

try:  # rootdir-relative import when tests/ is a plain directory (pytest "prepend" mode)
    from fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio
except ImportError:  # tests/ turned into a package
    from tests.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

SID, TOKEN = DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
SENDER = "+12135550100"
PATIENT = "+12135550101"
OTHER = "+12135550102"
SERVICE = "MG" + "ab" * 16


def make_client(fake: FakeTwilio, timeout: float = 5.0, token: str = TOKEN) -> Client:
    """A real twilio Client aimed at the fake; environment={} ignores TWILIO_EDGE/REGION."""
    client = Client(SID, token, http_client=TwilioHttpClient(timeout=timeout), environment={})
    client.api.base_url = fake.base_url
    return client


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeTwilio) -> FakeTwilio:
    server.reset()
    server.latency = 0.0
    return server


@pytest.fixture
def client(fake: FakeTwilio) -> Client:
    return make_client(fake)


class _Receiver(BaseHTTPRequestHandler):
    """Stands in for the app's status-callback endpoint."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    httpd.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd.received  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_create_is_recorded_and_returns_sid(fake: FakeTwilio, client: Client) -> None:
    msg = client.messages.create(
        to=PATIENT, from_=SENDER, body="Reminder: session at 10", status_callback="http://x/cb"
    )
    assert msg.sid.startswith("SM") and len(msg.sid) == 34
    assert (msg.status, msg.from_, msg.to, msg.num_segments) == ("queued", SENDER, PATIENT, "1")
    assert msg.direction == "outbound-api" and msg.error_code is None
    assert isinstance(msg.date_sent, datetime) and msg.date_sent.tzinfo is UTC
    [rec] = fake.messages
    assert (rec["sid"], rec["to"], rec["body"]) == (msg.sid, PATIENT, "Reminder: session at 10")
    assert rec["status_callback"] == "http://x/cb" and rec["time"] <= time.time()
    assert client.messages(msg.sid).fetch().body == "Reminder: session at 10"
    assert fake.attempts == 1


def test_messaging_service_create(fake: FakeTwilio, client: Client) -> None:
    msg = client.messages.create(to=PATIENT, messaging_service_sid=SERVICE, body="hi")
    assert (msg.status, msg.from_, msg.messaging_service_sid) == ("accepted", None, SERVICE)
    assert fake.messages[0]["messaging_service_sid"] == SERVICE


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": "", "from_": SENDER, "body": "x"}, 21604),
        ({"to": PATIENT, "from_": SENDER}, 21602),
        ({"to": PATIENT, "body": "x"}, 21603),
    ],
)
def test_validation_errors(fake: FakeTwilio, client: Client, kwargs: Any, code: int) -> None:
    with pytest.raises(TwilioRestException) as exc:
        client.messages.create(**kwargs)
    assert (exc.value.status, exc.value.code) == (400, code)
    assert fake.messages == []


def test_reject_number_is_permanent(fake: FakeTwilio, client: Client) -> None:
    fake.reject_number(PATIENT, code=21610)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as exc:
            client.messages.create(to=PATIENT, from_=SENDER, body="x")
        assert (exc.value.code, exc.value.status) == (21610, 400)
        assert "unsubscribed" in exc.value.msg
    client.messages.create(to=OTHER, from_=SENDER, body="x")
    assert [m["to"] for m in fake.messages] == [OTHER]
    assert fake.attempts == 3


def test_fail_next_500_then_success(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(1, status=500)
    with pytest.raises(TwilioRestException) as exc:
        client.messages.create(to=PATIENT, from_=SENDER, body="x")
    assert (exc.value.status, exc.value.code) == (500, 20500)
    client.messages.create(to=PATIENT, from_=SENDER, body="x")
    assert fake.attempts == 2 and len(fake.messages) == 1


def test_429(fake: FakeTwilio, client: Client) -> None:
    fake.fail_next(1, status=429)
    with pytest.raises(TwilioRestException) as exc:
        client.messages.create(to=PATIENT, from_=SENDER, body="x")
    assert (exc.value.status, exc.value.code) == (429, 20429)


def test_hang_times_out_without_recording(fake: FakeTwilio) -> None:
    impatient = make_client(fake, timeout=0.2)
    fake.hang_next(1, seconds=1.0)
    started = time.perf_counter()
    # twilio does not wrap transport errors: requests' ReadTimeout gets through.
    with pytest.raises(requests.exceptions.ReadTimeout):
        impatient.messages.create(to=PATIENT, from_=SENDER, body="x")
    assert time.perf_counter() - started < 0.9
    assert fake.attempts == 1 and fake.messages == []
    impatient.messages.create(to=PATIENT, from_=SENDER, body="x")
    assert fake.attempts == 2 and len(fake.messages) == 1


def test_connection_refused_is_requests_connection_error() -> None:
    with FakeTwilio() as gone:
        dead = make_client(gone, timeout=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        dead.messages.create(to=PATIENT, from_=SENDER, body="x")


def test_list_filters(fake: FakeTwilio, client: Client) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    sent = client.messages.create(to=PATIENT, from_=SENDER, body="one")
    client.messages.create(to=OTHER, from_=SENDER, body="two")
    found = client.messages.list(to=PATIENT, date_sent_after=before)
    # The library sends "DateSent>" as "YYYY-MM-DDTHH:MM:SSZ" in the query string.
    params = client.http_client._test_only_last_request.params
    assert params["To"] == PATIENT
    assert params["DateSent>"] == before.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [m.sid for m in found] == [sent.sid]
    assert client.messages.list(to=PATIENT, date_sent_after=before + timedelta(days=1)) == []
    assert len(client.messages.list(date_sent=datetime.now(UTC).date())) == 2


def test_list_paginates_newest_first(fake: FakeTwilio, client: Client) -> None:
    sids = [client.messages.create(to=PATIENT, from_=SENDER, body=str(i)).sid for i in range(5)]
    assert [m.sid for m in client.messages.list(page_size=2)] == sids[::-1]
    assert len(client.messages.list(limit=3)) == 3


def test_status_callback_is_signed(fake: FakeTwilio, client: Client, receiver: Any) -> None:
    base, received = receiver
    url = f"{base}/twilio/status?x=1"
    msg = client.messages.create(to=PATIENT, from_=SENDER, body="x", status_callback=url)

    assert fake.send_status_callback(msg.sid, "undelivered", error_code=30003) == 204
    [(path, headers, body)] = received
    assert path == "/twilio/status?x=1"
    form = dict(urllib.parse.parse_qsl(body.decode()))
    assert form["MessageStatus"] == form["SmsStatus"] == "undelivered"
    assert (form["MessageSid"], form["ErrorCode"], form["AccountSid"]) == (msg.sid, "30003", SID)
    assert RequestValidator(TOKEN).validate(url, form, headers["X-Twilio-Signature"])
    assert not RequestValidator("other").validate(url, form, headers["X-Twilio-Signature"])
    fetched = client.messages(msg.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_inbound_request_signature_in_flask() -> None:
    app = Flask(__name__)

    @app.post("/sms")
    def sms() -> tuple[str, int]:
        ok = RequestValidator(TOKEN).validate(
            request.url, request.form, request.headers.get("X-Twilio-Signature", "")
        )
        return request.form["Body"], 200 if ok else 403

    fake = FakeTwilio()  # no server needed
    params, sig = fake.inbound_request("http://localhost/sms", PATIENT, SENDER, "STOP")
    assert params["NumMedia"] == "0" and params["MessageSid"].startswith("SM")
    web = app.test_client()
    assert web.post("/sms", data=params, headers={"X-Twilio-Signature": sig}).status_code == 200
    assert web.post("/sms", data=params, headers={"X-Twilio-Signature": "bad"}).status_code == 403


def test_wrong_auth(fake: FakeTwilio) -> None:
    with pytest.raises(TwilioRestException) as exc:
        make_client(fake, token="wrong").messages.create(to=PATIENT, from_=SENDER, body="x")
    assert (exc.value.status, exc.value.code) == (401, 20003)
    assert fake.messages == []


def test_unknown_sid_is_404(fake: FakeTwilio, client: Client) -> None:
    with pytest.raises(TwilioRestException) as exc:
        client.messages("SM" + "0" * 32).fetch()
    assert (exc.value.status, exc.value.code) == (404, 20404)


def test_latency_and_keepalive_concurrency(fake: FakeTwilio, client: Client) -> None:
    fake.latency = 0.5  # one after another, eight would take at least 4 s
    threads = [
        threading.Thread(
            target=client.messages.create, kwargs={"to": PATIENT, "body": "x", "from_": SENDER}
        )
        for _ in range(8)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Concurrent requests overlap instead of queueing behind each other: well under the
    # serial 4 s even on a busy machine.
    assert time.perf_counter() - started < 2.0
    assert len(fake.wait_for_messages(8, timeout=10)) == 8


def test_runs_as_process() -> None:
    script = Path(__file__).with_name("fake_twilio.py")
    with subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--auth-token", "tok2"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    ) as proc:
        try:
            line = proc.stdout.readline().strip()  # type: ignore[union-attr]
            assert line.startswith("READY http://127.0.0.1:")
            client = Client(SID, "tok2", environment={})
            client.api.base_url = line.split()[1]
            assert client.messages.create(to=PATIENT, from_=SENDER, body="x").status == "queued"
        finally:
            proc.terminate()
        # SIGTERM is handled: clean shutdown, exit status 0.
        assert proc.wait(timeout=5) == 0
