"""Local time done right: DST gaps and folds, and the client's texting window.

Everything here takes instants and zones as parameters; nothing reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on ``day`` in ``zone``.

    A time that does not exist (the hour skipped when clocks go forward) moves
    forward by the size of the gap (02:30 becomes 03:30); a time that happens
    twice (the hour repeated when clocks go back) is the first one.
    """
    # fold=0 means exactly that (PEP 495): the earlier of a repeated time, and
    # for a skipped time the offset from before the change, which lands as far
    # past the gap as the time was into it.
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def _exists(local: datetime) -> bool:
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def is_skipped(day: date, at: time, zone: ZoneInfo) -> bool:
    """True when ``at`` on ``day`` never happens in ``zone`` (a DST gap)."""
    return not _exists(datetime.combine(day, at).replace(tzinfo=zone))


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def within_window(instant: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    """True when ``instant`` falls inside the daily texting window [start, end)."""
    local = instant.astimezone(zone).time().replace(tzinfo=None)
    return start <= local < end


def next_allowed(instant: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """``instant`` if it is inside the texting window, else the window's next opening."""
    if within_window(instant, zone, start, end):
        return instant
    day = local_date(instant, zone)
    opening_today = local_instant(day, start, zone)
    if instant < opening_today:
        return opening_today
    return local_instant(day + timedelta(days=1), start, zone)


def window_close(instant: datetime, zone: ZoneInfo, end: time) -> datetime:
    """The instant the texting window closes on ``instant``'s local day."""
    return local_instant(local_date(instant, zone), end, zone)
