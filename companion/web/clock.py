"""The web layer's clock.

A view reads the time here, once per request, and passes the instant down.
It is the clock the app was built with (companion/clock.py): the wall clock in
production, the stored development clock in development, a test's own clock
in tests.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from companion.clock import app_clock


def now() -> datetime:
    """The current instant, in UTC."""
    return app_clock(current_app).now()
