"""Load benchmark: staff pages and the webhook under gunicorn, beside minimal anchors.

A fresh PostgreSQL database gets a county's caseload (``bench/caseload.py``: ``--clients``
clients, ``--days`` days of history each, ninety for the first client, one provider holding
them all). Companion is served as the Procfile serves it (``gunicorn 'companion:create_app()'``,
2 sync workers, production settings, the real ``twilio`` client talking to the fake Twilio
API at 0 ms); the anchors (``bench/anchor.py``) are served the same way on the same database:

* **pages**: the client list, the first client's page (three months of history), Today and
  Alerts, opened by ``--concurrency`` signed-in sessions of the provider back to back,
  against one SELECT of the same rows rendered as a bare Jinja table;
* **webhook**: signed inbound texts from the caseload's numbers (``bench/webhook.py``'s
  load), against the 20-line handler that checks the signature and inserts one row.

Each endpoint runs in two rounds, anchor then Companion, ``--duration`` / 2 seconds each,
so a burst of other work on the machine hurts both sides. Printed per endpoint: requests/s,
p50/p95/p99 of both, and the ratios (Companion's p50 over the anchor's; the anchor's
requests/s over Companion's: both "times slower"). Goals (issue 18): pages p95 <= 150 ms and
<= 2x the anchor; the webhook >= 0.5x the anchor's requests/s and p99 <= 100 ms.

    python bench/load.py                          # 2,000 clients, PostgreSQL at TEST_DATABASE_URL's
    python bench/load.py --clients 300 --duration 10 --database-url postgresql://...
    python bench/load.py --quick                  # a smoke run: 100 clients, 2 s an endpoint
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from caseload import MAX_CLIENTS, PHONES, PROVIDER_EMAIL, seed_caseload  # noqa: E402
from webhook import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    DEFAULT_SERVER,
    OUR_NUMBER,
    FakeTwilio,
    Gunicorn,
    Post,
    closed_loop,
    free_port,
    load_average,
    make_database,
    percentile,
    post,
    signed_posts,
)

PASSWORD = "load-bench-" + uuid.uuid4().hex[:8]  # noqa: S105 - a throwaway database's
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# -- the caseload -------------------------------------------------------------------------


def prepare(db_url: str, clients: int, days: int) -> tuple[int, str]:
    """Migrate, seed, and add the webhook anchor's table; the history client's id and what
    was seeded."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from companion import create_app
    from companion.extensions import db

    app = create_app({"COMPANION_ENV": "testing", "DATABASE_URL": db_url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        first = seed_caseload(clients, days, PASSWORD)
        db.session.execute(
            text(
                "CREATE TABLE anchor_inbound (id bigserial PRIMARY KEY, sid text UNIQUE, "
                "from_number text, body text, received_at timestamptz DEFAULT now())"
            )
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        counts = {
            table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("messages", "check_ins", "escalations")
        }
        db.engine.dispose()
    return first, ", ".join(f"{n} {table}" for table, n in counts.items())


# -- staff sessions -----------------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def sign_in(port: int) -> str:
    """A provider's session, as a browser signs in (the form's CSRF token included); its
    Cookie header. The cookies are marked Secure (production): kept by hand over http."""
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    _cookies(response, jar)
    conn.close()
    token = CSRF.search(page)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    form = f"email={PROVIDER_EMAIL.replace('@', '%40')}&password={PASSWORD}&csrf_token={token[1]}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/login",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar)},
    )
    response = conn.getresponse()
    response.read()
    _cookies(response, jar)
    conn.close()
    if response.status != 302:
        raise RuntimeError(f"sign-in answered {response.status}")
    return _cookie_header(jar)


# -- load ---------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    requests: int = 0
    elapsed: float = 0.0

    def add(self, other: Sample) -> None:
        self.seconds += other.seconds
        self.errors += other.errors
        self.requests += other.requests
        self.elapsed += other.elapsed

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def ms(self, p: float) -> float:
        return 1000 * percentile(self.seconds, p)


def get(port: int, path: str, cookie: str | None) -> tuple[float, int]:
    """One GET on a new connection (gunicorn's sync workers close each one): seconds, status."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return time.perf_counter() - started, response.status


def pages_loop(port: int, path: str, cookies: list[str | None], duration: float) -> Sample:
    """One client per cookie, each opening ``path`` as soon as the last answer came."""
    sample = Sample()
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def session(cookie: str | None) -> None:
        mine: list[float] = []
        errors = 0
        while time.monotonic() < stop_at:
            seconds, status = get(port, path, cookie)
            mine.append(seconds)
            errors += status != 200
        with lock:
            sample.seconds += mine
            sample.errors += errors

    started = time.monotonic()
    threads = [threading.Thread(target=session, args=(c,)) for c in cookies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sample.elapsed = time.monotonic() - started
    sample.requests = len(sample.seconds)
    return sample


def webhook_loop(port: int, posts: list[Post], concurrency: int, duration: float) -> Sample:
    started = time.monotonic()
    done = closed_loop(port, posts, concurrency, duration)
    return Sample(
        seconds=[p.seconds for p in done],
        errors=sum(1 for p in done if p.status != 200),
        requests=len(done),
        elapsed=time.monotonic() - started,
    )


# -- the run ------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    companion: Sample = field(default_factory=Sample)
    anchor: Sample = field(default_factory=Sample)


def run(db_url: str, first: int, args: argparse.Namespace) -> list[Row]:
    from companion.settings import database_url

    fake = FakeTwilio(0)
    port, anchor_port = free_port(), free_port()
    base, anchor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{anchor_port}"
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
    anchor_env = {
        "DATABASE_URL": database_url(db_url, "."),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": anchor_base,
    }
    servers = []
    try:
        servers.append(Gunicorn("companion:create_app()", env, port))
        servers.append(Gunicorn("anchor:app", anchor_env, anchor_port, cwd=BENCH))
        cookies: list[str | None] = [sign_in(port) for _ in range(args.concurrency)]
        bare: list[str | None] = [None] * args.concurrency
        pages = (
            ("client list", "/clients/", "/anchor/clients"),
            ("client page (90 days)", f"/clients/{first}", f"/anchor/clients/{first}"),
            ("Today", "/today", "/anchor/today"),
            ("Alerts", "/escalations", "/anchor/escalations"),
        )
        rows = []
        half = args.duration / 2
        for name, path, anchor_path in pages:
            row = Row(name)
            for cookie in cookies:  # every session and worker past its first request
                get(port, path, cookie)
                get(anchor_port, anchor_path, None)
            for _ in range(2):
                row.anchor.add(pages_loop(anchor_port, anchor_path, bare, half))
                row.companion.add(pages_loop(port, path, cookies, half))
            rows.append(row)
            report(row)
        row = Row("webhook (Twilio 0 ms)")
        numbers = PHONES[: args.clients]  # every text from a client of the caseload
        for item in signed_posts(base, 4, numbers):
            post(port, item)
        for item in signed_posts(anchor_base, 4, numbers):
            post(anchor_port, item)
        enough = int(half * 3000)  # above either side's rate: the clock ends each round
        for _ in range(2):
            posts = signed_posts(anchor_base, enough, numbers)
            row.anchor.add(webhook_loop(anchor_port, posts, args.concurrency, half))
            posts = signed_posts(base, enough, numbers)
            row.companion.add(webhook_loop(port, posts, args.concurrency, half))
        rows.append(row)
        report(row)
        return rows
    finally:
        for server in servers:
            server.close()
        fake.close()


def report(row: Row) -> None:
    c, a = row.companion, row.anchor
    print(
        f"{row.name}: Companion {c.rate:.0f} req/s p50/p95/p99 {c.ms(50):.0f}/{c.ms(95):.0f}/"
        f"{c.ms(99):.0f} ms (errors {c.errors}); anchor {a.rate:.0f} req/s "
        f"{a.ms(50):.0f}/{a.ms(95):.0f}/{a.ms(99):.0f} ms (errors {a.errors})",
        flush=True,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| endpoint | Companion req/s | p50 / p95 / p99 ms | anchor req/s | p50 / p95 / p99 ms "
        "| p50 × anchor | anchor req/s ÷ Companion's | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        c, a = row.companion, row.anchor
        lines.append(
            f"| {row.name} | {c.rate:.0f} | {c.ms(50):.0f} / {c.ms(95):.0f} / {c.ms(99):.0f} "
            f"| {a.rate:.0f} | {a.ms(50):.1f} / {a.ms(95):.1f} / {a.ms(99):.1f} "
            f"| {c.ms(50) / a.ms(50):.1f}× | {a.rate / c.rate if c.rate else float('inf'):.1f}× "
            f"| {c.errors + a.errors} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_SERVER, help="a PostgreSQL server")
    parser.add_argument("--clients", type=int, default=2000, help=f"at most {MAX_CLIENTS}")
    parser.add_argument("--days", type=int, default=10, help="days of history per client")
    parser.add_argument("--concurrency", type=int, default=8, help="sessions at once")
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds per endpoint and side"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.days, args.duration = min(args.clients, 100), 2, 2.0
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL server")
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients: between 1 and {MAX_CLIENTS}")

    db_url, drop = make_database(args.database_url)
    try:
        started = time.monotonic()
        first, seeded = prepare(db_url, args.clients, args.days)
        print(
            f"seeded {args.clients} clients, {args.days} days of history ({seeded}) "
            f"in {time.monotonic() - started:.1f} s; load average {load_average()}",
            flush=True,
        )
        rows = run(db_url, first, args)
        print(f"load average after: {load_average()}\n")
        print(table(rows))
        failed = sum(r.companion.errors + r.anchor.errors for r in rows)
    finally:
        drop()  # type: ignore[operator]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
