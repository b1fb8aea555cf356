"""The escalation ladder (DOMAIN.md): who is told, when, and when it climbs.

Plain decisions over plain values: what a run of missed check-ins means,
which rung an escalation starts on, and when an unacknowledged one climbs to
the next rung. Business hours and holidays come in as a ``BusinessCalendar``;
``now`` is always a parameter.

The ladder: a missed check-in nudges the client at the next one; missed contact is
counted in client-local calendar DAYS, never in check-ins: consecutive days with a
missed check-in and no answer (2, or 1 at IVb, in settings) alert the provider; no
provider acknowledgement within one business day, three such days, or a missed
treatment session or polygraph exam raises it to the supervising officer; still
unacknowledged, to the officer's backup. Replies that need a clinician now go to the
on-call clinician at once, then the shift's backup after minutes, and to the officer
only where the release covers clinical risk.
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
    # The clinician on call (services/oncall.py: the weekly rota) and that shift's backup.
    ON_CALL = "on_call"
    ON_CALL_BACKUP = "on_call_backup"


LADDER = (Rung.PROVIDER, Rung.OFFICER, Rung.BACKUP_OFFICER)
# Replies that need a clinician now (DOMAIN.md) go to the on-call clinician, then the
# shift's backup; the officer comes last and only where the release covers clinical risk
# (the release decides: services/escalations.py ``_officer_may_hear``; the ladder only
# says where it would go).
CLINICIAN_LADDER = (Rung.ON_CALL, Rung.ON_CALL_BACKUP, Rung.OFFICER)
# Three consecutive days with a missed check-in go to the officer whatever the provider
# did (the default, MISSED_DAYS_OFFICER in settings; a client's override may set another).
OFFICER_AFTER_DAYS = 3
URGENT_CLIMB = timedelta(hours=1)
# The on-call clinician's window to acknowledge before the backup is told (the default of
# ONCALL_ACK_MINUTES in settings).
ONCALL_ACK = timedelta(minutes=15)


@dataclass(frozen=True)
class Rule:
    """How one reason starts and climbs."""

    first: Rung
    urgent: bool
    # Told at once besides the first rung (e.g. victim access: provider and officer).
    also: tuple[Rung, ...] = ()
    label: str = ""


RULES: dict[Reason, Rule] = {
    Reason.SELF_HARM: Rule(Rung.ON_CALL, True, label=W_("Self-harm or hopelessness")),
    Reason.VICTIM_ACCESS: Rule(
        Rung.ON_CALL,
        True,
        also=(Rung.OFFICER,),  # a supervision matter: the officer at once too
        label=W_("Possible victim access or avoid-condition"),
    ),
    Reason.THREAT: Rule(Rung.ON_CALL, True, label=W_("Threat to a person")),
    Reason.HIGH_URGE: Rule(Rung.ON_CALL, True, label=W_("High urge or 'might act'")),
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


class DayOfContact(enum.StrEnum):
    """What one client-local calendar day was, for missed contact."""

    ANSWERED = "answered"  # the client answered at least one check-in that day
    MISSED = "missed"  # asked, and answered none
    NONE = "none"  # nothing asked (or only withdrawn check-ins): neither a miss nor an answer
    OPEN = "open"  # a check-in of the day is still open: not decided yet


def day_of_contact(statuses: Iterable[str]) -> DayOfContact:
    """One day from its check-ins' statuses.

    A day with one answer is a day of contact, however many other check-ins it had:
    at several check-ins a day and a normal ~75% answer rate, most days have a miss,
    and counting those would page someone about nearly every client.
    """
    seen = set(statuses)
    if "answered" in seen:
        return DayOfContact.ANSWERED
    if "open" in seen:
        return DayOfContact.OPEN
    if "missed" in seen:
        return DayOfContact.MISSED
    return DayOfContact.NONE


def consecutive_missed_days(days_newest_first: Iterable[DayOfContact]) -> int:
    """How many days in a row had a missed check-in and no answer, counting back.

    Days with nothing asked (a weekly client's other days, a pause) are skipped,
    neither ending nor extending the run; a day still open is not decided yet and
    is skipped too; a day with an answer ends the run.
    """
    count = 0
    for day in days_newest_first:
        if day == DayOfContact.MISSED:
            count += 1
        elif day == DayOfContact.ANSWERED:
            break
    return count


def day_by_day(
    check_ins: Iterable[tuple[date, str]],
) -> list[DayOfContact]:
    """Group (local day, status) pairs into days, newest first."""
    by_day: dict[date, list[str]] = {}
    for day, status in check_ins:
        by_day.setdefault(day, []).append(status)
    return [day_of_contact(by_day[d]) for d in sorted(by_day, reverse=True)]


@dataclass(frozen=True)
class MissDecision:
    nudge: bool  # the next question says we missed them, kindly
    open_at: Rung | None  # open (or raise to) an escalation at this rung


def after_missed_days(days: int, provider_after: int, officer_after: int) -> MissDecision:
    """What ``days`` consecutive days with a missed check-in call for.

    ``provider_after`` days alert the provider; ``officer_after`` raise it to the
    officer (per risk level in settings, or the client's override). The provider
    always hears first: the caller opens the alert on the provider's rung before
    raising it (services/missed.py).
    """
    if days <= 0:
        return MissDecision(False, None)
    if days >= max(officer_after, provider_after):
        return MissDecision(True, Rung.OFFICER)
    if days >= provider_after:
        return MissDecision(True, Rung.PROVIDER)
    return MissDecision(True, None)


@dataclass(frozen=True)
class MissedDays:
    """Missed contact in days (settings MISSED_DAYS_*; DOMAIN.md "Escalation ladder").

    ``provider``: consecutive days with a missed check-in (and no answer) that alert the
    provider, per Static-99R level of the schedule in force; ``officer``: the days that
    raise it to the officer whatever the provider did.
    """

    provider: tuple[tuple[str, int], ...] = (
        ("I", 2), ("II", 2), ("III", 2), ("IVa", 2), ("IVb", 1),
    )  # fmt: skip
    officer: int = OFFICER_AFTER_DAYS

    def provider_after(self, level: str) -> int:
        return dict(self.provider).get(level, 2)


def ladder_for(reason: str) -> tuple[Rung, ...]:
    """The rungs an alert for ``reason`` climbs, in order."""
    return CLINICIAN_LADDER if RULES[Reason(reason)].first == Rung.ON_CALL else LADDER


def rung_index(reason: str, rung: Rung) -> int:
    ladder = ladder_for(reason)
    return ladder.index(rung) if rung in ladder else -1


def next_rung(current: Rung, reason: str | None = None) -> Rung | None:
    """The rung after ``current`` on ``reason``'s ladder (the supervision ladder by default)."""
    ladder = ladder_for(reason) if reason is not None else LADDER
    if current not in ladder:  # e.g. the officer told "also" on a clinician's alert
        ladder = LADDER if current in LADDER else CLINICIAN_LADDER
    index = ladder.index(current)
    return ladder[index + 1] if index + 1 < len(ladder) else None


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
    rule: Rule,
    since: datetime,
    calendar: BusinessCalendar,
    business_days: int = 1,
    *,
    rung: Rung | None = None,
    on_call_ack: timedelta = ONCALL_ACK,
) -> datetime:
    """When an escalation on its current rung climbs if nobody acknowledges it.

    On the on-call clinician's rungs, after ``on_call_ack`` (minutes, day or night);
    other urgent ones within the hour, whatever the day; others after
    ``business_days`` of working time (one by default; per client cadence).
    """
    if rung in (Rung.ON_CALL, Rung.ON_CALL_BACKUP):
        return since + on_call_ack
    if rule.urgent:
        return since + URGENT_CLIMB
    due = since
    for _ in range(max(1, business_days)):
        due = calendar.add_business_day(due)
    return due
