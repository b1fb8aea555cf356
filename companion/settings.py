"""Configuration: one ``Settings`` object read from the environment (and an optional ``.env``).

(About 500 lines because every setting, its rule and its use sit together, in one place.)

``create_app`` reads it once (``Settings.from_env``), keeps it on the app
(``app.extensions["companion.settings"]``, ``settings_of(app)``) and fills
``app.config`` with the keys Flask, its extensions and the views read
(``Settings.flask_config``). Services never read the app: the web, CLI and worker
layers pass them what they need (``dispatch()``, ``mail()``, ``escalation()``).

Names follow DESIGN.md's contract. ``COMPANION_ENV`` is ``production`` unless set
otherwise: an operator who forgets it gets the strict checks, not a demo. A bad or
missing value raises ``ConfigError`` with one line naming the variable and what it
expects; ``create_app`` prints it and exits with status 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

if TYPE_CHECKING:
    from companion.messaging.dispatch import DispatchSettings
    from companion.messaging.mail import MailSettings
    from companion.services.escalations import EscalationSettings
    from companion.services.retention import RetentionSettings
    from companion.services.risk import RiskSettings
    from companion.services.tick import TickSettings

__all__ = ["ConfigError", "Settings", "SETTINGS_KEY", "database_url", "settings_of"]

SETTINGS_KEY = "companion.settings"
MODES = ("production", "development", "testing")
TRANSPORTS = ("console", "twilio")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - only ever used outside production


class ConfigError(RuntimeError):
    """The environment cannot run Companion; the message says what to set."""


def database_url(raw: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL: the given one with the psycopg 3 driver, or SQLite in ``instance/``."""
    if not raw:
        return "sqlite:///" + str(Path(instance_path) / "companion.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


# Where ``Settings()`` reads its variables: the process environment unless
# ``Settings.from_env`` names a mapping (the environment plus create_app's overrides).
_SOURCE: ContextVar[Mapping[str, Any] | None] = ContextVar("companion_settings_env", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping instead of os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        env = _SOURCE.get()
        return dict(os.environ if env is None else env)


# Fields read as whole numbers, with their minimum.
_INTS = {
    "proxy_count": 0,
    "dispatch_concurrency": 1,
    "dispatch_batch_size": 1,
    "send_max_attempts": 1,
    "send_retry_base_seconds": 1,
    "sending_lease_seconds": 30,
    "daily_text_cap_low": 1,
    "daily_text_cap_moderate": 1,
    "daily_text_cap_high": 1,
    "mail_port": 1,
    "worker_interval_seconds": 1,
    "heartbeat_stale_seconds": 10,
    "session_lifetime_minutes": 5,
    "session_idle_minutes": 1,
    "sign_in_max_failures": 1,
    "sign_in_lock_minutes": 1,
    "sign_in_account_failures": 1,
    "web_concurrency": 1,
    "max_request_kb": 16,
    "webhook_max_kb": 4,
    "retention_days": 30,
    "discharge_retention_days": 7,
    "oncall_ack_minutes": 1,
    "missed_days_provider_i": 1,
    "missed_days_provider_ii": 1,
    "missed_days_provider_iii": 1,
    "missed_days_provider_iva": 1,
    "missed_days_provider_ivb": 1,
    "missed_days_officer": 1,
    "acute_stale_days": 1,
    "plan_review_days": 7,
}
_FLOATS = ("twilio_timeout_seconds", "mail_timeout_seconds")
_FLAGS = ("hold_unreviewed_languages", "mail_use_tls")


class Settings(BaseSettings):
    """Every setting Companion reads, each from the environment variable of its name in capitals."""

    model_config = SettingsConfigDict(
        alias_generator=str.upper,
        populate_by_name=True,
        case_sensitive=True,
        extra="ignore",
        frozen=True,
    )

    companion_env: Literal["production", "development", "testing"] = "production"
    secret_key: str = ""
    database_url: str = ""
    sms_transport: Literal["console", "twilio"] = "console"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_from_number: str = ""
    twilio_api_base_url: str = ""
    twilio_timeout_seconds: float = 10.0
    public_base_url: str = ""
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    proxy_count: int = Field(0, ge=0)
    # What clients see: a neutral sender, never the program's purpose.
    program_name: str = "Companion"
    care_team_name: str = ""
    care_team_phone: str = ""
    default_region: str = "US"
    # Send English instead of a language no qualified translator has reviewed
    # yet (translations/review.json); the client page says so.
    hold_unreviewed_languages: bool = False
    # In production a drafted language is sent only once an admin approved it (the
    # admin's Languages page); meanwhile its clients get this language instead.
    language_fallback: str = "en"
    # Dispatcher.
    dispatch_concurrency: int = Field(8, ge=1)
    dispatch_batch_size: int = Field(200, ge=1)
    send_max_attempts: int = Field(5, ge=1)
    send_retry_base_seconds: int = Field(30, ge=1)
    sending_lease_seconds: int = Field(300, ge=30)
    # Send-time gates (messaging/gates.py): most texts per client per local day, by
    # risk level (I–II low, III moderate, IVa–IVb high); direct answers never count.
    daily_text_cap_low: int = Field(4, ge=1)
    daily_text_cap_moderate: int = Field(6, ge=1)
    daily_text_cap_high: int = Field(8, ge=1)
    # Escalations: when "one business day" runs (urgent escalations ignore it).
    business_timezone: str = "America/Los_Angeles"
    business_hours: str = "09:00-17:00"
    business_days: str = "mon-fri"
    holidays: str = ""
    # The on-call clinician (services/oncall.py): minutes to acknowledge a reply that needs
    # a clinician now before the shift's backup is told (day or night).
    oncall_ack_minutes: int = Field(15, ge=1)
    # Missed contact in DAYS (DOMAIN.md "Escalation ladder"; services/missed.py): client-local
    # days in a row with a missed check-in and no answer that alert the provider, per level
    # (2, and 1 at IVb), and that raise it to the officer (3) whatever the provider did.
    missed_days_provider_i: int = Field(2, ge=1)
    missed_days_provider_ii: int = Field(2, ge=1)
    missed_days_provider_iii: int = Field(2, ge=1)
    missed_days_provider_iva: int = Field(2, ge=1)
    missed_days_provider_ivb: int = Field(1, ge=1)
    missed_days_officer: int = Field(3, ge=1)
    # Dynamic risk (services/risk.py): an ACUTE-2007 older than this is stale and the
    # provider gets a task to re-score it (ACUTE is meant to be re-scored at each
    # supervision contact, at least monthly); the plan is reviewed every PLAN_REVIEW_DAYS.
    acute_stale_days: int = Field(30, ge=1)
    plan_review_days: int = Field(90, ge=7)
    # Alert email (SMTP). Without MAIL_SERVER alerts go by SMS only.
    mail_server: str = ""
    mail_port: int = Field(25, ge=1)
    mail_use_tls: bool = False
    mail_username: str = ""
    mail_password: str = ""
    mail_default_sender: str = "companion@localhost"
    mail_timeout_seconds: float = 10.0
    # Worker.
    worker_interval_seconds: int = Field(30, ge=1)
    heartbeat_stale_seconds: int = Field(300, ge=10)
    # Sessions and sign-in protection (web/auth/): failed sign-ins from one address are
    # rate-limited (SIGN_IN_RATE_LIMIT, counted in RATELIMIT_STORAGE_URI: Redis, shared by
    # every gunicorn worker, in production; see ``rate_limit_storage``), and one address
    # failing on one email waits growing delays after SIGN_IN_MAX_FAILURES free tries, up to
    # SIGN_IN_LOCK_MINUTES (services/accounts.py; SIGN_IN_ACCOUNT_FAILURES ends the free tries).
    # A session ends SESSION_LIFETIME_MINUTES after sign-in whatever happens, and after
    # SESSION_IDLE_MINUTES without a request (services/staff_sessions.py, checked on the server).
    session_lifetime_minutes: int = Field(480, ge=5)
    session_idle_minutes: int = Field(30, ge=1)
    wtf_csrf_enabled: bool = True
    ratelimit_storage_uri: str = ""
    redis_url: str = ""
    ratelimit_key_prefix: str = "companion"
    # gunicorn's worker count (the Procfile's --workers): more than one needs shared counters.
    web_concurrency: int = Field(2, ge=1)
    sign_in_rate_limit: str = "10 per minute;50 per hour"
    sign_in_max_failures: int = Field(5, ge=1)
    sign_in_lock_minutes: int = Field(15, ge=1)
    sign_in_account_failures: int = Field(20, ge=1)
    # Request bodies (MAX_CONTENT_LENGTH; web/twilio_hooks.py): a larger one is answered 413
    # from its Content-Length, before a byte is read. Staff pages take MAX_REQUEST_KB, Twilio's
    # webhooks WEBHOOK_MAX_KB (a text is at most 1,600 characters); the CSV import has its
    # own, larger limit (web/imports/views.py).
    max_request_kb: int = Field(1024, ge=16)
    webhook_max_kb: int = Field(64, ge=4)
    # Retention (services/retention.py): the words of texts and check-in answers are erased
    # RETENTION_DAYS after they were written (what was sent when, statuses and answers'
    # values stay), and a discharged client's DISCHARGE_RETENTION_DAYS after discharge (at
    # least a week, so that a discharge by mistake can be undone before anything is lost).
    retention_days: int = Field(365, ge=30)
    discharge_retention_days: int = Field(90, ge=7)

    # -- reading --------------------------------------------------------------------------

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_sources):  # type: ignore[override]
        # Keyword arguments, then the environment (or the mapping given to from_env).
        # ``.env`` is loaded into the environment by create_app (python-dotenv), as before.
        return (init_settings, _MappingEnvSource(settings_cls))

    @classmethod
    def from_env(cls, env: Mapping[str, Any] | None = None) -> Settings:
        """Read and check the settings; raise ConfigError naming the first thing wrong."""
        token = _SOURCE.set(os.environ if env is None else env)
        try:
            return cls()
        except ValidationError as exc:
            raise ConfigError(_one_line(exc)) from None
        finally:
            _SOURCE.reset(token)

    # -- the rules (same as the hand-written parser they replace) ---------------------------

    @field_validator("companion_env", "sms_transport", mode="before")
    @classmethod
    def _choice(cls, raw: Any, info: ValidationInfo) -> Any:
        default = "production" if info.field_name == "companion_env" else "console"
        value = str(raw).strip().lower() or default
        if info.field_name == "companion_env" and value not in MODES:
            raise ValueError(f"COMPANION_ENV must be one of {', '.join(MODES)}, got {value!r}")
        if info.field_name == "sms_transport" and value not in TRANSPORTS:
            raise ValueError(f"SMS_TRANSPORT must be console or twilio, got {value!r}")
        return value

    @field_validator("language_fallback", mode="before")
    @classmethod
    def _fallback_language(cls, raw: Any) -> Any:
        from companion.messaging.i18n import shipped_languages

        value = str(raw or "").strip() or "en"
        if value not in shipped_languages():
            shipped = ", ".join(shipped_languages())
            raise ValueError(f"LANGUAGE_FALLBACK must be one of {shipped}, got {value!r}")
        return value

    @field_validator(*_INTS, mode="before")
    @classmethod
    def _whole_number(cls, raw: Any, info: ValidationInfo) -> Any:
        if raw in (None, ""):
            return cls.model_fields[info.field_name].default
        if isinstance(raw, int):
            return raw
        try:
            return int(raw)
        except ValueError:
            name = info.field_name.upper()
            raise ValueError(f"{name} must be a whole number, got {raw!r}") from None

    @field_validator(*_FLOATS, mode="before")
    @classmethod
    def _number(cls, raw: Any, info: ValidationInfo) -> Any:
        if raw in (None, ""):
            return cls.model_fields[info.field_name].default
        try:
            return float(raw)
        except ValueError:
            name = info.field_name.upper()
            raise ValueError(f"{name} must be a number, got {raw!r}") from None

    @field_validator(*_FLAGS, mode="before")
    @classmethod
    def _flag(cls, raw: Any) -> bool:
        """An on/off setting: 1, true, yes or on turn it on; anything else is off."""
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in ("1", "true", "yes", "on")

    @field_validator("wtf_csrf_enabled", mode="before")
    @classmethod
    def _csrf(cls, raw: Any) -> bool:
        return raw if isinstance(raw, bool) else str(raw) != "0"

    @field_validator("twilio_api_base_url", "public_base_url", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("mail_default_sender", "ratelimit_key_prefix", mode="before")
    @classmethod
    def _or_default(cls, raw: Any, info: ValidationInfo) -> Any:
        value = str(raw).strip() if info.field_name == "ratelimit_key_prefix" else raw
        return value or cls.model_fields[info.field_name].default

    @field_validator("ratelimit_storage_uri", "redis_url", mode="before")
    @classmethod
    def _stripped(cls, raw: Any) -> str:
        return str(raw or "").strip()

    @field_validator("business_timezone", mode="before")
    @classmethod
    def _timezone(cls, raw: Any) -> str:
        value = str(raw).strip() or "America/Los_Angeles"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "BUSINESS_TIMEZONE must be an IANA timezone such as America/Los_Angeles"
            ) from None
        return value

    @field_validator("business_hours", mode="before")
    @classmethod
    def _hours(cls, raw: Any) -> str:
        raw = raw or "09:00-17:00"
        try:
            opens, closes = (part.strip() for part in raw.split("-"))
            if time.fromisoformat(opens) >= time.fromisoformat(closes):
                raise ValueError
        except ValueError:
            raise ValueError(f"BUSINESS_HOURS must look like 09:00-17:00, got {raw!r}") from None
        return f"{opens}-{closes}"

    @field_validator("business_days", mode="before")
    @classmethod
    def _days(cls, raw: Any) -> str:
        raw = raw or "mon-fri"
        _weekdays(raw)
        return raw

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, raw: Any) -> str:
        _dates(raw)
        return raw

    @field_validator("sign_in_rate_limit", mode="before")
    @classmethod
    def _rate_limit(cls, raw: Any) -> str:
        """A limit such as "10 per minute;50 per hour" (the ``limits`` notation)."""
        from limits import parse_many

        value = str(raw).strip() or "10 per minute;50 per hour"
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"SIGN_IN_RATE_LIMIT must look like '10 per minute;50 per hour', got {value!r}"
            ) from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> Settings:
        if self.production and not self.secret_key:
            raise ValueError(
                "SECRET_KEY is not set (set it, or COMPANION_ENV=development for a local try-out)"
            )
        if self.sms_transport == "twilio":
            missing = [
                name
                for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")
                if not getattr(self, name.lower())
            ]
            if not (self.twilio_messaging_service_sid or self.twilio_from_number):
                missing.append("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
            if missing:
                raise ValueError("SMS_TRANSPORT=twilio needs " + ", ".join(missing))
        if (
            self.production
            and self.rate_limit_storage.startswith("memory://")
            and self.web_concurrency > 1
        ):
            raise ValueError(
                "RATELIMIT_STORAGE_URI=memory:// counts sign-in failures in each of the "
                f"{self.web_concurrency} workers apart (WEB_CONCURRENCY): set it (or REDIS_URL) "
                "to redis://..., or leave it unset for redis://127.0.0.1:6379/0"
            )
        return self

    # -- what the settings mean ---------------------------------------------------------------

    @property
    def production(self) -> bool:
        return self.companion_env == "production"

    @property
    def testing(self) -> bool:
        return self.companion_env == "testing"

    @property
    def rate_limit_storage(self) -> str:
        """Where sign-in rate-limit counters live: RATELIMIT_STORAGE_URI, else REDIS_URL, else
        the local Redis in production (every worker must see the same counts) and this
        process's memory elsewhere. Redis unreachable at run time: each worker counts in
        memory meanwhile and logs a warning (web/auth/throttle.py)."""
        if self.ratelimit_storage_uri or self.redis_url:
            return self.ratelimit_storage_uri or self.redis_url
        return "redis://127.0.0.1:6379/0" if self.production else "memory://"

    @property
    def secret(self) -> str:
        return self.secret_key or DEV_SECRET_KEY

    @property
    def opening_hours(self) -> tuple[time, time]:
        opens, closes = self.business_hours.split("-")
        return time.fromisoformat(opens), time.fromisoformat(closes)

    @property
    def working_days(self) -> list[int]:
        return _weekdays(self.business_days)

    @property
    def holiday_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in _dates(self.holidays)]

    # -- what each part of the code is given: built here, and only here ----------------------

    def dispatch(self, concurrency: int | None = None) -> DispatchSettings:
        """The dispatcher's settings (``concurrency`` narrows the pool for a few rows)."""
        from companion.messaging.dispatch import DispatchSettings
        from companion.messaging.gates import DailyCaps

        return DispatchSettings(
            concurrency=self.dispatch_concurrency if concurrency is None else concurrency,
            batch_size=self.dispatch_batch_size,
            max_attempts=self.send_max_attempts,
            retry_base_seconds=self.send_retry_base_seconds,
            lease_seconds=self.sending_lease_seconds,
            public_base_url=self.public_base_url,
            program_name=self.program_name,
            care_team_name=self.care_team_name,
            care_team_phone=self.care_team_phone,
            region=self.default_region,
            hold_unreviewed_languages=self.hold_unreviewed_languages,
            require_language_approval=self.production,
            language_fallback=self.language_fallback,
            daily_caps=DailyCaps(
                low=self.daily_text_cap_low,
                moderate=self.daily_text_cap_moderate,
                high=self.daily_text_cap_high,
            ),
        )

    def mail(self) -> MailSettings | None:
        """Alert email over SMTP; None without MAIL_SERVER (alerts then go by SMS only)."""
        from companion.messaging.mail import MailSettings

        if not self.mail_server:
            return None
        return MailSettings(
            server=self.mail_server,
            port=self.mail_port,
            use_tls=self.mail_use_tls,
            username=self.mail_username,
            password=self.mail_password,
            sender=self.mail_default_sender,
            timeout=self.mail_timeout_seconds,
        )

    def escalation(self) -> EscalationSettings:
        """The escalation ladder's business calendar, alert links and whether email is on."""
        from companion.care.ladder import BusinessCalendar, MissedDays
        from companion.services.escalations import EscalationSettings

        opens, closes = self.opening_hours
        calendar = BusinessCalendar(
            zone=ZoneInfo(self.business_timezone),
            opens=opens,
            closes=closes,
            days=frozenset(self.working_days),
            holidays=frozenset(self.holiday_dates),
        )
        missed = MissedDays(
            provider=(
                ("I", self.missed_days_provider_i),
                ("II", self.missed_days_provider_ii),
                ("III", self.missed_days_provider_iii),
                ("IVa", self.missed_days_provider_iva),
                ("IVb", self.missed_days_provider_ivb),
            ),
            officer=self.missed_days_officer,
        )
        return EscalationSettings(
            calendar,
            self.public_base_url,
            bool(self.mail_server),
            on_call_ack=timedelta(minutes=self.oncall_ack_minutes),
            missed_days=missed,
        )

    def risk(self) -> RiskSettings:
        """When an ACUTE-2007 goes stale and how often the plan is reviewed."""
        from companion.services.risk import RiskSettings

        return RiskSettings(self.acute_stale_days, self.plan_review_days)

    def tick(self) -> TickSettings:
        """Everything one pass of ``services.tick.tick`` needs."""
        from companion.services.tick import TickSettings

        return TickSettings(
            dispatch=self.dispatch(),
            escalation=self.escalation(),
            mail=self.mail(),
            retention=self.retention(),
            risk=self.risk(),
        )

    def retention(self) -> RetentionSettings:
        """How long the words of texts and answers are kept (services/retention.py)."""
        from companion.services.retention import RetentionSettings

        return RetentionSettings(
            retention_days=self.retention_days,
            discharge_retention_days=self.discharge_retention_days,
        )

    def flask_config(self, instance_path: str = "instance") -> dict[str, Any]:
        """The keys Flask, its extensions and the views read from ``app.config``."""
        opens, closes = self.business_hours.split("-")
        return {
            "COMPANION_ENV": self.companion_env,
            "TESTING": self.testing,
            "SECRET_KEY": self.secret,
            "SQLALCHEMY_DATABASE_URI": database_url(self.database_url, instance_path),
            # hide_parameters: a database error never carries a phone number or a body.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
            "SMS_TRANSPORT": self.sms_transport,
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_MESSAGING_SERVICE_SID": self.twilio_messaging_service_sid,
            "TWILIO_FROM_NUMBER": self.twilio_from_number,
            "TWILIO_API_BASE_URL": self.twilio_api_base_url,
            "TWILIO_TIMEOUT_SECONDS": self.twilio_timeout_seconds,
            "PUBLIC_BASE_URL": self.public_base_url,
            "PROXY_COUNT": self.proxy_count,
            "PROGRAM_NAME": self.program_name,
            "CARE_TEAM_NAME": self.care_team_name,
            "CARE_TEAM_PHONE": self.care_team_phone,
            "DEFAULT_REGION": self.default_region,
            "HOLD_UNREVIEWED_LANGUAGES": self.hold_unreviewed_languages,
            "DISPATCH_CONCURRENCY": self.dispatch_concurrency,
            "DISPATCH_BATCH_SIZE": self.dispatch_batch_size,
            "SEND_MAX_ATTEMPTS": self.send_max_attempts,
            "SEND_RETRY_BASE_SECONDS": self.send_retry_base_seconds,
            "SENDING_LEASE_SECONDS": self.sending_lease_seconds,
            "DAILY_TEXT_CAP_LOW": self.daily_text_cap_low,
            "DAILY_TEXT_CAP_MODERATE": self.daily_text_cap_moderate,
            "DAILY_TEXT_CAP_HIGH": self.daily_text_cap_high,
            "BUSINESS_TIMEZONE": self.business_timezone,
            "BUSINESS_HOURS": (opens, closes),
            "BUSINESS_DAYS": self.working_days,
            "HOLIDAYS": _dates(self.holidays),
            "MAIL_SERVER": self.mail_server,
            "MAIL_PORT": self.mail_port,
            "MAIL_USE_TLS": self.mail_use_tls,
            "MAIL_USERNAME": self.mail_username,
            "MAIL_PASSWORD": self.mail_password,
            "MAIL_DEFAULT_SENDER": self.mail_default_sender,
            "MAIL_TIMEOUT_SECONDS": self.mail_timeout_seconds,
            "WORKER_INTERVAL_SECONDS": self.worker_interval_seconds,
            "HEARTBEAT_STALE_SECONDS": self.heartbeat_stale_seconds,
            # Sessions: secure cookies unless explicitly serving plain http locally.
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.production,
            "REMEMBER_COOKIE_SECURE": self.production,
            # Strict-Transport-Security (web/headers.py): production is served over https only.
            "HSTS": self.production,
            "PERMANENT_SESSION_LIFETIME": self.session_lifetime_minutes * 60,
            "SESSION_LIFETIME_MINUTES": self.session_lifetime_minutes,
            "SESSION_IDLE_MINUTES": self.session_idle_minutes,
            "WTF_CSRF_ENABLED": self.wtf_csrf_enabled,
            "RATELIMIT_STORAGE_URI": self.rate_limit_storage,
            "RATELIMIT_KEY_PREFIX": self.ratelimit_key_prefix,
            "SIGN_IN_RATE_LIMIT": self.sign_in_rate_limit,
            "SIGN_IN_MAX_FAILURES": self.sign_in_max_failures,
            "SIGN_IN_LOCK_MINUTES": self.sign_in_lock_minutes,
            "SIGN_IN_ACCOUNT_FAILURES": self.sign_in_account_failures,
            "MAX_CONTENT_LENGTH": self.max_request_kb * 1024,
            "WEBHOOK_MAX_BYTES": self.webhook_max_kb * 1024,
            "RETENTION_DAYS": self.retention_days,
            "DISCHARGE_RETENTION_DAYS": self.discharge_retention_days,
        }


def _weekdays(raw: str) -> list[int]:
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
        raise ValueError(f"BUSINESS_DAYS must look like mon-fri, got {raw!r}") from None
    if not days:
        raise ValueError("BUSINESS_DAYS names no day")
    return sorted(days)


def _dates(raw: str) -> list[str]:
    found = []
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        try:
            found.append(date.fromisoformat(part).isoformat())
        except ValueError:
            raise ValueError(
                f"HOLIDAYS must be dates like 2026-12-25, separated by commas; got {part!r}"
            ) from None
    return found


def _one_line(exc: ValidationError) -> str:
    """The first problem, as one line that names the variable."""
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    ctx = error.get("ctx") or {}
    if error["type"] == "value_error":
        return str(ctx.get("error", error["msg"]))
    if error["type"] == "greater_than_equal":
        return f"{name} must be at least {ctx['ge']}, got {error['input']}"
    return f"{name}: {error['msg']}" if name else error["msg"]


def settings_of(app: Any) -> Settings:
    """The settings an app was built with (``create_app``)."""
    return app.extensions[SETTINGS_KEY]
