"""Configuration from the environment (and an optional ``.env``).

Names follow DESIGN.md's contract. ``COMPANION_ENV`` is ``production`` unless
set otherwise: an operator who forgets it gets the strict checks, not a demo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """The environment cannot run Companion; the message says what to set."""


MODES = ("production", "development", "testing")
TRANSPORTS = ("console", "twilio")
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - only ever used outside production


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _business_hours(raw: str) -> tuple[str, str]:
    """ "09:00-17:00" -> ("09:00", "17:00")."""
    from datetime import time

    try:
        opens, closes = (part.strip() for part in raw.split("-"))
        if time.fromisoformat(opens) >= time.fromisoformat(closes):
            raise ValueError
    except ValueError:
        raise ConfigError(f"BUSINESS_HOURS must look like 09:00-17:00, got {raw!r}") from None
    return opens, closes


def _business_days(raw: str) -> list[int]:
    """ "mon-fri" or "mon,tue,thu" -> weekday numbers."""
    days: set[int] = set()
    try:
        for part in raw.lower().replace(" ", "").split(","):
            if "-" in part:
                first, last = (WEEKDAYS.index(p[:3]) for p in part.split("-"))
                days.update(range(first, last + 1))
            elif part:
                days.add(WEEKDAYS.index(part[:3]))
    except ValueError:
        raise ConfigError(f"BUSINESS_DAYS must look like mon-fri, got {raw!r}") from None
    if not days:
        raise ConfigError("BUSINESS_DAYS names no day")
    return sorted(days)


def _holidays(raw: str) -> list[str]:
    from datetime import date

    found = []
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        try:
            found.append(date.fromisoformat(part).isoformat())
        except ValueError:
            raise ConfigError(
                f"HOLIDAYS must be dates like 2026-12-25, separated by commas; got {part!r}"
            ) from None
    return found


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env.get(name, "").strip() or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} must be an IANA timezone such as America/Los_Angeles") from None
    return value


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A limit such as "10 per minute;50 per hour" (the ``limits`` notation)."""
    from limits import parse_many

    value = env.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(
            f"{name} must look like '10 per minute;50 per hour', got {value!r}"
        ) from None
    return value


def database_url(raw: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL: the given one with the psycopg 3 driver, or SQLite in ``instance/``."""
    if not raw:
        return "sqlite:///" + str(Path(instance_path) / "companion.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _flag(env: Mapping[str, str], name: str) -> bool:
    """An on/off setting: 1, true, yes or on turn it on; unset is off."""
    return env.get(name, "0").strip().lower() in ("1", "true", "yes", "on")


def load_config(
    env: Mapping[str, str] | None = None, instance_path: str = "instance"
) -> dict[str, Any]:
    """Read and check the configuration; raise ConfigError naming what is missing."""
    env = os.environ if env is None else env
    mode = env.get("COMPANION_ENV", "production").strip().lower() or "production"
    if mode not in MODES:
        raise ConfigError(f"COMPANION_ENV must be one of {', '.join(MODES)}, got {mode!r}")
    production = mode == "production"

    secret = env.get("SECRET_KEY", "")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set (set it, or COMPANION_ENV=development for a local try-out)"
            )
        secret = DEV_SECRET_KEY

    transport = env.get("SMS_TRANSPORT", "console").strip().lower() or "console"
    if transport not in TRANSPORTS:
        raise ConfigError(f"SMS_TRANSPORT must be console or twilio, got {transport!r}")

    public_base = env.get("PUBLIC_BASE_URL", "").rstrip("/")
    if transport == "twilio":
        missing = [
            name
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")
            if not env.get(name)
        ]
        if not (env.get("TWILIO_MESSAGING_SERVICE_SID") or env.get("TWILIO_FROM_NUMBER")):
            missing.append("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
        if missing:
            raise ConfigError("SMS_TRANSPORT=twilio needs " + ", ".join(missing))
    if production and transport == "console":
        # Allowed (a staging site may want it) but never silently.
        pass

    return {
        "COMPANION_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SMS_TRANSPORT": transport,
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "TWILIO_FROM_NUMBER": env.get("TWILIO_FROM_NUMBER", ""),
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL", "").rstrip("/"),
        "TWILIO_TIMEOUT_SECONDS": _float(env, "TWILIO_TIMEOUT_SECONDS", 10.0),
        "PUBLIC_BASE_URL": public_base,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_COUNT": _int(env, "PROXY_COUNT", 0, minimum=0),
        # What clients see: a neutral sender, never the program's purpose.
        "PROGRAM_NAME": env.get("PROGRAM_NAME", "Companion"),
        "CARE_TEAM_NAME": env.get("CARE_TEAM_NAME", ""),
        "CARE_TEAM_PHONE": env.get("CARE_TEAM_PHONE", ""),
        "DEFAULT_REGION": env.get("DEFAULT_REGION", "US"),
        # Send English instead of a language no qualified translator has reviewed
        # yet (translations/review.json); the client page says so.
        "HOLD_UNREVIEWED_LANGUAGES": _flag(env, "HOLD_UNREVIEWED_LANGUAGES"),
        # Dispatcher.
        "DISPATCH_CONCURRENCY": _int(env, "DISPATCH_CONCURRENCY", 8, minimum=1),
        "DISPATCH_BATCH_SIZE": _int(env, "DISPATCH_BATCH_SIZE", 200, minimum=1),
        "SEND_MAX_ATTEMPTS": _int(env, "SEND_MAX_ATTEMPTS", 5, minimum=1),
        "SEND_RETRY_BASE_SECONDS": _int(env, "SEND_RETRY_BASE_SECONDS", 30, minimum=1),
        "SENDING_LEASE_SECONDS": _int(env, "SENDING_LEASE_SECONDS", 300, minimum=30),
        # Escalations: when "one business day" runs (urgent escalations ignore it).
        "BUSINESS_TIMEZONE": _timezone(env, "BUSINESS_TIMEZONE", "America/Los_Angeles"),
        "BUSINESS_HOURS": _business_hours(env.get("BUSINESS_HOURS", "") or "09:00-17:00"),
        "BUSINESS_DAYS": _business_days(env.get("BUSINESS_DAYS", "") or "mon-fri"),
        "HOLIDAYS": _holidays(env.get("HOLIDAYS", "")),
        # Alert email (SMTP). Without MAIL_SERVER alerts go by SMS only.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int(env, "MAIL_PORT", 25, minimum=1),
        "MAIL_USE_TLS": _flag(env, "MAIL_USE_TLS"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "") or "companion@localhost",
        "MAIL_TIMEOUT_SECONDS": _float(env, "MAIL_TIMEOUT_SECONDS", 10.0),
        # Worker.
        "WORKER_INTERVAL_SECONDS": _int(env, "WORKER_INTERVAL_SECONDS", 30, minimum=1),
        "HEARTBEAT_STALE_SECONDS": _int(env, "HEARTBEAT_STALE_SECONDS", 300, minimum=10),
        # Sessions: secure cookies unless explicitly serving plain http locally.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_LIFETIME_MINUTES", 480, minimum=5) * 60,
        "WTF_CSRF_ENABLED": env.get("WTF_CSRF_ENABLED", "1") != "0",
        # Sign-in protection (web/auth.py). Failed sign-ins from one address are rate-limited
        # (Flask-Limiter; its counters live in RATELIMIT_STORAGE_URI: memory:// keeps them
        # per process, redis://localhost:6379 shares them between gunicorn workers), and an
        # account is locked for SIGN_IN_LOCK_MINUTES after SIGN_IN_MAX_FAILURES in a row.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://",
        "RATELIMIT_KEY_PREFIX": "companion",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis down: count in this process meanwhile rather than refuse every sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "SIGN_IN_RATE_LIMIT": _rate_limit(env, "SIGN_IN_RATE_LIMIT", "10 per minute;50 per hour"),
        "SIGN_IN_MAX_FAILURES": _int(env, "SIGN_IN_MAX_FAILURES", 5, minimum=1),
        "SIGN_IN_LOCK_MINUTES": _int(env, "SIGN_IN_LOCK_MINUTES", 15, minimum=1),
    }
