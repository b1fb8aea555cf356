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


def skipped_gap(day: date, at: time, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The local times the clocks skip around ``at`` on ``day``, as naive [start, end); else None.

    For 02:30 on 2027-03-14 in America/Los_Angeles: (02:00, 03:00), which a
    form can name ("clocks jump from 02:00 to 03:00") next to the time
    ``local_instant`` would use instead (03:30).
    """
    if not is_skipped(day, at, zone):
        return None
    naive = datetime.combine(day, at)
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None
    # The change happens between these two instants: read with the later
    # offset the time is still before it, read with the earlier one, after it.
    low = (naive - after).replace(tzinfo=UTC)
    high = (naive - before).replace(tzinfo=UTC)
    span = int((high - low).total_seconds())
    lo, hi = 0, span  # seconds after ``low``: the offset at hi is already ``after``
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if (low + timedelta(seconds=middle)).astimezone(zone).utcoffset() == before:
            lo = middle
        else:
            hi = middle
    change = low + timedelta(seconds=hi)
    return (change + before).replace(tzinfo=None), (change + after).replace(tzinfo=None)
