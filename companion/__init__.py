"""Companion: between-session SMS for clients in court-mandated treatment.

``create_app`` is the application factory (``flask --app companion ...``,
``gunicorn 'companion:create_app()'``). Importing the package loads nothing else:
the web stack (Flask and its extensions) is imported when an app is built, so
``import companion.care.cadence`` needs neither Flask nor Redis.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from companion.clock import Clock

__all__ = ["create_app"]

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(overrides: Mapping[str, str] | None = None, clock: Clock | None = None) -> Flask:
    """Build the app from the environment; ``overrides`` (same names) win over it.

    The settings are read once, here (``companion.settings.Settings``), kept on the
    app (``settings_of(app)``) and copied into ``app.config`` for Flask, its
    extensions and the views.

    ``clock`` is what every request, webhook and worker pass reads as now: by
    default the wall clock in production, the stored development clock elsewhere
    (see companion/clock.py); tests pass a ``FrozenClock``.

    A configuration that cannot run (production without SECRET_KEY, Twilio
    without credentials) stops here with one line saying what is missing.
    """
    from dotenv import load_dotenv
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from companion.clock import CLOCK_KEY, StoredClock, WallClock
    from companion.extensions import csrf, db, login_manager, migrate
    from companion.settings import SETTINGS_KEY, ConfigError, Settings

    if (overrides or {}).get("COMPANION_ENV") != "testing":
        load_dotenv(override=False)  # tests must not pick up a developer's .env
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    os.makedirs(app.instance_path, exist_ok=True)
    env = {**os.environ, **(overrides or {})}
    try:
        settings = Settings.from_env(env)
    except ConfigError as exc:
        sys.stderr.write(f"companion: configuration error: {exc}\n")
        raise SystemExit(2) from None
    app.extensions[SETTINGS_KEY] = settings
    app.config.update(settings.flask_config(app.instance_path))

    _configure_logging()
    if settings.proxy_count:
        # Behind a reverse proxy: the client's address (sign-in rate limits, audit) and
        # https come from the proxy's X-Forwarded-* headers, trusting that many hops only.
        hops = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    db.init_app(app)
    if clock is None:
        clock = WallClock() if settings.production else StoredClock(lambda: db.session)
    app.extensions[CLOCK_KEY] = clock
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from companion import cli, models  # noqa: F401 - models register with the metadata
    from companion.web import register_web

    register_web(app)
    cli.register(app)
    return app


def _configure_logging() -> None:
    # Log lines name ids and counts only: never a phone number or a message body. Under
    # that, companion/logs.py masks numbers and drops bodies and SQL parameters in every
    # record (tracebacks included), whoever logs it.
    from companion import logs

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=os.environ.get("LOG_LEVEL", "INFO").upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    logging.getLogger("twilio").setLevel(logging.WARNING)  # it logs numbers and bodies
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per run otherwise
    logs.install()
