"""Dispatch benchmark: Companion's outbox against a bare ``client.messages.create`` loop.

For each scenario (no added latency, then 50 ms per request) a fresh fake
Twilio API runs as a separate process (``tests/fake_twilio.py``), so it does
not share the benchmark's GIL. In the same run:

* **Companion**: ``count`` texts queued in the outbox of a temporary database,
  sent by ``tick(now)`` through the twilio transport (the real ``twilio``
  library), exactly as the worker would;
* **bare loop**: the same number of ``client.messages.create`` calls, one after
  the other, with the same library, HTTP timeout and fake.

Goals (docs/performance.md): with no latency Companion's rate is at least
0.8 x the bare loop's; with 50 ms per request at least 5 x (concurrency).

    python bench/dispatch.py                      # SQLite, 2,000 and 200 texts
    python bench/dispatch.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/dispatch.py --strict             # exit 1 when a goal is missed
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from twilio.http.http_client import TwilioHttpClient  # noqa: E402
from twilio.rest import Client as TwilioClient  # noqa: E402

FAKE = ROOT / "tests" / "fake_twilio.py"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2  # the fake's default credentials
AUTH_TOKEN = "test-auth-token"
OUR_NUMBER = "+12135550199"
TIMEOUT = 10.0  # seconds, both sides (Companion's default TWILIO_TIMEOUT_SECONDS)
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
# Fictional numbers only: 555-0100..0199 in a few Los Angeles / Bay Area codes.
AREA_CODES = ("213", "310", "323", "415", "626", "818")
NUMBERS = [f"+1{area}555{n:04d}" for area in AREA_CODES for n in range(100, 200)]


@dataclass
class Scenario:
    latency: float
    count: int
    goal: float  # Companion rate / bare-loop rate must reach this


@dataclass
class Result:
    scenario: Scenario
    companion_rate: float
    bare_rate: float
    companion_cpu: float  # ms of this process's CPU per text (all threads), best round
    bare_cpu: float

    @property
    def ratio(self) -> float:
        return self.companion_rate / self.bare_rate

    @property
    def passed(self) -> bool:
        return self.ratio >= self.scenario.goal


class FakeProcess:
    """tests/fake_twilio.py in its own process."""

    def __init__(self, latency: float) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(FAKE), "--port", "0", "--latency", str(latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError(f"fake Twilio did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def twilio_client(base_url: str) -> TwilioClient:
    client = TwilioClient(
        ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=TIMEOUT), environment={}
    )
    client.api.base_url = base_url
    return client


def bare_loop(base_url: str, count: int, body: str) -> tuple[float, float]:
    """Messages per second for a plain sequential loop of client.messages.create; CPU ms each."""
    client = twilio_client(base_url)
    client.messages.create(to=NUMBERS[0], from_=OUR_NUMBER, body=body)  # warm the connection
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        client.messages.create(to=NUMBERS[i % len(NUMBERS)], from_=OUR_NUMBER, body=body)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / elapsed, 1000 * cpu / count


@dataclass
class Database:
    url: str
    cleanup: object


def make_database(server_url: str | None, workdir: Path) -> Database:
    """A new empty database: a SQLite file, or a fresh database on the given PostgreSQL server."""
    if not server_url:
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
        return Database(f"sqlite:///{path}", lambda: None)
    from companion.settings import database_url

    server = make_url(database_url(server_url, "."))
    name = f"companion_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Database(server.set(database=name).render_as_string(hide_password=False), drop)


def companion_run(base_url: str, db_url: str, count: int) -> tuple[float, float, str]:
    """Messages per second for ``tick`` sending ``count`` queued texts; CPU ms each; the body."""
    from flask_migrate import upgrade

    from companion import create_app
    from companion.extensions import db
    from companion.messaging.compose import render
    from companion.models import Client, Message, Role, StaffUser, Status
    from companion.runtime import tick

    app = create_app(
        {
            "COMPANION_ENV": "testing",
            "DATABASE_URL": db_url,
            "SECRET_KEY": "bench",
            "SMS_TRANSPORT": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "TWILIO_API_BASE_URL": base_url,
            "TWILIO_TIMEOUT_SECONDS": str(TIMEOUT),
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        }
    )
    with app.app_context():
        upgrade()
        provider = StaffUser(
            email="bench@example.test", name="Bench", role=Role.PROVIDER, password_hash="-",
            public_phone="+12135550100", created_at=NOW,
        )
        db.session.add(provider)
        db.session.flush()
        clients = [
            Client(
                display_name=f"C{i}", phone=number, language="en", timezone="America/Los_Angeles",
                send_window_start=clock(8), send_window_end=clock(21), provider_id=provider.id,
                consent="opted_in", status="active", created_at=NOW, updated_at=NOW,
            )
            for i, number in enumerate(NUMBERS[: min(count, len(NUMBERS))])
        ]
        db.session.add_all(clients)
        db.session.flush()
        # Replies to clients ("got your message"): the same per-row work as any client text.
        rows = [
            {
                "direction": "out", "kind": "received", "dedupe_key": f"bench:{i}", "params": {},
                "send_after": NOW, "status": "pending", "attempts": 0, "uncertain": False,
                "num_media": 0, "client_id": clients[i % len(clients)].id,
                "created_at": NOW, "updated_at": NOW,
            }
            for i in range(count)
        ]
        db.session.execute(insert(Message), rows)
        db.session.commit()
        body = render("received", "en", {}).body
        # Like the worker, each tick starts with an empty session: the objects
        # made above are not the dispatcher's to carry (every commit would expire them).
        del provider, clients, rows
        db.session.remove()

        start, cpu = time.perf_counter(), time.process_time()
        while True:
            summary = tick(NOW).dispatch
            db.session.remove()
            if not (summary.sent or summary.retried or summary.failed):
                break
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu

        sent = db.session.scalar(
            select(func.count()).select_from(Message).where(Message.status == Status.SENT)
        )
        if sent != count:
            raise RuntimeError(f"only {sent} of {count} texts were sent")
        db.session.remove()
        db.engine.dispose()
    return count / elapsed, 1000 * cpu / count, body


def run(scenario: Scenario, server_url: str | None, workdir: Path, rounds: int) -> Result:
    """Both sides, alternating, ``rounds`` times against one fake; the best rate of each."""
    companion_runs, bare_runs = [], []
    with FakeProcess(scenario.latency) as fake:
        for _ in range(rounds):
            database = make_database(server_url, workdir)
            try:
                rate, cpu, body = companion_run(fake.url, database.url, scenario.count)
            finally:
                database.cleanup()
            companion_runs.append((rate, cpu))
            bare_runs.append(bare_loop(fake.url, scenario.count, body))
    (companion_rate, companion_cpu), (bare_rate, bare_cpu) = max(companion_runs), max(bare_runs)
    return Result(scenario, companion_rate, bare_rate, companion_cpu, bare_cpu)


def compare_http_clients(
    scenario: Scenario, server_url: str | None, workdir: Path, rounds: int
) -> dict[str, tuple[float, float]]:
    """Companion with each HTTP client under the twilio library, interleaved; best rate, CPU.

    Each round runs both clients (in turn first) and the bare loop against one
    fake, so a burst of other load on the machine hurts one run, not one side.
    """
    from companion.messaging.transports.twilio import TwilioTransport

    runs: dict[str, list[tuple[float, float]]] = {"lean": [], "stock": [], "bare loop": []}
    with FakeProcess(scenario.latency) as fake:
        for i in range(rounds):
            for variant in ("lean", "stock") if i % 2 == 0 else ("stock", "lean"):
                TwilioTransport.HTTP_CLIENT = variant
                database = make_database(server_url, workdir)
                try:
                    rate, cpu, body = companion_run(fake.url, database.url, scenario.count)
                finally:
                    database.cleanup()
                    TwilioTransport.HTTP_CLIENT = "lean"
                runs[variant].append((rate, cpu))
            runs["bare loop"].append(bare_loop(fake.url, scenario.count, body))
    return {name: max(results) for name, results in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="texts per side, no latency")
    parser.add_argument(
        "--latency-count", type=int, default=200,
        help="texts per side with latency (a bare loop at 50 ms needs 0.05 s each)",
    )
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="runs of each side, alternating; the best of each counts (other load is noise)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument(
        "--compare-http-clients", action="store_true",
        help="Companion with the stock TwilioHttpClient against the lean one, interleaved",
    )
    args = parser.parse_args(argv)

    os.environ.pop("TWILIO_EDGE", None)
    os.environ.pop("TWILIO_REGION", None)
    scenarios = [Scenario(0.0, args.count, 0.8), Scenario(args.latency, args.latency_count, 5.0)]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"dispatch benchmark: {backend}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU(s), twilio transport -> local fake API (own process)"
    )
    if args.compare_http_clients:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            found = [
                (scenario, compare_http_clients(scenario, args.database_url, workdir, args.rounds))
                for scenario in scenarios
            ]
        print(f"best of {args.rounds} rounds each (CPU: this process, all threads, ms per text)")
        print("{:>8} {:>6} {:>10} {:>5} {:>10} {:>5} {:>12} {:>5} {:>12}".format(
            "latency", "texts", "lean/s", "CPU", "stock/s", "CPU", "bare loop/s", "CPU",
            "stock/lean",
        ))  # fmt: skip
        for scenario, best in found:
            (lean, lean_cpu), (stock, stock_cpu), (bare, bare_cpu) = best.values()
            print(
                f"{scenario.latency * 1000:>6.0f}ms {scenario.count:>6} {lean:>10.0f} "
                f"{lean_cpu:>5.2f} {stock:>10.0f} {stock_cpu:>5.2f} {bare:>12.0f} "
                f"{bare_cpu:>5.2f} {stock / lean:>11.2f}x"
            )
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in scenarios:
            results.append(run(scenario, args.database_url, Path(tmp), args.rounds))

    print(f"best of {args.rounds} rounds per side (CPU: this process, all threads, ms per text)")
    header = ("latency", "texts", "Companion/s", "CPU", "bare loop/s", "CPU", "ratio", "goal")
    print("{:>8} {:>6} {:>12} {:>5} {:>12} {:>5} {:>7} {:>6}".format(*header))
    for r in results:
        print(
            f"{r.scenario.latency * 1000:>6.0f}ms {r.scenario.count:>6} {r.companion_rate:>12.0f} "
            f"{r.companion_cpu:>5.2f} {r.bare_rate:>12.0f} {r.bare_cpu:>5.2f} {r.ratio:>6.2f}x "
            f"{r.scenario.goal:>5.1f}x  {'PASS' if r.passed else 'FAIL'}"
        )
    failed = [r for r in results if not r.passed]
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
