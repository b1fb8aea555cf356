"""Commands under ``flask --app companion``: create-user, seed-demo, worker, tick, clock,
erase-client, simulate."""

from __future__ import annotations

import getpass
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import select

from companion.care.phones import to_e164
from companion.clock import app_clock, parse_duration, read_offset
from companion.extensions import db
from companion.models import Client, RiskLevel, Role, StaffUser
from companion.runtime import tick


def parse_instant(value: str) -> datetime:
    """An ISO-8601 instant with an offset (``2026-11-23T09:00:00-08:00``), as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 time, e.g. 2026-11-23T09:00:00-08:00"
        ) from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give the offset too, e.g. 2026-11-23T09:00:00-08:00 or ...Z")
    return parsed.astimezone(UTC)


def now() -> datetime:
    """The app's now: the wall clock in production, the development clock elsewhere."""
    return app_clock(current_app).now()


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(worker_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(clock_group)
    app.cli.add_command(erase_client_command)
    app.cli.add_command(simulate_command)
    app.cli.add_command(understand_command)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--phone", default="", help="Mobile for alerts (officers, providers).")
@click.option("--password", default=None, help="Prompted for when not given.")
def create_user(email: str, name: str, role: str, phone: str, password: str | None) -> None:
    """Add a staff member who can sign in."""
    email = email.strip().lower()
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
        raise click.ClickException(f"a staff member with email {email} already exists")
    e164 = None
    if phone:
        e164 = to_e164(phone, current_app.config["DEFAULT_REGION"])
        if e164 is None:
            raise click.ClickException("that phone number is not valid")
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise click.ClickException("the passwords differ")
    if len(password) < 10:
        raise click.ClickException("use a password of at least 10 characters")
    user = StaffUser(email=email, name=name, role=Role(role), phone=e164, created_at=now())
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {email}")


@click.command("seed-demo")
@click.option(
    "--password", default=None, help="Password for every demo login (random if not given)."
)
def seed_demo(password: str | None) -> None:
    """Load the invented demo: staff of each role and a dozen clients with weeks of history
    (refused in production; run again, it only sets the demo passwords again)."""
    import logging

    from companion.runtime import settings
    from companion.services.demo import load_demo

    if current_app.config["COMPANION_ENV"] == "production":
        raise click.ClickException(
            "seed-demo is refused in production mode: the demo is invented data for "
            "development and trials only"
        )
    password = password or secrets.token_urlsafe(9)
    # Weeks of invented history: the summary says what was loaded, not a log line per alert.
    logging.getLogger("companion").setLevel(logging.WARNING)
    loaded = load_demo(db.session, password, now(), settings().tick())
    if loaded.already:
        click.echo("The demo is already loaded: nothing added; the demo passwords were set again.")
    else:
        click.echo(f"Loaded the demo: {loaded.clients} clients with weeks of history.")
    click.echo(f"Demo staff logins (password: {password}):")
    for role, email in loaded.logins:
        click.echo(f"  {role:9} {email}")


@click.command("worker")
@click.option("--interval", type=int, default=None, help="Seconds between ticks.")
def worker_command(interval: int | None) -> None:
    """Run the scheduler: tick on an interval until SIGTERM."""
    from companion.worker import run_worker

    run_worker(current_app._get_current_object(), interval)  # type: ignore[attr-defined]


@click.command("tick")
@click.option("--at", "at", default=None, help="The instant to run for (ISO-8601 with offset).")
def tick_command(at: str | None) -> None:
    """Run one pass for an instant (default now) and print a one-line summary."""
    click.echo(tick(parse_instant(at) if at else now()).line())


@click.command("erase-client")
@click.argument("client_id", type=int)
@click.option("--reason", required=True, help="Why (e.g. the court order's reference).")
@click.option("--by", "by", required=True, help="Email of the administrator who asks.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_client_command(client_id: int, reason: str, by: str, yes: bool) -> None:
    """Erase one client's texts, replies, name and number at once (a legal request)."""
    from companion.services.retention import erase_client

    if not reason.strip():
        raise click.ClickException("give the reason for the erasure (--reason)")
    admin = db.session.scalars(
        select(StaffUser).where(StaffUser.email == by.strip().lower())
    ).first()
    if admin is None or admin.role != Role.ADMIN or not admin.is_active_account:
        raise click.ClickException(f"{by} is not an active administrator")
    client = db.session.get(Client, client_id)
    if client is None:
        raise click.ClickException(f"there is no client #{client_id}")
    if client.erased_at is not None:
        raise click.ClickException(f"client #{client_id} was already erased")
    if not yes:
        click.confirm(
            f"Erase every text and reply of client #{client_id}, their name and number? "
            "This cannot be undone",
            abort=True,
        )
    erased = erase_client(db.session, client, reason, admin, now())
    click.echo(
        f"erased client #{client_id}: {erased.messages} message(s), {erased.answers} answer(s)"
    )


# -- the development clock ---------------------------------------------------------------------


@click.group("clock")
def clock_group() -> None:
    """The development clock, shared by the web app, webhooks, simulator and worker."""


def _movable() -> None:
    if current_app.config["COMPANION_ENV"] == "production":
        raise click.ClickException(
            "the development clock is refused in production: only the wall clock exists"
        )


def _show() -> None:
    current = now()
    line = f"now: {current.isoformat(timespec='seconds')}"
    if current_app.config["COMPANION_ENV"] == "production":
        click.echo(f"{line} (production: the wall clock)")
        return
    offset = read_offset(db.session)
    if not offset:
        click.echo(f"{line} (the wall clock)")
    else:
        way = "ahead of" if offset > timedelta() else "behind"
        click.echo(f"{line} ({_words(abs(offset))} {way} the wall clock)")


def _words(delta: timedelta) -> str:
    days, rest = delta.days, int(delta.seconds)
    hours, minutes = rest // 3600, rest % 3600 // 60
    parts = (
        [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{minutes}m"] * bool(minutes)
    )
    return " ".join(parts) or "under a minute"


@clock_group.command("show")
def clock_show() -> None:
    """Print the time every process sees now."""
    _show()


@clock_group.command("set")
@click.argument("at")
def clock_set(at: str) -> None:
    """Move the clock to AT (ISO-8601 with offset, e.g. 2026-12-14T08:00:00-08:00); it runs on."""
    _movable()
    app_clock(current_app).set(parse_instant(at))  # type: ignore[attr-defined]
    db.session.commit()
    _show()


@clock_group.command("advance")
@click.argument("by")
def clock_advance(by: str) -> None:
    """Move the clock forward BY (1d, 3h, 90m, 1w2d)."""
    _movable()
    try:
        delta = parse_duration(by)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    app_clock(current_app).advance(delta)  # type: ignore[attr-defined]
    db.session.commit()
    _show()


@clock_group.command("reset")
def clock_reset() -> None:
    """Back to the wall clock."""
    _movable()
    app_clock(current_app).reset()  # type: ignore[attr-defined]
    db.session.commit()
    _show()


# -- the caseload simulation -------------------------------------------------------------------


@click.command("simulate")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option("--clients", type=click.IntRange(1, 800), default=200, show_default=True)
@click.option(
    "--answer-rate",
    type=click.FloatRange(0, 1),
    default=0.75,
    show_default=True,
    help="Chance that a check-in question gets an answer.",
)
@click.option(
    "--late-rate",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="Chance that an answer comes after its check-in closed.",
)
@click.option(
    "--edit-rate",
    type=click.FloatRange(0, 1),
    default=0.02,
    show_default=True,
    help="Chance per client and day that staff change the risk level or move an appointment.",
)
@click.option(
    "--provider-ack-rate",
    type=click.FloatRange(0, 1),
    default=0.9,
    show_default=True,
    help="Chance that a provider acknowledges a routine alert within hours (else it climbs).",
)
@click.option(
    "--risk-mix", default=None, help="Weights of the risk levels, e.g. I=1,II=3,III=3,IVa=2,IVb=1."
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--step",
    "step_minutes",
    type=click.IntRange(1, 60),
    default=10,
    show_default=True,
    help="Minutes of simulated time between worker passes.",
)
@click.option(
    "--start", default=None, help="First day (YYYY-MM-DD); default today on the development clock."
)
@click.option(
    "--database",
    default=None,
    help="An empty database to simulate in (default: a throwaway SQLite file).",
)
def simulate_command(  # noqa: PLR0913 - one option each
    days: int,
    clients: int,
    answer_rate: float,
    late_rate: float,
    edit_rate: float,
    provider_ack_rate: float,
    risk_mix: str | None,
    seed: int,
    step_minutes: int,
    start: str | None,
    database: str | None,
) -> None:
    """Live DAYS days of a synthetic caseload through the real planning, dispatch and
    webhook paths, and print per day the texts, answers, alerts and invariant violations
    (refused in production; exits 1 if an invariant is violated)."""
    import logging
    import tempfile

    from sqlalchemy import create_engine, event, func
    from sqlalchemy.orm import Session

    from companion.models.base import Base
    from companion.runtime import settings
    from companion.services.simulation import REPORT_ZONE, Options, lines, simulate

    if current_app.config["COMPANION_ENV"] == "production":
        raise click.ClickException(
            "simulate is refused in production: it is for development and testing only"
        )
    # Not read from the clock when given: the app's own database need not exist then.
    first = _start_day(start) if start else now().astimezone(REPORT_ZONE).date()
    options = Options(
        start=first,
        days=days,
        clients=clients,
        answer_rate=answer_rate,
        late_rate=late_rate,
        edit_rate=edit_rate,
        provider_ack_rate=provider_ack_rate,
        seed=seed,
        step=timedelta(minutes=step_minutes),
        **({"risk_mix": _risk_mix(risk_mix)} if risk_mix else {}),
    )
    # Thousands of texts and alerts: the table says what happened, not a log line each.
    logging.getLogger("companion").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="companion-simulate-") as folder:
        # Never the app's database: a throwaway one unless another empty one is named.
        engine = create_engine(database or f"sqlite:///{folder}/simulate.db")
        if database is None:
            # A throwaway file: nothing to keep safe from a crash, so no waiting on the disk.
            @event.listens_for(engine, "connect")
            def _unsynced(connection: Any, _record: Any) -> None:
                connection.execute("PRAGMA synchronous=OFF")
                connection.execute("PRAGMA journal_mode=MEMORY")

        try:
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                if session.scalar(select(func.count()).select_from(Client)):
                    raise click.ClickException(
                        "that database already holds clients: simulate only into an empty one"
                    )
                report = simulate(
                    session, settings().tick(), options, current_app.config["DEFAULT_REGION"]
                )
        finally:
            engine.dispose()
    for line in lines(report):
        click.echo(line)
    if report.violated:
        raise SystemExit(1)


def _start_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date such as 2026-12-14") from None


def _risk_mix(value: str) -> dict[RiskLevel, float]:
    """``I=1,II=3,...`` as weights by risk level."""
    mix: dict[RiskLevel, float] = {}
    try:
        for part in value.split(","):
            name, _, weight = part.partition("=")
            mix[RiskLevel(name.strip())] = float(weight)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give weights such as I=1,II=3,III=3,IVa=2,IVb=1"
        ) from None
    if not any(w > 0 for w in mix.values()) or any(w < 0 for w in mix.values()):
        raise click.BadParameter("the weights must be positive")
    return mix


@click.command("understand")
def understand_command() -> None:
    """Read JSON lines on stdin, one reading per line on stdout (no database needed).

    In: {"text": "...", "lang": "es", "expects": null | {"type": "rating", "min": 0, "max": 10}}.
    Out: {"keyword", "answer", "appointment", "signals", "urgent", "needs_human"},
    or {"error": "..."} for a line that cannot be read; the next line is read anyway.
    """
    import json
    import sys

    from companion.services.understanding import Expects, read

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            text = item.get("text")
            if not isinstance(text, str):
                raise ValueError("text must be a string")
            lang = item.get("lang")
            expects = Expects.from_json(item.get("expects"))
            out = read(text, lang if isinstance(lang, str) else "", expects).as_json()
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            out = {"error": str(error)}
        click.echo(json.dumps(out, ensure_ascii=False))
