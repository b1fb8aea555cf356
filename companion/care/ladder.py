"""The escalation ladder (DOMAIN.md): who is told, when, and when it climbs.

Plain decisions over plain values: what a run of missed check-ins means,
which rung an escalation starts on, and when an unacknowledged one climbs to
the next rung. Business hours and holidays come in as a ``BusinessCalendar``;
``now`` is always a parameter.

The ladder: a missed check-in nudges the client at the next one; consecutive
misses (2, or 1 at IVb, per the cadence) alert the provider; no provider
acknowledgement within one business day, three consecutive misses, or a
missed treatment session or polygraph exam raises it to the supervising
officer; still unacknowledged, to the officer's backup. Urgent escalations
(acute replies) ignore business hours and climb within the hour.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from companion.care.labels import W_
from companion.care.local_time import local_instant


class Reason(enum.StrEnum):
    """Why an escalation was raised. Staff-facing only: never put into a client's text."""

    MISSED_CHECKINS = "missed_checkins"
    MISSED_APPOINTMENT = "missed_appointment"
    CANT_REACH = "cant_reach"
    SELF_HARM = "self_harm"
    HIGH_URGE = "high_urge"
    VICTIM_ACCESS = "victim_access"
    THREAT = "threat"
    LIFE_EVENT = "life_event"  # before issue 14: now one of the three below
    # Issue 14's risk categories (messaging.understanding.Signal), one reason each.
    CHILD_SEXUAL_THOUGHTS = "child_sexual_thoughts"
    CSAM = "csam"
    MINOR_ACCESS = "minor_access"
    VICTIM_CONTACT = "victim_contact"
    WEAPON = "weapon"
    SUBSTANCE = "substance"
    HOUSING_WORK = "housing_work"
    LEAVING_AREA = "leaving_area"


class Rung(enum.StrEnum):
    PROVIDER = "provider"
    OFFICER = "officer"
    BACKUP_OFFICER = "backup_officer"


LADDER = (Rung.PROVIDER, Rung.OFFICER, Rung.BACKUP_OFFICER)
# Three consecutive misses go to the officer whatever the provider did (the
# default; a client's cadence may set another number, with the reason logged).
OFFICER_AFTER_MISSES = 3
URGENT_CLIMB = timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    """How one reason starts and climbs."""

    first: Rung
    urgent: bool
    # Told at once besides the first rung (e.g. victim access: provider and officer).
    also: tuple[Rung, ...] = ()
    label: str = ""


RULES: dict[Reason, Rule] = {
    Reason.SELF_HARM: Rule(Rung.PROVIDER, True, label=W_("Self-harm or hopelessness")),
    Reason.VICTIM_ACCESS: Rule(
        Rung.PROVIDER,
        True,
        also=(Rung.OFFICER,),
        label=W_("Possible victim access or avoid-condition"),
    ),
    Reason.THREAT: Rule(Rung.PROVIDER, True, label=W_("Threat to a person")),
    Reason.HIGH_URGE: Rule(Rung.PROVIDER, True, label=W_("High urge or 'might act'")),
    Reason.LIFE_EVENT: Rule(Rung.PROVIDER, False, label=W_("Lost housing or job, or relapse")),
    # Issue 14 (DOMAIN.md "Replies that need a person now"): clinician now; clinician
    # and officer at once for supervision matters; the provider the same day.
    Reason.CHILD_SEXUAL_THOUGHTS: Rule(
        Rung.PROVIDER, True, label=W_("Sexual thoughts involving children")
    ),
    Reason.CSAM: Rule(Rung.PROVIDER, True, label=W_("Viewing child sexual abuse material")),
    Reason.MINOR_ACCESS: Rule(
        Rung.PROVIDER, True, also=(Rung.OFFICER,), label=W_("Access to minors")
    ),
    Reason.VICTIM_CONTACT: Rule(
        Rung.PROVIDER, True, also=(Rung.OFFICER,), label=W_("Contact with a victim")
    ),
    Reason.WEAPON: Rule(Rung.PROVIDER, True, also=(Rung.OFFICER,), label=W_("Weapons")),
    Reason.SUBSTANCE: Rule(Rung.PROVIDER, False, label=W_("Relapse on alcohol or drugs")),
    Reason.HOUSING_WORK: Rule(Rung.PROVIDER, False, label=W_("Losing housing or work")),
    Reason.LEAVING_AREA: Rule(Rung.PROVIDER, False, label=W_("Leaving the area or missing")),
    Reason.MISSED_CHECKINS: Rule(Rung.PROVIDER, False, label=W_("Missed check-ins")),
    Reason.CANT_REACH: Rule(Rung.PROVIDER, False, label=W_("Can't reach the client's phone")),
    Reason.MISSED_APPOINTMENT: Rule(
        Rung.OFFICER, False, also=(Rung.PROVIDER,), label=W_("Missed session or polygraph")
    ),
}


def consecutive_misses(statuses_newest_first: Iterable[str]) -> int:
    """How many check-ins in a row were missed, counting back from the newest.

    Withdrawn check-ins (opted out, paused, never delivered) are neither a
    miss nor an answer: they are skipped. An answer ends the run.
    """
    count = 0
    for status in statuses_newest_first:
        if status == "missed":
            count += 1
        elif status == "answered":
            break
    return count


@dataclass(frozen=True)
class MissDecision:
    nudge: bool  # the next question says we missed them, kindly
    open_at: Rung | None  # open (or raise to) an escalation at this rung


def after_misses(
    misses: int, escalate_after: int, officer_after: int = OFFICER_AFTER_MISSES
) -> MissDecision:
    """What a run of ``misses`` consecutive missed check-ins calls for.

    ``escalate_after`` misses alert the provider; ``officer_after`` go
    straight to the officer (both from the client's cadence).
    """
    if misses <= 0:
        return MissDecision(False, None)
    if misses >= officer_after:
        return MissDecision(True, Rung.OFFICER)
    if misses >= escalate_after:
        return MissDecision(True, Rung.PROVIDER)
    return MissDecision(True, None)


def next_rung(current: Rung) -> Rung | None:
    index = LADDER.index(current)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


@dataclass(frozen=True)
class BusinessCalendar:
    """The agency's working hours, in its own timezone, and its holidays."""

    zone: ZoneInfo
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday..Friday
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _day_length(self) -> timedelta:
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def add_business_day(self, start: datetime) -> datetime:
        """The instant one business day of working time after ``start``.

        Working time outside business hours does not count: an alert at
        16:00 on a Friday falls due at 16:00 on Monday (or Tuesday after a
        Monday holiday); one at 20:00 on a Wednesday, at 17:00 on Thursday.
        """
        remaining = self._day_length()
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        while True:
            if self.is_business_day(day):
                opens = local_instant(day, self.opens, self.zone)
                closes = local_instant(day, self.closes, self.zone)
                begin = max(opens, cursor)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            cursor = local_instant(day, time(0, 0), self.zone)


def climbs_at(
    rule: Rule, since: datetime, calendar: BusinessCalendar, business_days: int = 1
) -> datetime:
    """When an escalation on its current rung climbs if nobody acknowledges it.

    Urgent ones climb within the hour, whatever the day; others after
    ``business_days`` of working time (one by default; per client cadence).
    """
    if rule.urgent:
        return since + URGENT_CLIMB
    due = since
    for _ in range(max(1, business_days)):
        due = calendar.add_business_day(due)
    return due
