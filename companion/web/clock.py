"""The web layer's clock.

Nothing below ``web/`` reads the wall clock: a view reads it here, once per
request, and passes the instant down. Tests replace ``now`` to put every page
at a fixed moment (``monkeypatch.setattr(clock, "now", ...)``).
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)
