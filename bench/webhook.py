"""Webhook benchmark: POST /twilio/sms as the Procfile serves it, beside a 20-line floor.

Companion (``gunicorn 'companion:create_app()'``, 2 sync workers, production settings) runs
on a fresh PostgreSQL database with the real ``twilio`` client talking to the fake Twilio
API (``tests/fake_twilio.py``, its own process) answering after 0 ms, 150 ms and 5 s. For
each latency:

* **paced**: 8 clients post signed inbound texts at ``--paced-rate`` texts a second in
  all (one in four an urge, which gets the crisis reply and alerts the provider); the
  **reply latency** is the time from the start of the POST to the fake Twilio receiving
  the reply (before its added latency), matched through the outbox (``reply:<inbound id>``
  -> the reply's provider sid -> the fake's arrival time);
* **closed loop**: 8 clients post as fast as answers come, for ``--duration`` seconds:
  **webhook requests/s, p50, p99**; at 0 and 150 ms the replies of this phase are timed
  too (can the lane keep up at full speed?).

The floor (``bench/anchor.py``: check the signature, insert one row) is served the same
way on the same database and loaded the same way (closed loop). The ratio is Companion's
requests/s over the floor's. Goals (docs/performance.md): ratio >= 0.5 and webhook p99
<= 100 ms at 0 and 150 ms; p99 < 300 ms at 5 s; reply latency p99 < 2 s.

    python bench/webhook.py                      # PostgreSQL at TEST_DATABASE_URL's server
    python bench/webhook.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/webhook.py --source /tmp/old    # git archive <commit> companion | tar -xC /tmp/old
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

FAKE = ROOT / "tests" / "fake_twilio.py"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2  # the fake's default credentials
AUTH_TOKEN = "test-auth-token"
OUR_NUMBER = "+12135550199"
PROVIDER_PHONE = "+12135550100"
# Fictional numbers only: 555-0100..0199 in a few area codes.
AREA_CODES = ("213", "310", "323", "415", "626", "818")
NUMBERS = [f"+1{area}555{n:04d}" for area in AREA_CODES for n in range(101, 199)]
ORDINARY = ("Doing ok today", "Went to group", "Busy day at work")
URGE = "I might act on it tonight"
DEFAULT_SERVER = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# -- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeTwilio:
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

    def arrivals(self) -> dict[str, float]:
        """Provider sid -> when the create request reached the fake (epoch seconds)."""
        with urllib.request.urlopen(f"{self.url}/_fake/messages", timeout=30) as resp:  # noqa: S310
            return {m["sid"]: m["arrived"] for m in json.load(resp)["messages"]}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Gunicorn:
    """``gunicorn --workers 2 --access-logfile - <app>``, as the Procfile runs the web."""

    def __init__(self, app: str, env: dict[str, str], port: int, cwd: Path = ROOT) -> None:
        self.port = port
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                app,
            ],
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError(f"gunicorn {app} did not start")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- the database -----------------------------------------------------------------------


def make_database(server_url: str) -> tuple[str, object]:
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

    return server.set(database=name).render_as_string(hide_password=False), drop


def seed(db_url: str) -> None:
    """Migrate; one provider with a phone (urges alert them) and a client on every number."""
    from flask_migrate import upgrade

    from companion import create_app
    from companion.extensions import db
    from companion.models import Client, Role, StaffUser

    now = datetime.now(UTC)
    app = create_app({"COMPANION_ENV": "testing", "DATABASE_URL": db_url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        provider = StaffUser(
            email="bench@example.test",
            name="Bench",
            role=Role.PROVIDER,
            password_hash="-",
            phone=PROVIDER_PHONE,
            public_phone=PROVIDER_PHONE,
            created_at=now,
        )
        db.session.add(provider)
        db.session.flush()
        db.session.add_all(
            Client(
                display_name=f"C{i}",
                phone=number,
                language="en",
                timezone="America/Los_Angeles",
                send_window_start=clock(0),
                send_window_end=clock(23, 59),
                provider_id=provider.id,
                consent="opted_in",
                status="active",
                created_at=now,
                updated_at=now,
            )
            for i, number in enumerate(NUMBERS)
        )
        db.session.execute(
            text(
                "CREATE TABLE anchor_inbound (id bigserial PRIMARY KEY, sid text UNIQUE, "
                "from_number text, body text, received_at timestamptz DEFAULT now())"
            )
        )
        db.session.commit()
        db.engine.dispose()


# -- load -------------------------------------------------------------------------------


@dataclass
class Post:
    sid: str
    data: bytes
    signature: str
    started: float = 0.0
    seconds: float = 0.0
    status: int = 0


def signed_posts(base_url: str, count: int, numbers: list[str] = NUMBERS) -> list[Post]:
    """Signed inbound texts from ``numbers`` in turn, made before the clock starts (signing
    is Twilio's work)."""
    validator = RequestValidator(AUTH_TOKEN)
    url = base_url + "/twilio/sms"
    posts = []
    for i in range(count):
        sid = "SM" + uuid.uuid4().hex
        body = URGE if i % 4 == 3 else ORDINARY[i % len(ORDINARY)]
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": numbers[i % len(numbers)],
            "To": OUR_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        posts.append(
            Post(
                sid,
                urllib.parse.urlencode(params).encode(),
                validator.compute_signature(url, params),
            )
        )
    return posts


def post(port: int, item: Post) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    item.started = time.time()
    conn.request(
        "POST",
        "/twilio/sms",
        item.data,
        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": item.signature},
    )
    response = conn.getresponse()
    response.read()
    item.seconds = time.time() - item.started
    item.status = response.status
    conn.close()


def closed_loop(port: int, posts: list[Post], concurrency: int, duration: float) -> list[Post]:
    """``concurrency`` clients posting back to back for ``duration`` seconds; the posts made."""
    taken = itertools.count()
    lock = threading.Lock()
    done: list[Post] = []
    stop_at = time.monotonic() + duration

    def client() -> None:
        while time.monotonic() < stop_at:
            with lock:
                i = next(taken)
            if i >= len(posts):
                return
            post(port, posts[i])
            with lock:
                done.append(posts[i])

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done


def paced(port: int, posts: list[Post], concurrency: int, rate: float) -> list[Post]:
    """All ``posts`` at ``rate`` a second in all, from ``concurrency`` clients."""
    start = time.monotonic() + 0.2

    def client(k: int) -> None:
        for n in range(k, len(posts), concurrency):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            post(port, posts[n])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return posts


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


def reply_sids(db_url: str, posts: list[Post]) -> dict[str, str | None]:
    """Inbound sid -> its reply's provider sid (None while not sent)."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.provider_sid, o.provider_sid FROM messages i "
                "JOIN messages o ON o.dedupe_key = 'reply:' || i.id "
                "WHERE i.provider_sid = ANY(:sids)"
            ),
            {"sids": [p.sid for p in posts]},
        ).all()
    engine.dispose()
    return dict(rows)  # type: ignore[arg-type]


def reply_latencies(
    db_url: str, fake: FakeTwilio, posts: list[Post], wait: float
) -> tuple[list[float], int]:
    """Seconds from each POST to the fake receiving its reply; how many never arrived."""
    deadline = time.monotonic() + wait
    while True:
        replies = reply_sids(db_url, posts)
        sent = [sid for sid in replies.values() if sid]
        if len(sent) >= len(posts) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    arrivals = fake.arrivals()
    latencies = [
        arrivals[replies[p.sid]] - p.started  # type: ignore[index]
        for p in posts
        if replies.get(p.sid) and replies[p.sid] in arrivals
    ]
    return latencies, len(posts) - len(latencies)


# -- the run ----------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    rate: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    errors: int = 0
    reply_p50: float | None = None
    reply_p99: float | None = None
    reply_missing: int = 0
    paced_p99: float | None = None
    notes: list[str] = field(default_factory=list)


def loaded(
    port: int, posts: list[Post], concurrency: int, duration: float, name: str
) -> tuple[Figures, list[Post]]:
    post(port, posts[0])  # warm both workers' first request paths
    post(port, posts[1])
    done = closed_loop(port, posts[2:], concurrency, duration)
    seconds = [p.seconds for p in done]
    span = max(p.started + p.seconds for p in done) - min(p.started for p in done)
    figures = Figures(
        name,
        rate=len(done) / span,
        p50=1000 * percentile(seconds, 50),
        p99=1000 * percentile(seconds, 99),
        errors=sum(1 for p in done if p.status != 200),
    )
    return figures, done


def run_companion(db_url: str, latency: float, args: argparse.Namespace) -> Figures:
    fake = FakeTwilio(latency)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "COMPANION_ENV": "production",
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "SMS_TRANSPORT": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "TWILIO_API_BASE_URL": fake.url,
        "TWILIO_TIMEOUT_SECONDS": "10",
        "PUBLIC_BASE_URL": base,
        "LOG_LEVEL": "WARNING",
    }
    web = Gunicorn("companion:create_app()", env, port, cwd=args.source)
    try:
        name = f"Companion, Twilio {int(latency * 1000)} ms"
        # Both workers booted, their lanes started and their connections opened.
        warm = signed_posts(base, 8)
        closed_loop(port, warm, 2, 60)
        reply_latencies(db_url, fake, warm, wait=latency + 10)
        # Paced first: the reply latency a client in crisis sees while the lanes are free.
        paced_posts = signed_posts(base, int(args.paced_rate * args.paced_seconds))
        paced(port, paced_posts, args.concurrency, args.paced_rate)
        paced_latencies, paced_missing = reply_latencies(
            db_url, fake, paced_posts, wait=latency + 10
        )
        figures, done = loaded(
            port, signed_posts(base, 20000), args.concurrency, args.duration, name
        )
        figures.paced_p99 = percentile(paced_latencies, 99)
        figures.reply_missing = paced_missing
        figures.notes.append(
            f"paced {args.paced_rate:g}/s: reply p50 "
            f"{1000 * percentile(paced_latencies, 50):.0f} ms, "
            f"p99 {1000 * percentile(paced_latencies, 99):.0f} ms, not arrived {paced_missing}"
        )
        if latency < 1:
            latencies, missing = reply_latencies(db_url, fake, done, wait=30)
            figures.reply_p50, figures.reply_p99 = (
                percentile(latencies, 50),
                percentile(latencies, 99),
            )
            figures.notes.append(f"closed loop: replies not arrived {missing}")
        else:
            figures.notes.append(
                "closed loop: replies not timed (texts/s offered far above 2 workers x "
                "DISPATCH_CONCURRENCY / latency)"
            )
        return figures
    finally:
        web.close()
        fake.close()


def run_anchor(db_url: str, args: argparse.Namespace) -> Figures:
    from companion.settings import database_url

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": database_url(db_url, "."),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": base,
    }
    web = Gunicorn("anchor:app", env, port, cwd=ROOT / "bench")
    try:
        figures, _ = loaded(
            port, signed_posts(base, 40000), args.concurrency, args.duration, "floor"
        )
        return figures
    finally:
        web.close()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_SERVER, help="a PostgreSQL server")
    parser.add_argument("--latencies", default="0,0.15,5", help="Twilio's answer times, seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0, help="closed-loop seconds")
    parser.add_argument("--paced-rate", type=float, default=2.0, help="texts a second, in all")
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="serve the companion package found here (e.g. an export of an older commit)",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL server")

    db_url, drop = make_database(args.database_url)
    try:
        seed(db_url)
        print(f"load average before: {load_average()}", flush=True)
        anchor = run_anchor(db_url, args)
        print(
            f"floor: {anchor.rate:.0f} req/s, p50 {anchor.p50:.0f} ms, p99 {anchor.p99:.0f} ms",
            flush=True,
        )
        results = []
        for latency in (float(x) for x in args.latencies.split(",")):
            figures = run_companion(db_url, latency, args)
            results.append(figures)
            reply = (
                f"reply p50 {1000 * figures.reply_p50:.0f} ms, "
                f"p99 {1000 * figures.reply_p99:.0f} ms"
                if figures.reply_p99 is not None
                else "reply (closed loop) n/a"
            )
            print(
                f"{figures.name}: {figures.rate:.0f} req/s "
                f"({figures.rate / anchor.rate:.2f}x floor), "
                f"p50 {figures.p50:.0f} ms, p99 {figures.p99:.0f} ms, errors {figures.errors}; "
                f"{reply}; " + "; ".join(figures.notes),
                flush=True,
            )
        print(f"load average after: {load_average()}", flush=True)
    finally:
        drop()  # type: ignore[operator]
    return 0


if __name__ == "__main__":
    sys.exit(main())
