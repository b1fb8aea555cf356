"""Shared fixtures.

Every test that touches the database runs twice: on SQLite and on PostgreSQL
(the server TEST_DATABASE_URL names; a fresh database is made for the
session and migrated with the real Alembic migrations). Without
TEST_DATABASE_URL the PostgreSQL half skips, unless REQUIRE_POSTGRES=1, when
it fails instead.
"""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hypothesis
import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from companion import create_app
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import Client, Role, StaffUser
from companion.runtime import close_fast_lane
from companion.settings import database_url as normalise_url

from factories import ClientFactory, StaffUserFactory
from fake_twilio import FakeTwilio
from helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    MONDAY_9AM,
    OUR_NUMBER,
    PG_URL,
    REQUIRE_BROWSER,
    REQUIRE_POSTGRES,
    Inbox,
    base_env,
    migrate_to,
    twilio_env,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_to(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo seeded at MONDAY_9AM (``seed-demo``), once a session:
    tests copy it (seeding takes seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(base_env(f"sqlite:///{path}"), clock=FrozenClock(MONDAY_9AM))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo", "--password", DEMO_PASSWORD])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
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
        close_fast_lane(ctx.app)  # its thread and pool end with the test
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


@pytest.fixture
def twilio_app(make_app: Callable[..., Flask], fake_twilio: FakeTwilio) -> Flask:
    """The app with the real twilio client talking to the local fake Twilio API."""
    return make_app(**twilio_env(fake_twilio))


# -- rows: thin wrappers over the factories in factories.py ----------------------------


@pytest.fixture
def staff(app: Flask) -> Callable[..., StaffUser]:
    """``staff("officer", phone=...)``: provider1@example.test, officer2@... in this test."""
    StaffUserFactory.reset_sequence(1)

    def make(role: str = "provider", **fields: object) -> StaffUser:
        return StaffUserFactory(role=Role(role), **fields)

    return make


@pytest.fixture
def provider(staff: Callable[..., StaffUser]) -> StaffUser:
    return staff("provider", name="Dana Provider", public_phone="+12135550100")


@pytest.fixture
def make_client(app: Flask, provider: StaffUser) -> Callable[..., Client]:
    """``make_client(language="es")``: Ana on +12135550120, 0121... for ``provider``."""
    ClientFactory.reset_sequence(120)

    def make(**fields: object) -> Client:
        fields.setdefault("provider_id", provider.id)
        return ClientFactory(**fields)

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
    """Mark every test that needs a database ``db`` (``make test-fast`` leaves them out), and
    its in-process SQLite run ``sqlite_half``: ``make test`` runs that half with the machine's
    clock moved 400 days ahead and the rest (PostgreSQL included) at today's date, so every
    database test meets two dates without the suite running twice."""
    for item in items:
        if "database_url" not in getattr(item, "fixturenames", ()):
            continue
        item.add_marker(pytest.mark.db)
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        # Subprocesses and browsers cannot share a moved clock: they stay at today's date.
        if on_sqlite and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.sqlite_half)


# -- the containment team's alerts: real SMTP, fake Twilio, simulated time ----------------

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
