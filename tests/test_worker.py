"""The worker, tick from the CLI, and /healthz."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from companion.clock import FrozenClock, StoredClock
from companion.extensions import db
from companion.messaging.outbox import enqueue
from companion.models import Message, Status, WorkerHeartbeat
from companion.worker import HEARTBEAT_NAME, run_once

from helpers import MONDAY_9AM, base_env

ROOT = Path(__file__).resolve().parents[1]


def test_tick_command_runs_one_pass_for_the_given_instant(app, make_client):
    client = make_client()
    enqueue(
        db.session,
        kind="welcome",
        dedupe_key="w",
        client_id=client.id,
        now=MONDAY_9AM,
        send_after=MONDAY_9AM + timedelta(hours=1),
    )
    db.session.commit()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["tick", "--at", "2026-11-23T09:30:00-08:00"])
    assert early.exit_code == 0, early.output
    assert early.output.startswith("tick 2026-11-23T17:30:00+00:00: ")
    assert "sent 0" in early.output
    late = runner.invoke(args=["tick", "--at", "2026-11-23T10:00:00-08:00"])
    assert "sent 1" in late.output
    again = runner.invoke(args=["tick", "--at", "2026-11-23T10:00:00-08:00"])
    assert "sent 0" in again.output


@pytest.mark.parametrize("bad", ["tomorrow", "2026-11-23T09:00:00"])
def test_tick_command_explains_a_bad_instant(app, bad):
    result = app.test_cli_runner().invoke(args=["tick", "--at", bad])
    assert result.exit_code != 0
    assert "ISO-8601" in result.output or "offset" in result.output


# seed-demo: tests/test_demo.py


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "New@Example.test",
            "--name",
            "N",
            "--role",
            "officer",
            "--phone",
            "(213) 555-0177",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        args=[
            "create-user",
            "--email",
            "new@example.test",
            "--name",
            "N",
            "--role",
            "officer",
            "--password",
            "long-enough-pw",
        ]
    )
    assert "already exists" in again.output


def test_run_once_writes_a_heartbeat_and_healthz_reports_it(app):
    web = app.test_client()
    assert web.get("/healthz").json["worker"] == "never seen"
    assert run_once(app) is not None
    beat = db.session.get(WorkerHeartbeat, HEARTBEAT_NAME)
    assert beat is not None
    body = web.get("/healthz").json
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "ok"


def test_healthz_flags_a_stale_worker(app):
    db.session.add(
        WorkerHeartbeat(
            name=HEARTBEAT_NAME, beat_at=datetime.now(UTC) - timedelta(hours=2), summary=""
        )
    )
    db.session.commit()
    assert app.test_client().get("/healthz").json["worker"] == "stale"


def test_healthz_is_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_database_down_during_a_tick_is_logged_and_the_worker_carries_on(make_app, caplog):
    app = make_app(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with caplog.at_level(logging.ERROR):
        assert run_once(app) is None  # no exception escapes
    assert "database unavailable" in caplog.text


@pytest.mark.slow
def test_worker_process_ticks_and_stops_cleanly_on_sigterm(database_url, tmp_path, make_client):
    client = make_client()
    enqueue(
        db.session,
        kind="welcome",
        dedupe_key="w1",
        client_id=client.id,
        now=MONDAY_9AM - timedelta(seconds=1),
    )
    # The worker process reads the stored development clock: Monday morning, as here.
    StoredClock(lambda: db.session).set(MONDAY_9AM)
    db.session.commit()
    env = {**os.environ, **base_env(database_url)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "companion", "worker", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        sent = None
        while time.monotonic() < deadline:
            db.session.expire_all()
            sent = db.session.scalars(db.select(Message).where(Message.dedupe_key == "w1")).one()
            if sent.status != Status.PENDING and db.session.get(WorkerHeartbeat, HEARTBEAT_NAME):
                break
            time.sleep(0.2)
        assert sent is not None and sent.status == Status.DELIVERED
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "worker: stopped" in output
    assert client.phone not in output  # no phone numbers in logs


def test_worker_catches_up_once_the_database_is_back(sqlite_template, tmp_path, caplog):
    """A database that vanishes mid-run: the pass fails and is logged, the next one sends."""
    import shutil

    from companion import create_app
    from companion.models import Client, Consent, RiskLevel, Role, StaffUser

    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    now = MONDAY_9AM
    app = create_app(base_env(f"sqlite:///{path}"), clock=FrozenClock(now))
    with app.app_context():
        provider = StaffUser(email="p@example.test", name="P", role=Role.PROVIDER, created_at=now)
        provider.set_password("long enough password")
        db.session.add(provider)
        db.session.flush()
        client = Client(
            display_name="Ana",
            phone="+12135550160",
            provider_id=provider.id,
            risk_level=RiskLevel.II,
            consent=Consent.OPTED_IN,
            created_at=now,
            updated_at=now,
        )
        db.session.add(client)
        db.session.flush()
        enqueue(
            db.session,
            kind="welcome",
            dedupe_key="w",
            client_id=client.id,
            now=now - timedelta(seconds=1),
        )
        db.session.commit()
        db.engine.dispose()

    hidden = tmp_path / "hidden.sqlite3"
    path.rename(hidden)  # "down": an empty file appears in its place, with no tables
    with caplog.at_level(logging.ERROR):
        assert run_once(app) is None
    assert "database unavailable" in caplog.text
    with app.app_context():
        db.engine.dispose()
    path.unlink()
    hidden.rename(path)  # back

    assert "sent 1" in run_once(app)
    with app.app_context():
        row = db.session.scalars(db.select(Message).where(Message.dedupe_key == "w")).one()
        assert row.status == Status.DELIVERED
        db.session.remove()
        db.engine.dispose()
