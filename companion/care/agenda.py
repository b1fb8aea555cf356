"""What to send a client, and when: pure planning over a time window.

``plan_window`` turns a client's schedule into check-ins and plan reminders
for the instants in [start, end). Local times are resolved day by day in the
client's zone (so 10:00 stays 10:00 across DST changes), then moved out of
quiet hours. Appointment notices are planned when an appointment is saved
(``plan_notices``), since appointments change at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from companion.care.cadence import Cadence
from companion.care.local_time import local_date, local_instant, next_allowed, window_close
from companion.care.topics import EVENING_TIME

CHECKIN_WINDOW = timedelta(hours=6)
CHECKIN_REMINDER_AFTER = timedelta(hours=3)
PLAN_REMINDER_TIME = time(12, 30)
DAY_BEFORE_NOTICE_TIME = time(10, 0)
# How far ahead the outbox is filled, and when to top it up again.
HORIZON = timedelta(hours=24)


@dataclass(frozen=True)
class ClientSchedule:
    """Everything the planner needs to know about one client."""

    client_id: int
    zone: ZoneInfo
    window_start: time
    window_end: time
    cadence: Cadence
    topics: tuple[str, ...]
    checkin_times: tuple[time, ...]
    has_plan_lines: bool = True


@dataclass(frozen=True)
class PlannedCheckIn:
    topic: str
    due_at: datetime
    closes_at: datetime
    reminder_at: datetime | None


@dataclass(frozen=True)
class PlannedText:
    kind: str
    dedupe_key: str
    send_after: datetime
    expires_at: datetime | None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    check_ins: list[PlannedCheckIn] = field(default_factory=list)
    texts: list[PlannedText] = field(default_factory=list)


def parse_times(values: list[str] | tuple[str, ...]) -> tuple[time, ...]:
    """ "HH:MM" strings as sorted times; bad entries are ignored."""
    out = set()
    for value in values:
        try:
            out.add(time.fromisoformat(value))
        except (TypeError, ValueError):
            continue
    return tuple(sorted(out))


def plan_until(now: datetime, zone: ZoneInfo) -> datetime:
    """Where to plan up to: the local midnight after now + 24 h (whole local days)."""
    last_day = local_date(now + HORIZON, zone)
    return local_instant(last_day + timedelta(days=1), time(0, 0), zone)


def needs_planning(planned_until: datetime | None, now: datetime) -> bool:
    return planned_until is None or planned_until < now + HORIZON


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    first, last = local_date(start, zone), local_date(end, zone)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _checkin_window(s: ClientSchedule, due: datetime) -> tuple[datetime, datetime | None]:
    closes = min(due + CHECKIN_WINDOW, window_close(due, s.zone, s.window_end))
    if closes <= due:  # asked right at the end of the window: give it the full 6 hours
        closes = due + CHECKIN_WINDOW
    gap = closes - due
    reminder = due + min(CHECKIN_REMINDER_AFTER, gap / 2)
    return closes, reminder if reminder < closes else None


def plan_window(s: ClientSchedule, start: datetime, end: datetime) -> Plan:
    """Check-ins and plan reminders whose local moment falls in [start, end)."""
    plan = Plan()
    times = list(s.checkin_times)
    if s.cadence.evening_checkin:
        times = sorted(set(times) | {time.fromisoformat(EVENING_TIME)})
    for day in _days(start, end, s.zone):
        weekday = day.weekday()
        if s.topics and weekday in s.cadence.checkin_days:
            for slot, at in enumerate(times):
                moment = local_instant(day, at, s.zone)
                if not start <= moment < end:
                    continue
                due = next_allowed(moment, s.zone, s.window_start, s.window_end)
                # Rotate topics through the week's slots, continuing week to week:
                # deterministic, so re-planning a day picks the same topic.
                days = sorted(s.cadence.checkin_days)
                week = (day.toordinal() - 1) // 7  # ordinal 1 was a Monday
                index = (week * len(days) + days.index(weekday)) * len(times) + slot
                topic = s.topics[index % len(s.topics)]
                closes, reminder = _checkin_window(s, due)
                plan.check_ins.append(PlannedCheckIn(topic, due, closes, reminder))
        if s.has_plan_lines and weekday in s.cadence.reminder_days:
            if s.cadence.reminder_biweekly and day.isocalendar().week % 2:
                continue
            moment = local_instant(day, PLAN_REMINDER_TIME, s.zone)
            if start <= moment < end:
                send = next_allowed(moment, s.zone, s.window_start, s.window_end)
                plan.texts.append(
                    PlannedText(
                        kind="plan_reminder",
                        dedupe_key=f"plan:{s.client_id}:{day.isoformat()}",
                        send_after=send,
                        expires_at=window_close(send, s.zone, s.window_end),
                    )
                )
    return plan


@dataclass(frozen=True)
class AppointmentSlot:
    id: int
    starts_at: datetime


def announces(starts_at: datetime) -> str:
    """How a text records the appointment time it tells (ISO, UTC): a notice is one
    purpose per appointment, kind and time, whatever re-plans it."""
    return starts_at.astimezone(UTC).isoformat()


def plan_notices(
    s: ClientSchedule, appointment: AppointmentSlot, now: datetime
) -> list[PlannedText]:
    """The notices an appointment gets at the client's level, none of them in the past.

    - day before: 10:00 local the day before (texts the day before cut no-shows;
      two days before did not), valid until the window closes that day;
    - same day: when the window opens on the day, if the appointment is at
      least two hours later;
    - 2 hours before: if that moment is inside the texting window.
    Every notice expires when the appointment begins: never a reminder of the past.
    Its dedupe key names the appointment, the kind and the time it announces, so
    planning the same appointment again finds a notice already sent or queued.
    """
    start = appointment.starts_at
    day = local_date(start, s.zone)
    key = f"appt:{appointment.id}:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    params = {"appointment_id": appointment.id, "starts_at": announces(start)}
    planned: list[PlannedText] = []
    if "day_before" in s.cadence.notices:
        moment = local_instant(day - timedelta(days=1), DAY_BEFORE_NOTICE_TIME, s.zone)
        send = next_allowed(max(moment, now), s.zone, s.window_start, s.window_end)
        expires = min(local_instant(day - timedelta(days=1), s.window_end, s.zone), start)
        if send < expires:
            planned.append(
                PlannedText("appt_day_before", f"{key}:day_before", send, expires, params)
            )
    if "same_day" in s.cadence.notices:
        opening = local_instant(day, s.window_start, s.zone)
        if start - opening >= timedelta(hours=2):
            send = max(opening, now)
            if send < start:
                planned.append(PlannedText("appt_same_day", f"{key}:same_day", send, start, params))
    if "2h_before" in s.cadence.notices:
        moment = start - timedelta(hours=2)
        if moment >= now and next_allowed(moment, s.zone, s.window_start, s.window_end) == moment:
            planned.append(PlannedText("appt_2h", f"{key}:2h", moment, start, params))
    return planned
