"""Planning benchmark: what one tick costs for 100,000 clients, and what the next one costs.

In one run, on a fresh database (SQLite file or a new PostgreSQL database):

* **floor**: a bare ``INSERT INTO messages ... SELECT`` of as many outbox rows
  as the first tick creates: the least any planner could spend writing them;
* **first tick**: ``tick(now)`` at 02:00 in Los Angeles (quiet hours in every
  US zone, so nothing is sent): every client is planned up to the local
  midnight after the next 24 hours: check-ins, their prompts and reminders,
  plan reminders;
* **second tick**: ``tick(now + 1 minute)``: nothing new to plan, so its cost
  should follow what is due, not how many clients exist.

Goals (docs/performance.md): first tick <= 10 x the floor; second tick <= 2 %
of the first.

    python bench/plan.py                       # SQLite, 100,000 clients
    python bench/plan.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/plan.py --clients 10000 --strict   # exit 1 when a goal is missed
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dispatch import make_database  # noqa: E402 - the same scratch database as there
from sqlalchemy import func, insert, select, text  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday 02:00 in Los Angeles
ZONES = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Anchorage",
    "Pacific/Honolulu",
)
LEVELS = ("I", "II", "III", "IVa", "IVb")
LANGUAGES = ("en", "en", "es", "vi")
TOPIC_SETS = (["stress", "connected"], ["urges", "people", "coping"], ["substances", "supports"])
BATCH = 5000
FIRST_TICK_GOAL = 10.0  # x the floor
SECOND_TICK_GOAL = 0.02  # x the first tick


def fictional_phone(n: int) -> str:
    """The n-th of 100,000 numbers no one can own.

    555-0100..0199 is reserved for fiction in every NANP area code; area codes
    starting with 0 or 1 do not exist at all.
    """
    area, line = divmod(n, 100)
    return f"+1{area:03d}555{100 + line:04d}"


def plan_content(i: int) -> dict:
    """A small plan with three lines marked OK to text (ids stable per client)."""
    return {
        "warning_signs": [
            {"id": f"w{i}", "ok_to_text": True, "sign": "staying in bed",
             "response": "call my brother", "need": ""},
        ],
        "thinking_errors": [
            {"id": f"t{i}", "ok_to_text": True, "error": "nobody cares",
             "replacement": "people do show up for me"},
        ],
        "coping_strategies": [
            {"id": f"c{i}", "ok_to_text": True, "trigger": "a long evening",
             "steps": "walk to the library"},
        ],
        "high_risk_situations": [], "support_contacts": [], "external_controls": [],
        "approach_goals": [], "offense_chain_note": "",
    }  # fmt: skip


def populate(count: int) -> None:
    """``count`` active, opted-in clients with plans; a third with an appointment and notices."""
    from companion.care import planner
    from companion.extensions import db
    from companion.models import Appointment, Client, Message, PlanVersion, Role, StaffUser
    from companion.services.planning import _queued, overrides_for, schedule_for

    rng = random.Random(7)
    provider = StaffUser(
        email="bench@example.test", name="Bench", role=Role.PROVIDER, password_hash="-",
        created_at=NOW,
    )  # fmt: skip
    db.session.add(provider)
    db.session.commit()
    for start in range(0, count, BATCH):
        ids = range(start, min(start + BATCH, count))
        db.session.execute(
            insert(Client),
            [
                {
                    "display_name": f"Client {i}", "phone": fictional_phone(i),
                    "language": rng.choice(LANGUAGES), "timezone": rng.choice(ZONES),
                    "send_window_start": clock(8), "send_window_end": clock(21),
                    "risk_level": rng.choice(LEVELS), "provider_id": provider.id,
                    "consent": "opted_in", "status": "active",
                    "checkin_topics": rng.choice(TOPIC_SETS), "checkin_times": ["10:00"],
                    "created_at": NOW, "updated_at": NOW,
                }
                for i in ids
            ],
        )  # fmt: skip
        db.session.commit()
    client_ids = db.session.scalars(select(Client.id).order_by(Client.id)).all()
    for start in range(0, len(client_ids), BATCH):
        chunk = client_ids[start : start + BATCH]
        db.session.execute(
            insert(PlanVersion),
            [
                {"client_id": cid, "version": 1, "content": plan_content(cid), "created_at": NOW}
                for cid in chunk
            ],
        )
        appointments = [
            {
                "client_id": cid, "kind": "individual_session", "location": "Suite 210",
                "starts_at": NOW + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8)),
                "status": "scheduled", "revision": 1, "created_at": NOW, "updated_at": NOW,
            }
            for cid in chunk
            if cid % 3 == 0
        ]  # fmt: skip
        if appointments:
            ids = db.session.execute(
                insert(Appointment).returning(Appointment.id, sort_by_parameter_order=True),
                appointments,
            ).scalars()
            clients = {c.id: c for c in db.session.scalars(select(Client).where(
                Client.id.in_([a["client_id"] for a in appointments])))}  # fmt: skip
            overrides = overrides_for(db.session, clients)
            notices = []
            for appointment_id, a in zip(ids, appointments, strict=True):
                client = clients[a["client_id"]]
                schedule = schedule_for(client, overrides.get(client.id, {}), NOW.date())
                slot = planner.AppointmentSlot(appointment_id, 1, a["starts_at"])
                for n in planner.plan_notices(schedule, slot, NOW):
                    notices.append(_queued(NOW, n, client.id, appointment_id))
            if notices:
                db.session.execute(insert(Message), notices)
        db.session.commit()


def floor_insert(rows: int) -> float:
    """Seconds for one INSERT ... SELECT of ``rows`` outbox rows."""
    from companion.extensions import db

    dialect = db.engine.dialect.name
    key = "'floor:' || c.id || ':' || n.n"
    params = "'{}'" if dialect == "sqlite" else "'{}'::json"
    copies = -(-rows // max(1, db.session.scalar(text("SELECT count(*) FROM clients"))))
    series = " UNION ALL ".join(f"SELECT {k} AS n" for k in range(1, copies + 1))
    sql = f"""
        INSERT INTO messages (direction, kind, dedupe_key, client_id, status, params,
                              attempts, uncertain, num_media, send_after, expires_at,
                              created_at, updated_at)
        SELECT 'out', 'checkin_prompt', {key}, c.id, 'pending', {params},
               0, false, 0, :send_after, :expires_at, :now, :now
        FROM clients c CROSS JOIN ({series}) n
        ORDER BY c.id, n.n
        LIMIT :rows
    """  # noqa: S608 - constants only
    values = {
        "send_after": NOW + timedelta(hours=8),
        "expires_at": NOW + timedelta(hours=14),
        "now": NOW,
        "rows": rows,
    }
    if dialect == "sqlite":  # SQLite stores our UTC datetimes as naive ISO text
        values = {k: v.replace(tzinfo=None) if isinstance(v, datetime) else v
                  for k, v in values.items()}  # fmt: skip
    start = time.perf_counter()
    db.session.execute(text(sql), values)
    db.session.commit()
    return time.perf_counter() - start


def run(server_url: str | None, count: int) -> dict:
    from flask_migrate import upgrade

    from companion import create_app
    from companion.extensions import db
    from companion.models import CheckIn, Message
    from companion.runtime import tick

    with tempfile.TemporaryDirectory() as workdir:
        database = make_database(server_url, Path(workdir))
        kind = "PostgreSQL" if server_url else "SQLite"
        try:
            app = create_app({
                "COMPANION_ENV": "testing", "DATABASE_URL": database.url,
                "SECRET_KEY": "bench", "SMS_TRANSPORT": "console",
            })  # fmt: skip
            with app.app_context():
                upgrade()
                t0 = time.perf_counter()
                populate(count)
                setup = time.perf_counter() - t0
                if db.engine.dialect.name == "postgresql":
                    db.session.execute(text("ANALYZE"))
                    db.session.commit()
                before = db.session.scalar(select(func.count(Message.id)))
                t0 = time.perf_counter()
                first = tick(NOW)
                first_s = time.perf_counter() - t0
                rows = db.session.scalar(select(func.count(Message.id))) - before
                check_ins = db.session.scalar(select(func.count(CheckIn.id)))

                t0 = time.perf_counter()
                second = tick(NOW + timedelta(minutes=1))
                second_s = time.perf_counter() - t0

                # Last, and left in place: deleting outbox rows once check-ins point at
                # them would make the database check each reference. The database is
                # dropped afterwards anyway.
                floor_s = floor_insert(rows)
                db.session.remove()
                db.engine.dispose()
        finally:
            database.cleanup()
    return {
        "database": kind, "clients": count, "setup": setup, "rows": rows,
        "check_ins": check_ins, "floor": floor_s, "first": first_s, "second": second_s,
        "first_line": first.line(), "second_line": second.line(),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL server to make a scratch database on (default: a SQLite file)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    if args.clients > 100_000:
        parser.error("at most 100,000 clients (there are only so many fictional numbers)")

    r = run(args.database_url, args.clients)
    first_ratio = r["first"] / r["floor"]
    second_ratio = r["second"] / r["first"]
    ok_first = first_ratio <= FIRST_TICK_GOAL
    ok_second = second_ratio <= SECOND_TICK_GOAL
    print(f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{r['database']}, {date.today().isoformat()}")  # fmt: skip
    print(f"{r['clients']:,} clients (set up in {r['setup']:.1f} s); the first tick wrote "
          f"{r['rows']:,} outbox rows and {r['check_ins']:,} check-ins")  # fmt: skip
    print(f"  {r['first_line']}")
    print(f"  {r['second_line']}")
    print(f"{'':24}{'seconds':>9}  {'ratio':>10}  {'goal':>8}")
    print(f"{'floor (INSERT...SELECT)':24}{r['floor']:9.3f}")
    print(f"{'first tick':24}{r['first']:9.3f}  {first_ratio:9.2f}x  {'<= 10x':>8}  "
          f"{'PASS' if ok_first else 'FAIL'}")  # fmt: skip
    print(f"{'second tick':24}{r['second']:9.3f}  {second_ratio:9.2%}  {'<= 2%':>8}  "
          f"{'PASS' if ok_second else 'FAIL'}")  # fmt: skip
    if args.strict and not (ok_first and ok_second):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
