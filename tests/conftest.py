"""Shared fixtures.

Every test that touches the database runs twice: on SQLite and on PostgreSQL
(the server TEST_DATABASE_URL names; a fresh database is made for the
session and migrated with the real Alembic migrations). Without
TEST_DATABASE_URL the PostgreSQL half skips, unless REQUIRE_POSTGRES=1, when
it fails instead.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import hypothesis
import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from companion import create_app
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import Client, ClientStatus, Consent, RiskLevel, Role, StaffUser
from companion.runtime import HOOKS, send_now
from companion.services.escalations import queued_alerts
from companion.services.inbound import receive
from companion.settings import database_url as normalise_url

from fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
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
):
    """Text ``body`` from ``from_`` to our number: a signed webhook, as Twilio sends it."""
    params, signature = fake.inbound_request(
        SMS_URL, from_, OUR_NUMBER, body, message_sid=sid, extra=extra
    )
    return app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )


def sent_bodies(fake: FakeTwilio, to: str) -> list[str]:
    """What the fake Twilio API was asked to send to ``to``, oldest first."""
    return [m["body"] for m in fake.messages if m["to"] == to]


PASSWORD = "correct horse battery"  # every test staff member's


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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_to(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A new, migrated PostgreSQL database for this test session."""
    if not PG_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL half skipped")
    server = make_url(normalise_url(PG_URL, "."))
    name = f"companion_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {type(exc).__name__}")
    url = server.set(database=name).render_as_string(hide_password=False)
    migrate_to(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "companion.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _truncate_all(url)
    return url


@pytest.fixture
def clock() -> FrozenClock:
    """The one clock of this test's apps: every request, webhook and tick reads it.

    It stands at MONDAY_9AM until the test moves it (``clock.set``, ``clock.advance``):
    no test depends on the day it runs.
    """
    return FrozenClock(MONDAY_9AM)


@pytest.fixture
def make_app(database_url: str, clock: FrozenClock) -> Iterator[Callable[..., Flask]]:
    """Build an app on this test's database; the last one built is the active context."""
    contexts = []

    def build(**env: str) -> Flask:
        app = create_app(base_env(database_url, **env), clock=clock)

        # Requests made while the test holds an app context share its ``g``;
        # production gets a fresh one per request. Forget the signed-in user
        # between requests so each test client is its own person.
        @app.before_request
        def _fresh_user() -> None:
            g.pop("_login_user", None)

        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return app

    yield build
    for ctx in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        ctx.pop()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app with the console transport (nothing leaves the machine)."""
    return make_app()


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[FakeTwilio]:
    with FakeTwilio(service_sender=OUR_NUMBER) as fake:
        yield fake


@pytest.fixture
def fake_twilio(fake_twilio_server: FakeTwilio) -> FakeTwilio:
    fake_twilio_server.reset()
    fake_twilio_server.latency = 0
    return fake_twilio_server


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


@pytest.fixture
def twilio_app(make_app: Callable[..., Flask], fake_twilio: FakeTwilio) -> Flask:
    """The app with the real twilio client talking to the local fake Twilio API."""
    return make_app(**twilio_env(fake_twilio))


# -- small factories ----------------------------------------------------------


@pytest.fixture
def staff(app: Flask) -> Callable[..., StaffUser]:
    counter = iter(range(1, 1000))

    def make(role: str = "provider", **fields: object) -> StaffUser:
        n = next(counter)
        user = StaffUser(
            email=fields.pop("email", f"{role}{n}@example.test"),
            name=fields.pop("name", f"{role.capitalize()} {n}"),
            role=Role(role),
            created_at=MONDAY_9AM,
            **fields,
        )
        user.set_password(fields.pop("password", PASSWORD))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def provider(staff: Callable[..., StaffUser]) -> StaffUser:
    return staff("provider", name="Dana Provider", public_phone="+12135550100")


@pytest.fixture
def make_client(app: Flask, provider: StaffUser) -> Callable[..., Client]:
    numbers = iter(range(120, 200))

    def make(**fields: object) -> Client:
        values: dict[str, object] = {
            "display_name": "Ana",
            "phone": f"+1213555{next(numbers):04d}",
            "language": "en",
            "timezone": "America/Los_Angeles",
            "send_window_start": time(8, 0),
            "send_window_end": time(21, 0),
            "risk_level": RiskLevel.III,
            "provider_id": provider.id,
            "consent": Consent.OPTED_IN,
            "status": ClientStatus.ACTIVE,
            "created_at": MONDAY_9AM,
            "updated_at": MONDAY_9AM,
        }
        values.update(fields)
        client = Client(**values)
        db.session.add(client)
        db.session.commit()
        return client

    return make


# Speed is measured in bench/ (as ratios), not by Hypothesis' per-example deadline: a busy
# machine must not fail a property.
hypothesis.settings.register_profile("companion", deadline=None)
hypothesis.settings.load_profile("companion")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shift-days",
        type=int,
        default=0,
        help="Run with the machine's clock moved this many days ahead (time-machine): "
        "a test that depends on the day it runs fails.",
    )


def pytest_configure(config: pytest.Config) -> None:
    days = config.getoption("--shift-days")
    if days:
        import time_machine

        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption("--shift-days")
    return f"wall clock moved {days} days ahead: {datetime.now(UTC):%Y-%m-%d}" if days else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a database ``db``: ``make test-fast`` leaves them out."""
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


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


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def team_app(make_app, fake_twilio, inbox, staff):
    _, port = inbox
    return make_app(
        **twilio_env(fake_twilio),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(port),
        BUSINESS_TIMEZONE="America/Los_Angeles",
        HOLIDAYS="2026-11-26",
    )


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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless chromium; a missing one skips, saying why, or fails when REQUIRE_BROWSER=1."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
