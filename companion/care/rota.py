"""The on-call rota as plain values: who a weekly shift covers, and where nobody is on call.

Shifts are weekly and in the team's local time: a weekday (0 Monday .. 6 Sunday), a start
and an end; an end at or before the start runs past midnight into the next day. Times
here are naive local wall-clock times; the caller turns instants into them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    """One weekly shift, as the rota rules see it."""

    key: int  # the shift's id
    weekday: int
    starts: time
    ends: time

    def on(self, day: date) -> tuple[datetime, datetime]:
        """The shift's span when it starts on ``day`` (local, naive)."""
        begin = datetime.combine(day, self.starts)
        end = datetime.combine(day, self.ends)
        if end <= begin:  # overnight, or a whole day when start == end
            end += DAY
        return begin, end


def covering(slots: Iterable[Slot], at: datetime) -> list[Slot]:
    """The shifts that cover the local instant ``at`` (the earliest-starting first)."""
    found: list[tuple[datetime, int, Slot]] = []
    for slot in slots:
        for day in (at.date() - DAY, at.date()):
            if day.weekday() != slot.weekday:
                continue
            begin, end = slot.on(day)
            if begin <= at < end:
                found.append((begin, slot.key, slot))
    return [slot for _begin, _key, slot in sorted(found, key=lambda f: (f[0], f[1]))]


def gaps(slots: Sequence[Slot], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The spans between ``start`` and ``end`` (local) that no shift covers, in order."""
    spans: list[tuple[datetime, datetime]] = []
    day = start.date() - DAY
    while day <= end.date():
        for slot in slots:
            if slot.weekday == day.weekday():
                spans.append(slot.on(day))
        day += DAY
    spans.sort()
    holes: list[tuple[datetime, datetime]] = []
    cursor = start
    for begin, finish in spans:
        if finish <= cursor:
            continue
        if begin > cursor:
            holes.append((cursor, min(begin, end)))
        cursor = max(cursor, finish)
        if cursor >= end:
            break
    if cursor < end:
        holes.append((cursor, end))
    return [(a, b) for a, b in holes if a < b]
