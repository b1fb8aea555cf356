"""``seed-demo``: a dozen invented clients with weeks of history, the same every time.

The demo is seeded once a session (``conftest.demo_template``, at MONDAY_9AM); each test
copies the file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text

from companion import create_app
from companion.care.plan import reminder_lines
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    CheckIn,
    CheckInStatus,
    Client,
    ConsentEvent,
    ConsentKind,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    RiskLevel,
    Role,
    StaffUser,
    Status,
)
from companion.runtime import close_fast_lane
from companion.services import alerts, home, planning
from companion.services.caseload import caseload_query
from companion.services.clients import counted_check_ins

from helpers import DEMO_PASSWORD, MONDAY_9AM, base_env

# A seeded SQLite file, not the database fixture: marked by hand (``make test-fast`` skips it).
pytestmark = pytest.mark.db

LANGUAGES = {"en", "es", "vi", "zh_Hant", "ko", "tl", "hy", "fa", "ru", "ar"}
FICTIONAL = re.compile(r"^\+1\d{3}55501\d{2}$")


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app on a copy of the seeded demo, its clock where the demo was seeded."""
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    app = create_app(base_env(f"sqlite:///{path}"), clock=FrozenClock(MONDAY_9AM))
    ctx = app.app_context()
    ctx.push()
    yield app
    close_fast_lane(app)
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


def staff_member(role: Role) -> StaffUser:
    return db.session.scalars(
        select(StaffUser).where(StaffUser.role == role).order_by(StaffUser.id)
    ).first()


# -- the same demo every time --------------------------------------------------------------

# Columns that differ by design between two seedings: salted password hashes, the random
# short codes staff text back ("OK 4821"), and the dispatcher's claim tokens.
RANDOM = {("staff_users", "password_hash"), ("escalations", "code"), ("messages", "claim_token")}


CODE = re.compile(r"(?<=OK )\d{4}|(?<=\"code\": \")\d{4}")


def dump(path: Path) -> dict[str, list[tuple]]:
    engine = create_engine(f"sqlite:///{path}")
    tables = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            if table in ("alembic_version", "staff_sessions", "sign_in_failures"):
                continue
            columns = [
                c["name"]
                for c in inspect(engine).get_columns(table)
                if (table, c["name"]) not in RANDOM
            ]
            rows = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1"))
            # The alert texts carry the random code too.
            tables[table] = [tuple(CODE.sub("####", v) if isinstance(v, str) else v
                                   for v in row) for row in rows]  # fmt: skip
    engine.dispose()
    return tables


def test_two_seedings_give_the_same_demo(demo_template, sqlite_template, tmp_path):
    again = tmp_path / "again.sqlite3"
    shutil.copy(sqlite_template, again)
    app = create_app(base_env(f"sqlite:///{again}"), clock=FrozenClock(MONDAY_9AM))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "other-pass-1"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    first, second = dump(demo_template), dump(again)
    assert len(first["messages"]) > 1000
    for table in first:
        assert first[table] == second[table], table


def test_seeding_again_adds_nothing_and_sets_the_passwords(demo):
    before = db.session.scalar(select(db.func.count()).select_from(Message))
    result = demo.test_cli_runner().invoke(args=["seed-demo", "--password", "a-new-password"])
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output and "examiner@demo.invalid" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == before
    assert staff_member(Role.PROVIDER).check_password("a-new-password")


def test_seed_demo_is_refused_in_production(app):
    app.config["COMPANION_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(Client)) == 0


# -- every client has a life --------------------------------------------------------------


def test_a_dozen_clients_in_ten_languages_and_every_risk_level(demo):
    clients = db.session.scalars(select(Client)).all()
    assert 10 <= len(clients) <= 14
    assert {c.language for c in clients} == LANGUAGES
    assert {c.risk_level for c in clients} == set(RiskLevel)


def test_every_client_has_a_plan_topics_and_weeks_of_history(demo):
    for client in db.session.scalars(select(Client)):
        plan = planning.latest_plan(db.session, client.id)
        assert plan is not None and len(reminder_lines(plan.content)) >= 5, client.display_name
        for part in ("warning_signs", "high_risk_situations", "coping_strategies",
                     "support_contacts", "external_controls", "approach_goals"):  # fmt: skip
            assert plan.content[part], (client.display_name, part)
        assert client.checkin_topics
        answered = db.session.scalars(
            select(CheckIn).where(
                CheckIn.client_id == client.id, CheckIn.status == CheckInStatus.ANSWERED
            )
        ).all()
        assert len(answered) >= 3, client.display_name
        first = min(c.due_at for c in answered)
        assert (MONDAY_9AM - first).days >= 21, client.display_name  # weeks, not days
        inbound = db.session.scalar(
            select(db.func.count()).where(
                Message.client_id == client.id, Message.direction == Direction.INBOUND
            )
        )
        assert inbound >= len(answered)
        # The client page's adherence figure counts what was asked, weeks of it.
        assert len(counted_check_ins(db.session, client.id, first, MONDAY_9AM)) >= len(answered)


def test_the_weeks_hold_good_and_bad_days_and_each_story(demo):
    ratings = db.session.scalars(
        select(CheckIn.answer_value).where(
            CheckIn.topic == "stress", CheckIn.answer_value.is_not(None)
        )
    ).all()
    assert min(int(v) for v in ratings) <= 2 and max(int(v) for v in ratings) >= 6
    assert db.session.scalar(select(db.func.count()).where(CheckIn.status == CheckInStatus.MISSED))
    late = db.session.scalars(select(Message).where(Message.binding == "late")).all()
    assert len(late) == 1
    kinds = [e.kind for e in db.session.scalars(select(ConsentEvent).order_by(ConsentEvent.at))]
    assert kinds.count(ConsentKind.OPT_OUT) == 1 and kinds.count(ConsentKind.OPT_IN) == 1
    undelivered = db.session.scalars(
        select(Message).where(Message.status == Status.UNDELIVERED)
    ).all()
    assert {m.client_id for m in undelivered} and len({m.client_id for m in undelivered}) == 1
    # Every client's texts came back in their own language (rendered as the dispatcher does).
    minh = db.session.scalars(select(Client).where(Client.language == "vi")).one()
    welcome = db.session.scalars(
        select(Message).where(Message.client_id == minh.id, Message.kind == "welcome")
    ).one()
    assert welcome.locale == "vi" and welcome.body and "Minh" in welcome.body


def test_every_phone_number_is_fictional(demo):
    phones = [c.phone for c in db.session.scalars(select(Client))]
    phones += [s.phone for s in db.session.scalars(select(StaffUser)) if s.phone]
    for plan in db.session.scalars(select(planning.PlanVersion)):
        phones += [s["phone"] for s in plan.content["support_contacts"]]
    phones += [
        n
        for row in db.session.execute(select(Message.to_number, Message.from_number))
        for n in row
        if n
    ]
    assert phones and all(FICTIONAL.match(p) for p in phones), phones


def test_appointments_of_every_kind_are_coming(demo):
    coming = db.session.scalars(select(Appointment).where(Appointment.starts_at > MONDAY_9AM)).all()
    assert {a.kind for a in coming} == set(AppointmentKind)
    # Their notices are planned by the real planner.
    assert db.session.scalar(
        select(db.func.count()).where(
            Message.kind == "appt_day_before", Message.status == Status.PENDING
        )
    )


# -- every role has something to see ------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.OFFICER, Role.EXAMINER])
def test_every_role_has_open_and_acknowledged_alerts(demo, role):
    queue = alerts.queue(db.session, caseload_query(staff_member(role)))
    statuses = {e.status for e in queue}
    assert statuses == {EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED}, role
    assert home.open_alerts(db.session, caseload_query(staff_member(role))).rows


def test_the_ladders_timeline_runs_up_to_now(demo):
    for escalation in db.session.scalars(select(Escalation)):
        assert escalation.events and escalation.events[0].kind == "opened"
        assert all(e.at <= MONDAY_9AM for e in escalation.events)
        if escalation.status == EscalationStatus.OPEN and escalation.climbs_at:
            assert escalation.climbs_at > MONDAY_9AM  # climbed already where it was due


def test_the_admin_sees_the_whole_team(demo):
    counts = home.staff_counts(db.session)
    assert all(counts.get(role) for role in Role)
    assert home.alert_counts(db.session)[0] >= 3


def test_the_pages_show_the_demo(demo):
    web = demo.test_client()
    login = web.post("/login", data={"email": "provider@demo.invalid", "password": DEMO_PASSWORD})
    assert login.status_code == 302
    marcus = db.session.scalars(select(Client).where(Client.display_name == "Marcus")).one()
    assert web.get("/today").status_code == 200
    page = web.get(f"/clients/{marcus.id}")
    assert page.status_code == 200
    plan = web.get(f"/clients/{marcus.id}/plan/edit").get_data(as_text=True)
    assert "Walk around the block" in plan  # his plan
    phone = web.get(f"/simulator/{marcus.id}").get_data(as_text=True)
    assert "Marcus, quick check-in" in phone and "Jump to the next planned text" in phone
    examiner = demo.test_client()
    examiner.post("/login", data={"email": "examiner@demo.invalid", "password": DEMO_PASSWORD})
    queue = examiner.get("/escalations").get_data(as_text=True)
    assert "Marcus" in queue and "Tyler" not in queue  # only their examinees


def test_the_phone_simulator_walks_the_demo_forward_text_by_text(demo):
    web = demo.test_client()
    web.post("/login", data={"email": "provider@demo.invalid", "password": DEMO_PASSWORD})
    tyler = db.session.scalars(select(Client).where(Client.display_name == "Tyler")).one()
    phone = web.get(f"/simulator/{tyler.id}").get_data(as_text=True)
    # The client's local time and the development clock, both named.
    assert "Mon 23 Nov 2026, 09:00 PST" in phone
    assert "Development clock" in phone
    clock = demo.extensions["companion.clock"]
    seen = []
    for _ in range(4):
        before = db.session.scalar(
            select(db.func.count()).where(
                Message.client_id == tyler.id, Message.status.in_([Status.SENT, Status.DELIVERED])
            )
        )
        was = clock.now()
        jumped = web.post(f"/simulator/{tyler.id}/next", data={})
        assert jumped.status_code == 302
        db.session.expire_all()
        after = db.session.scalar(
            select(db.func.count()).where(
                Message.client_id == tyler.id, Message.status.in_([Status.SENT, Status.DELIVERED])
            )
        )
        assert clock.now() > was, "the jump did not move the clock"
        assert after > before, f"nothing reached the phone at {clock.now()}"
        seen.append(clock.now())
    assert seen == sorted(seen)
