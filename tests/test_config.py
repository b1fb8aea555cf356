"""Configuration: production refuses to start without what it needs, in one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from companion.settings import ConfigError, Settings, database_url

ROOT = Path(__file__).resolve().parents[1]


def load_config(env):
    """The app.config a Settings read from ``env`` gives (what create_app stores)."""
    return Settings.from_env(env).flask_config("instance")


def test_production_without_secret_key_is_refused():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config({"COMPANION_ENV": "production"})


def test_production_is_the_default_mode():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({})


def test_development_runs_without_a_secret_key():
    config = load_config({"COMPANION_ENV": "development"})
    assert config["SECRET_KEY"]
    assert config["SMS_TRANSPORT"] == "console"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_production_cookies_are_secure():
    config = load_config({"SECRET_KEY": "s" * 32})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True


def test_twilio_without_credentials_names_every_missing_setting():
    with pytest.raises(ConfigError) as excinfo:
        load_config({"SECRET_KEY": "x", "SMS_TRANSPORT": "twilio", "TWILIO_ACCOUNT_SID": "AC1"})
    message = str(excinfo.value)
    assert "TWILIO_AUTH_TOKEN" in message
    assert "PUBLIC_BASE_URL" in message
    assert "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER" in message
    assert "TWILIO_ACCOUNT_SID" not in message


def test_twilio_with_a_messaging_service_is_enough():
    config = load_config(
        {
            "SECRET_KEY": "x",
            "SMS_TRANSPORT": "twilio",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_MESSAGING_SERVICE_SID": "MG1",
            "PUBLIC_BASE_URL": "https://companion.example.org/",
        }
    )
    assert config["PUBLIC_BASE_URL"] == "https://companion.example.org"


@pytest.mark.parametrize(
    "env,match",
    [
        ({"COMPANION_ENV": "staging"}, "COMPANION_ENV"),
        ({"COMPANION_ENV": "development", "SMS_TRANSPORT": "pigeon"}, "SMS_TRANSPORT"),
        ({"COMPANION_ENV": "development", "DISPATCH_CONCURRENCY": "many"}, "whole number"),
        ({"COMPANION_ENV": "development", "DISPATCH_CONCURRENCY": "0"}, "at least 1"),
    ],
)
def test_bad_values_are_named(env, match):
    with pytest.raises(ConfigError, match=match):
        load_config(env)


def test_database_url_defaults_to_sqlite_and_uses_psycopg3_for_postgres():
    assert database_url(None, "/srv/instance") == "sqlite:////srv/instance/companion.sqlite3"
    assert database_url("postgres://u@h/db", ".") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", ".") == "postgresql+psycopg://u@h/db"


@pytest.mark.slow
def test_the_command_line_stops_with_one_line_saying_what_is_missing(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "COMPANION_ENV": "production", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "companion", "tick"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "companion: configuration error: SECRET_KEY is not set "
        "(set it, or COMPANION_ENV=development for a local try-out)"
    ]


def test_behind_a_proxy_the_forwarded_client_address_is_trusted_only_when_configured():
    from flask import request

    from companion import create_app
    from companion.web.access import public

    seen = {}
    for hops in ("0", "1"):
        app = create_app({"COMPANION_ENV": "testing", "DATABASE_URL": "sqlite://",
                          "PROXY_COUNT": hops})  # fmt: skip

        @app.get("/whoami")
        @public  # every view says who may open it (web/access.py)
        def whoami() -> str:
            return request.remote_addr or ""

        seen[hops] = app.test_client().get(
            "/whoami", headers={"X-Forwarded-For": "203.0.113.7"}
        ).get_data(as_text=True)
    assert seen == {"0": "127.0.0.1", "1": "203.0.113.7"}
