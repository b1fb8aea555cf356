"""Facts live in columns: an appointment's outcome, a client's pause, an escalation's delivery.

The services write them where the facts happen; the audit log still gets its
lines, but nothing reads it back as data. The migration that added the
columns filled them from the audit log and the escalation timelines: checked
here on a database built at the revision before, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from companion import create_app
from companion.care.ladder import Reason
from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    Client,
    ClientStatus,
    Escalation,
)
from companion.models.base import UTCDateTime
from companion.runtime import escalation_settings
from companion.services import appointment_outcomes, pauses
from companion.services.escalations import (
    EscalationSettings,
    nobody_told_since,
    open_escalation,
)
from companion.settings import database_url as normalise_url

from helpers import MONDAY_9AM, PG_URL, REQUIRE_POSTGRES, base_env

BEFORE = "b7d41c0e9a11"  # the revision before the facts moved into columns


def settings() -> EscalationSettings:
    return escalation_settings()


def audit_actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- the services write the facts --------------------------------------------------------------


def test_an_outcome_keeps_who_and_when_on_the_appointment(app, staff, make_client):
    pat, olu = staff("provider", name="Pat"), staff("officer", name="Olu")
    client = make_client()
    exam = Appointment(
        client_id=client.id,
        kind=AppointmentKind.POLYGRAPH,
        starts_at=MONDAY_9AM - timedelta(days=2),
        status=AppointmentStatus.SCHEDULED,
        location="",
        created_at=MONDAY_9AM - timedelta(days=9),
        updated_at=MONDAY_9AM - timedelta(days=9),
    )
    db.session.add(exam)
    db.session.commit()
    assert appointment_outcomes.recorded(db.session, [exam.id]) == {}
    assert not appointment_outcomes.missed_before(exam)

    first = MONDAY_9AM - timedelta(days=2, hours=-2)
    before = appointment_outcomes.record(db.session, exam, AppointmentStatus.MISSED, pat, first)
    db.session.commit()
    assert before == AppointmentStatus.SCHEDULED
    assert (exam.status, exam.outcome, exam.outcome_by_id, exam.outcome_at) == (
        AppointmentStatus.MISSED, AppointmentStatus.MISSED, pat.id, first)  # fmt: skip
    assert exam.first_missed_at == first and appointment_outcomes.missed_before(exam)

    # Kept after all, then missed again: who and when follow; "first missed" stays.
    later = first + timedelta(hours=3)
    appointment_outcomes.record(db.session, exam, AppointmentStatus.KEPT, olu, later)
    appointment_outcomes.record(db.session, exam, AppointmentStatus.MISSED, olu, later)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Appointment, exam.id)
    assert (row.outcome, row.outcome_by_id, row.outcome_at, row.first_missed_at) == (
        AppointmentStatus.MISSED, olu.id, later, first)  # fmt: skip
    [recorded] = appointment_outcomes.recorded(db.session, [exam.id]).values()
    assert (recorded.by.name, recorded.at) == ("Olu", later)
    # The audit log keeps every line.
    assert [e.details["outcome"] for e in audit_actions("appointment.outcome")] == [
        "missed", "kept", "missed"]  # fmt: skip


def test_a_pause_and_its_end_are_on_the_client(app, make_client):
    client = make_client()
    assert (client.paused_at, client.resumed_at) == (None, None)
    client.status, client.pause_reason = ClientStatus.PAUSED, "custody"
    client.paused_until = date(2026, 11, 30)
    pauses.paused(db.session, client, MONDAY_9AM)
    db.session.commit()
    assert (client.paused_at, client.resumed_at) == (MONDAY_9AM, None)

    ended = MONDAY_9AM + timedelta(days=7)
    pauses.resume(db.session, client, ended, settings())
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Client, client.id)
    assert (row.status, row.paused_at, row.resumed_at) == (ClientStatus.ACTIVE, None, ended)
    [resumed] = audit_actions("client.resumed")  # still logged
    assert resumed.subject_id == client.id


def test_an_escalation_says_who_was_told_and_how_often_nobody_could_be(app, staff, make_client):
    provider = staff("provider", name="Pat", phone="+12135550111")
    client = make_client(provider_id=provider.id, officer_id=None)
    opened = MONDAY_9AM - timedelta(days=2)
    # A missed appointment goes to the officer first (there is none), the provider too.
    escalation = open_escalation(
        db.session, client, Reason.MISSED_APPOINTMENT, opened, settings()
    )
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Escalation, escalation.id)
    gaps = [e for e in row.events if e.kind == "no_recipient"]
    assert gaps and row.nobody_told_count == len(gaps) and row.nobody_told_at == opened
    assert (row.told_ids, row.told_at) == ([provider.id], opened)
    assert nobody_told_since(db.session, opened - timedelta(days=30)) == len(gaps)
    assert nobody_told_since(db.session, opened + timedelta(seconds=1)) == 0

    # Someone told, nobody missing: the count stays at nothing.
    other = make_client(provider_id=provider.id, display_name="Bea")
    fine = open_escalation(db.session, other, Reason.MISSED_CHECKINS, MONDAY_9AM, settings())
    db.session.commit()
    assert (fine.told_ids, fine.told_at, fine.nobody_told_count, fine.nobody_told_at) == (
        [provider.id], MONDAY_9AM, 0, None)  # fmt: skip


# -- the migration fills them from the audit log ---------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, not migrated at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.sqlite3'}"
        return
    if not PG_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL half skipped")
    server = make_url(normalise_url(PG_URL, "."))
    name = f"companion_facts_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {type(exc).__name__}")
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _table(name: str, *columns: sa.ColumnClause) -> sa.TableClause:
    return sa.table(name, *columns)


STAFF = _table(
    "staff_users",
    sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("name", sa.String),
    sa.column("role", sa.String), sa.column("password_hash", sa.String),
    sa.column("timezone", sa.String), sa.column("is_active_account", sa.Boolean),
    sa.column("created_at", UTCDateTime()),
)  # fmt: skip
CLIENTS = _table(
    "clients",
    sa.column("id", sa.Integer), sa.column("display_name", sa.String),
    sa.column("phone", sa.String), sa.column("language", sa.String),
    sa.column("timezone", sa.String), sa.column("send_window_start", sa.Time),
    sa.column("send_window_end", sa.Time), sa.column("risk_level", sa.String),
    sa.column("provider_id", sa.Integer), sa.column("consent", sa.String),
    sa.column("status", sa.String), sa.column("pause_reason", sa.String),
    sa.column("paused_until", sa.Date), sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)  # fmt: skip
APPOINTMENTS = _table(
    "appointments",
    sa.column("id", sa.Integer), sa.column("client_id", sa.Integer),
    sa.column("kind", sa.String), sa.column("starts_at", UTCDateTime()),
    sa.column("location", sa.String), sa.column("status", sa.String),
    sa.column("revision", sa.Integer), sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)  # fmt: skip
ESCALATIONS = _table(
    "escalations",
    sa.column("id", sa.Integer), sa.column("client_id", sa.Integer),
    sa.column("reason", sa.String), sa.column("urgent", sa.Boolean),
    sa.column("rung", sa.String), sa.column("status", sa.String), sa.column("code", sa.String),
    sa.column("opened_at", UTCDateTime()), sa.column("details", sa.JSON),
    sa.column("note", sa.Text), sa.column("appointment_id", sa.Integer),
)  # fmt: skip
EVENTS = _table(
    "escalation_events",
    sa.column("escalation_id", sa.Integer), sa.column("at", UTCDateTime()),
    sa.column("kind", sa.String), sa.column("staff_user_id", sa.Integer),
    sa.column("channel", sa.String), sa.column("detail", sa.String),
)  # fmt: skip
AUDIT = _table(
    "audit_events",
    sa.column("at", UTCDateTime()), sa.column("actor_id", sa.Integer),
    sa.column("actor_kind", sa.String), sa.column("action", sa.String),
    sa.column("subject_type", sa.String), sa.column("subject_id", sa.Integer),
    sa.column("details", sa.JSON),
)  # fmt: skip


def _rows_before_the_facts(conn: sa.Connection) -> None:
    """What a database at the previous revision holds: facts only in audit rows and events."""
    t = MONDAY_9AM
    staff = {"password_hash": "x", "timezone": "America/Los_Angeles",
             "is_active_account": True, "created_at": t - timedelta(days=90)}  # fmt: skip
    conn.execute(STAFF.insert(), [
        {"id": 1, "email": "pat@example.test", "name": "Pat", "role": "provider", **staff},
        {"id": 2, "email": "olu@example.test", "name": "Olu", "role": "officer", **staff},
    ])  # fmt: skip
    client = {"language": "en", "timezone": "America/Los_Angeles",
              "send_window_start": time(8), "send_window_end": time(21), "risk_level": "II",
              "provider_id": 1, "consent": "opted_in", "created_at": t - timedelta(days=60),
              "updated_at": t - timedelta(days=1)}  # fmt: skip
    conn.execute(CLIENTS.insert(), [
        {"id": 1, "display_name": "Ana", "phone": "+12135550121", "status": "active", **client},
        {"id": 2, "display_name": "Bea", "phone": "+12135550122", "status": "paused",
         "pause_reason": "custody", "paused_until": date(2026, 12, 7), **client},
        {"id": 3, "display_name": "Cy", "phone": "+12135550123", "status": "active", **client},
    ])  # fmt: skip
    appointment = {"client_id": 1, "kind": "polygraph", "location": "", "revision": 1,
                   "created_at": t - timedelta(days=30),
                   "updated_at": t - timedelta(days=1)}  # fmt: skip
    conn.execute(APPOINTMENTS.insert(), [
        {"id": 1, "starts_at": t - timedelta(days=5), "status": "kept", **appointment},
        {"id": 2, "starts_at": t - timedelta(days=4), "status": "missed", **appointment},
        {"id": 3, "starts_at": t - timedelta(days=3), "status": "kept", **appointment},
        {"id": 4, "starts_at": t + timedelta(days=3), "status": "scheduled", **appointment},
    ])  # fmt: skip
    escalation = {"client_id": 1, "reason": "missed_checkins", "urgent": False,
                  "rung": "provider", "status": "open", "details": {}, "note": ""}  # fmt: skip
    conn.execute(ESCALATIONS.insert(), [
        {"id": 1, "code": "1111", "opened_at": t - timedelta(days=2), "appointment_id": 2,
         **escalation},
        {"id": 2, "code": "2222", "opened_at": t - timedelta(days=1), "appointment_id": None,
         **escalation},
        {"id": 3, "code": "3333", "opened_at": t, "appointment_id": None, **escalation},
    ])  # fmt: skip
    event = {"channel": None, "staff_user_id": None, "detail": ""}
    conn.execute(EVENTS.insert(), [
        {**event, "escalation_id": 1, "at": t - timedelta(days=2), "kind": "opened"},
        {**event, "escalation_id": 1, "at": t - timedelta(days=2), "kind": "told",
         "staff_user_id": 1, "channel": "sms"},
        {**event, "escalation_id": 1, "at": t - timedelta(days=2), "kind": "told",
         "staff_user_id": 1, "channel": "email"},
        {**event, "escalation_id": 1, "at": t - timedelta(days=1), "kind": "no_recipient",
         "detail": "no officer on file"},
        {**event, "escalation_id": 1, "at": t - timedelta(hours=20), "kind": "told",
         "staff_user_id": 2, "channel": "sms"},
        {**event, "escalation_id": 2, "at": t - timedelta(days=1), "kind": "no_recipient"},
        {**event, "escalation_id": 2, "at": t - timedelta(hours=23), "kind": "no_recipient"},
        {**event, "escalation_id": 3, "at": t, "kind": "opened"},
    ])  # fmt: skip
    audit = {"actor_kind": "staff"}
    conn.execute(AUDIT.insert(), [
        # Appointment 1: missed, then kept by Olu; appointment 2: missed by Pat.
        {**audit, "at": t - timedelta(days=5, hours=-2), "actor_id": 1,
         "action": "appointment.outcome", "subject_type": "Appointment", "subject_id": 1,
         "details": {"client_id": 1, "outcome": "missed", "before": "scheduled"}},
        {**audit, "at": t - timedelta(days=4), "actor_id": 2,
         "action": "appointment.outcome", "subject_type": "Appointment", "subject_id": 1,
         "details": {"client_id": 1, "outcome": "kept", "before": "missed"}},
        {**audit, "at": t - timedelta(days=4, hours=-3), "actor_id": 1,
         "action": "appointment.outcome", "subject_type": "Appointment", "subject_id": 2,
         "details": {"client_id": 1, "outcome": "missed", "before": "scheduled"}},
        # Ana was paused, resumed by her end date, paused again, ended early by Pat.
        {**audit, "at": t - timedelta(days=40), "actor_id": 1, "action": "client.updated",
         "subject_type": "Client", "subject_id": 1,
         "details": {"fields": ["status", "pause_reason", "paused_until"],
                     "pause": {"reason": "hospital", "until": "2026-10-20"}}},
        {**audit, "at": t - timedelta(days=35), "actor_id": None, "actor_kind": "system",
         "action": "client.resumed", "subject_type": "Client", "subject_id": 1,
         "details": {"by": "end date"}},
        {**audit, "at": t - timedelta(days=20), "actor_id": 1, "action": "client.updated",
         "subject_type": "Client", "subject_id": 1,
         "details": {"fields": ["status", "pause_reason", "paused_until"],
                     "pause": {"reason": "other", "until": "2026-11-30"}}},
        {**audit, "at": t - timedelta(days=3), "actor_id": 1, "action": "client.resumed",
         "subject_type": "Client", "subject_id": 1, "details": {"by": "staff"}},
        # Bea: created, then paused; a later edit of something else is not the pause.
        {**audit, "at": t - timedelta(days=60), "actor_id": 1, "action": "client.created",
         "subject_type": "Client", "subject_id": 2, "details": {"fields": ["status"]}},
        {**audit, "at": t - timedelta(days=6), "actor_id": 1, "action": "client.updated",
         "subject_type": "Client", "subject_id": 2,
         "details": {"fields": ["status", "pause_reason", "paused_until"],
                     "pause": {"reason": "custody", "until": "2026-12-07"}}},
        {**audit, "at": t - timedelta(days=2), "actor_id": 1, "action": "client.updated",
         "subject_type": "Client", "subject_id": 2,
         "details": {"fields": ["language"],
                     "pause": {"reason": "custody", "until": "2026-12-07"}}},
        # Noise: other actions and subjects are left alone.
        {**audit, "at": t, "actor_id": 1, "action": "client.viewed",
         "subject_type": "Client", "subject_id": 3, "details": {}},
        {**audit, "at": t, "actor_id": None, "actor_kind": "system",
         "action": "escalation.no_recipient", "subject_type": "Escalation", "subject_id": 2,
         "details": {"rung": "officer"}},
    ])  # fmt: skip


def test_the_migration_fills_the_columns_from_the_audit_log_and_timelines(blank_url):
    app = create_app(base_env(blank_url))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _rows_before_the_facts(conn)
            audit_rows = conn.scalar(select(sa.func.count()).select_from(AUDIT))
        upgrade()
        t = MONDAY_9AM
        try:
            get = db.session.get
            # Appointments: the latest recording; "first missed" from the first "missed".
            kept = get(Appointment, 1)
            assert (kept.outcome, kept.outcome_by_id, kept.outcome_at, kept.first_missed_at) == (
                AppointmentStatus.KEPT, 2, t - timedelta(days=4),
                t - timedelta(days=5, hours=-2))  # fmt: skip
            missed = get(Appointment, 2)
            assert (missed.outcome, missed.outcome_by_id, missed.outcome_at) == (
                AppointmentStatus.MISSED, 1, t - timedelta(days=4, hours=-3))  # fmt: skip
            assert missed.first_missed_at == missed.outcome_at
            # Kept with no audit row: the outcome is known, who and when are not.
            older = get(Appointment, 3)
            assert (older.outcome, older.outcome_by_id, older.outcome_at) == (
                AppointmentStatus.KEPT, None, None)  # fmt: skip
            assert older.first_missed_at is None
            upcoming = get(Appointment, 4)
            assert (upcoming.outcome, upcoming.outcome_at) == (None, None)
            recorded = appointment_outcomes.recorded(db.session, [1, 2, 3, 4])
            assert sorted(recorded) == [1, 2] and recorded[1].by.name == "Olu"

            # Clients: the last resume; the pause that holds now.
            ana, bea, cy = get(Client, 1), get(Client, 2), get(Client, 3)
            assert (ana.paused_at, ana.resumed_at) == (None, t - timedelta(days=3))
            assert (bea.paused_at, bea.resumed_at) == (t - timedelta(days=6), None)
            assert (cy.paused_at, cy.resumed_at) == (None, None)

            # Escalations: who was told (each once, in order), and the gaps.
            one, two, three = get(Escalation, 1), get(Escalation, 2), get(Escalation, 3)
            assert (one.told_ids, one.told_at) == ([1, 2], t - timedelta(hours=20))
            assert (one.nobody_told_count, one.nobody_told_at) == (1, t - timedelta(days=1))
            assert (two.told_ids, two.told_at) == ([], None)
            assert (two.nobody_told_count, two.nobody_told_at) == (2, t - timedelta(hours=23))
            assert (three.told_ids, three.told_at) == ([], None)
            assert (three.nobody_told_count, three.nobody_told_at) == (0, None)
            assert nobody_told_since(db.session, t - timedelta(days=30)) == 3
            assert one.appointment_id == 2  # rows pointing at rebuilt tables still do

            # The audit log was only read.
            assert db.session.scalar(select(sa.func.count()).select_from(AUDIT)) == audit_rows
        finally:
            db.session.remove()
            db.engine.dispose()
