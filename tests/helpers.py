"""Plain helpers and constants the tests share (the fixtures are in conftest.py).

``from helpers import MONDAY_9AM, post_sms, sign_in``: signed webhooks
(``post_sms``), a signed-in test client (``sign_in``), the settings an app is
built with (``base_env``, ``twilio_env``), simulated time (``run_ticks``),
texts back from a client (``text_back``) and what the fake Twilio API was
asked to send (``sent_bodies``, ``texts_to``). Rows are built with the
factories in factories.py.
"""

from __future__ import annotations

import email
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from companion import create_app
from companion.extensions import db
from companion.models import StaffUser
from companion.runtime import HOOKS, fast_lane, send_now
from companion.services.escalations import queued_alerts
from companion.services.inbound import receive

from fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Redis for the shared sign-in rate limit (tests/security/test_sign_in.py): those tests skip
# when it is unreachable, unless REQUIRE_REDIS=1 (CI), when they fail instead.
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
OUR_NUMBER = "+12135550199"

# Fixed instant for tests that do not care about the wall clock: Monday 09:00 in Los Angeles.
MONDAY_9AM = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


SMS_URL = "http://localhost/twilio/sms"


def post_sms(
    app: Flask,
    fake: FakeTwilio,
    from_: str,
    body: str,
    *,
    sid: str | None = None,
    extra: dict[str, str] | None = None,
    wait: bool = True,
):
    """Text ``body`` from ``from_`` to our number: a signed webhook, as Twilio sends it.

    The webhook answers before its replies leave (they go through the app's fast lane);
    with ``wait`` (the default) this returns once the lane has sent and recorded them.
    """
    params, signature = fake.inbound_request(
        SMS_URL, from_, OUR_NUMBER, body, message_sid=sid, extra=extra
    )
    response = app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    if wait:
        assert fast_lane(app).wait_idle(timeout=30), "the fast lane did not send in time"
    return response


def sent_bodies(fake: FakeTwilio, to: str) -> list[str]:
    """What the fake Twilio API was asked to send to ``to``, oldest first."""
    return [m["body"] for m in fake.messages if m["to"] == to]


PASSWORD = "correct horse battery"  # every test staff member's
DEMO_PASSWORD = "companion-demo"  # the seeded demo's logins (conftest.demo_template)


def sign_in(app: Flask, user: StaffUser, password: str = PASSWORD):
    """A browser-like test client signed in as ``user``."""
    web = app.test_client()
    response = web.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.data
    return web


def base_env(url: str, **extra: str) -> dict[str, str]:
    env = {
        "COMPANION_ENV": "testing",
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "SMS_TRANSPORT": "console",
        "WTF_CSRF_ENABLED": "0",
        "PUBLIC_BASE_URL": "",
        "CARE_TEAM_PHONE": "+12135550100",
        "SEND_RETRY_BASE_SECONDS": "30",
    }
    env.update(extra)
    return env


def migrate_to(url: str) -> None:
    app = create_app(base_env(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def twilio_env(fake: FakeTwilio, **extra: str) -> dict[str, str]:
    """Settings for the real twilio client talking to the local fake Twilio API.

    The timeout is generous: a busy machine must not turn a slow answer into a
    failure. Tests of timeouts make the fake hang and ask for a short one.
    """
    return {
        "SMS_TRANSPORT": "twilio",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "TWILIO_API_BASE_URL": fake.base_url,
        "TWILIO_TIMEOUT_SECONDS": "10",
        "PUBLIC_BASE_URL": "http://localhost",
        **extra,
    }


# -- the containment team's alerts: real SMTP, fake Twilio, simulated time ----------------

PROVIDER_PHONE = "+12135550181"
OFFICER_PHONE = "+12135550182"
BACKUP_PHONE = "+12135550183"


class Inbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[email.message.Message]:
        return [m for m in self.messages if m["To"] == address]


def run_ticks(app, start: datetime, end: datetime, step=timedelta(minutes=30)):
    """``flask tick --at`` for every ``step`` from ``start`` until ``end``."""
    runner = app.test_cli_runner()
    now = start
    while now < end:
        result = runner.invoke(args=["tick", "--at", now.isoformat()])
        assert result.exit_code == 0, result.output
        now += step


def texts_to(fake, number):
    return [m for m in fake.messages if m["to"] == number]


def text_back(client, body, at):
    """A text from ``client`` (or a bare phone number) at ``at``: the webhook's own path."""
    phone = getattr(client, "phone", client)
    result = receive(
        db.session, from_number=phone, to_number=OUR_NUMBER, body=body, now=at, **HOOKS
    )
    db.session.commit()
    send_now(result.reply_ids + queued_alerts(db.session), at)
    return result


# -- Debian's chromium for the browser tests (test_browser, test_accessibility, charts) --------

REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
