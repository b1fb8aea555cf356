"""The escalation ladder as plain decisions: misses, rungs, business days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.care.ladder import (
    RULES,
    BusinessCalendar,
    DayOfContact,
    Reason,
    Rung,
    after_missed_days,
    climbs_at,
    consecutive_missed_days,
    day_of_contact,
    next_rung,
)

LA = ZoneInfo("America/Los_Angeles")
CALENDAR = BusinessCalendar(LA, holidays=frozenset({date(2026, 11, 26)}))  # Thanksgiving


def la(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)


# Misses are counted in days, not check-ins (issue 15): the old check-in counting paged
# an officer about most clients a month at several check-ins a day; these replace its tests.
M, A, N = DayOfContact.MISSED, DayOfContact.ANSWERED, DayOfContact.NONE


def test_a_day_with_one_answer_is_a_day_of_contact_whatever_else_was_missed():
    assert day_of_contact(["missed", "answered", "missed"]) == A
    assert day_of_contact(["missed", "withdrawn"]) == M
    assert day_of_contact(["missed", "open"]) == DayOfContact.OPEN  # not decided yet
    assert day_of_contact(["withdrawn"]) == N


def test_days_with_nothing_asked_neither_count_nor_break_a_run():
    assert consecutive_missed_days([M, N, M, A, M]) == 2
    assert consecutive_missed_days([A, M]) == 0
    assert consecutive_missed_days([DayOfContact.OPEN, M]) == 1
    assert consecutive_missed_days([]) == 0


@pytest.mark.parametrize(
    "days, provider_after, nudge, rung",
    [
        (0, 2, False, None),
        (1, 2, True, None),  # one missed day at normal risk: a nudge, never an alert
        (2, 2, True, Rung.PROVIDER),
        (1, 1, True, Rung.PROVIDER),  # IVb: the first missed day
        (3, 2, True, Rung.OFFICER),  # three days in a row: the officer, whatever the provider did
        (5, 1, True, Rung.OFFICER),
    ],
)
def test_what_a_run_of_missed_days_calls_for(days, provider_after, nudge, rung):
    decision = after_missed_days(days, provider_after, 3)
    assert (decision.nudge, decision.open_at) == (nudge, rung)


@pytest.mark.parametrize(
    "days, rung",
    [(2, Rung.PROVIDER), (3, Rung.PROVIDER), (4, Rung.PROVIDER), (5, Rung.OFFICER)],
)
def test_a_client_can_have_the_officer_told_later(days, rung):
    # A provider set "tell the officer after 5" for this client (with a reason, logged).
    assert after_missed_days(days, 2, officer_after=5).open_at == rung


def test_a_longer_acknowledgement_window_counts_business_days():
    monday = la(2026, 11, 23, 10, 0)
    rule = RULES[Reason.MISSED_CHECKINS]
    assert climbs_at(rule, monday, CALENDAR, business_days=2) == la(2026, 11, 25, 10, 0)
    # Wednesday + 2 business days: Thanksgiving (Thursday) does not count.
    assert climbs_at(rule, la(2026, 11, 25, 10), CALENDAR, business_days=2) == la(
        2026, 11, 30, 10, 0
    )
    # Urgent ones ignore the window.
    urgent = RULES[Reason.SELF_HARM]
    assert climbs_at(urgent, monday, CALENDAR, business_days=5) == monday + timedelta(hours=1)


def test_the_ladder_ends_at_the_backup_officer():
    assert next_rung(Rung.PROVIDER) == Rung.OFFICER
    assert next_rung(Rung.OFFICER) == Rung.BACKUP_OFFICER
    assert next_rung(Rung.BACKUP_OFFICER) is None


def test_replies_that_need_a_clinician_now_climb_the_on_call_rota_not_the_officers():
    assert next_rung(Rung.ON_CALL, Reason.SELF_HARM) == Rung.ON_CALL_BACKUP
    assert all(RULES[r].first == Rung.ON_CALL for r in (Reason.SELF_HARM, Reason.HIGH_URGE))
    assert RULES[Reason.MISSED_CHECKINS].first == Rung.PROVIDER
    # Minutes on the on-call rungs, day or night.
    saturday = la(2026, 11, 28, 23, 0)
    assert climbs_at(RULES[Reason.SELF_HARM], saturday, CALENDAR, rung=Rung.ON_CALL,
                     on_call_ack=timedelta(minutes=15)) == saturday + timedelta(minutes=15)


def test_acute_reasons_are_urgent_and_victim_access_tells_the_officer_at_once():
    assert all(RULES[r].urgent for r in (Reason.SELF_HARM, Reason.HIGH_URGE, Reason.THREAT))
    assert Rung.OFFICER in RULES[Reason.VICTIM_ACCESS].also
    assert RULES[Reason.MISSED_APPOINTMENT].first == Rung.OFFICER
    assert not RULES[Reason.MISSED_CHECKINS].urgent


@pytest.mark.parametrize(
    "start, due",
    [
        (la(2026, 11, 23, 10, 0), la(2026, 11, 24, 10, 0)),  # Monday morning: Tuesday morning
        (la(2026, 11, 23, 20, 0), la(2026, 11, 24, 17, 0)),  # evening: the whole next day
        (la(2026, 11, 23, 6, 0), la(2026, 11, 23, 17, 0)),  # before opening: that day
        (la(2026, 11, 25, 16, 0), la(2026, 11, 27, 16, 0)),  # over Thanksgiving
        (la(2026, 11, 27, 16, 0), la(2026, 11, 30, 16, 0)),  # Friday: Monday
        (la(2026, 11, 28, 12, 0), la(2026, 11, 30, 17, 0)),  # Saturday: Monday's close
    ],
)
def test_one_business_day_skips_nights_weekends_and_holidays(start, due):
    assert CALENDAR.add_business_day(start) == due


def test_a_business_day_spanning_the_dst_change_is_counted_in_local_hours():
    # Friday 30 October 15:00 PDT -> Monday 2 November 15:00 PST (clocks went back Sunday).
    assert CALENDAR.add_business_day(la(2026, 10, 30, 15)) == la(2026, 11, 2, 15)


def test_urgent_escalations_climb_within_the_hour_whatever_the_day():
    saturday_night = la(2026, 11, 28, 23, 30)
    assert climbs_at(RULES[Reason.SELF_HARM], saturday_night, CALENDAR) == saturday_night + (
        timedelta(hours=1)
    )
    assert climbs_at(RULES[Reason.MISSED_CHECKINS], saturday_night, CALENDAR) == la(
        2026, 11, 30, 17, 0
    )
