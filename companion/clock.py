"""One clock for every process: the web app, the webhooks, the simulator, the worker, the CLI.

Services and the domain never read the time: they take ``now``. The processes at the top
(a request, a worker pass, a command) read it here, once, and pass it down.

- **production**: the wall clock, and nothing can move it;
- **development** and **testing**: the wall clock moved by an offset stored in the database
  (``flask --app companion clock set|advance|reset``), so the web app, the webhooks, the
  simulator and the worker all see the same moved time;
- **the test suite**: a ``FrozenClock`` each test holds and moves itself (``tests/conftest.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.models import DevClock


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class WallClock:
    """The machine's clock: production's only one."""

    movable = False

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until it is set or advanced (tests)."""

    movable = True

    def __init__(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.at += delta

    def reset(self) -> None:
        self.at = datetime.now(UTC)


class StoredClock:
    """The wall clock plus the offset kept in the database (development and testing).

    Stored, not held in memory, so that every process — gunicorn's workers, the
    scheduler, a command run beside them — sees the same moved time.
    """

    movable = True

    def __init__(self, session: Callable[[], Session], wall: Callable[[], datetime] | None = None):
        self._session = session
        self._wall = wall or WallClock().now

    def now(self) -> datetime:
        return self._wall() + read_offset(self._session())

    # Each of these changes the stored offset; the caller commits.
    def set(self, at: datetime) -> None:
        wall = self._wall()
        store_offset(self._session(), at.astimezone(UTC) - wall, wall=wall)

    def advance(self, delta: timedelta) -> None:
        session = self._session()
        store_offset(session, read_offset(session) + delta, wall=self._wall())

    def reset(self) -> None:
        store_offset(self._session(), timedelta(), wall=self._wall())


def app_clock(app: object) -> Clock:
    """The clock a Flask app was built with (``create_app(clock=...)``)."""
    return app.extensions[CLOCK_KEY]  # type: ignore[attr-defined]


CLOCK_KEY = "companion.clock"


# -- the stored offset --------------------------------------------------------------------------


def read_offset(session: Session) -> timedelta:
    seconds = session.scalar(select(DevClock.offset_seconds).where(DevClock.id == 1))
    return timedelta(seconds=seconds or 0)


def store_offset(session: Session, offset: timedelta, *, wall: datetime) -> None:
    """Keep ``offset`` for every process (the caller commits)."""
    row = session.get(DevClock, 1)
    if row is None:
        row = DevClock(id=1)
        session.add(row)
    row.offset_seconds = offset.total_seconds()
    row.changed_at = wall


_STEP = re.compile(r"(\d+)\s*([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(value: str) -> timedelta:
    """``1d``, ``3h``, ``90m``, ``1w2d``, ``45s`` as a timedelta; ValueError otherwise."""
    text = value.strip().lower().replace(" ", "")
    if not text or _STEP.sub("", text):
        raise ValueError(f"{value!r} is not a duration such as 1d, 3h, 90m or 1d12h")
    total = timedelta()
    for amount, unit in _STEP.findall(text):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total
