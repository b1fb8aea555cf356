"""The care domain: cadence by risk, local time and DST, planning, plan lines."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.care import agenda
from companion.care.cadence import DEFAULTS, apply_overrides, derive_level, effective_cadence
from companion.care.local_time import is_skipped, local_instant, next_allowed, skipped_gap
from companion.care.plan import (
    PARTS,
    TEXTED_FIELDS,
    discretion_errors,
    indiscreet_word,
    next_line,
    normalise,
    reminder_lines,
)

LA = ZoneInfo("America/Los_Angeles")


def la(y, m, d, hh, mm=0):
    return local_instant(date(y, m, d), time(hh, mm), LA)


# -- cadence -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "level,checkins_per_week,evening,notices,misses",
    [
        ("I", 1, False, ("day_before",), 2),
        ("II", 1, False, ("day_before",), 2),
        ("III", 3, False, ("day_before", "same_day"), 2),
        ("IVa", 7, False, ("day_before", "same_day"), 2),
        ("IVb", 7, True, ("day_before", "same_day", "2h_before"), 1),
    ],
)
def test_domain_defaults(level, checkins_per_week, evening, notices, misses):
    cadence = DEFAULTS[level]
    assert len(cadence.checkin_days) == checkins_per_week
    assert cadence.evening_checkin == evening
    assert cadence.notices == notices
    assert cadence.escalate_after_misses == misses


def test_reminders_every_two_weeks_at_low_risk_and_twice_a_week_at_ivb():
    assert DEFAULTS["II"].reminder_biweekly and len(DEFAULTS["II"].reminder_days) == 1
    assert not DEFAULTS["III"].reminder_biweekly
    assert len(DEFAULTS["IVb"].reminder_days) == 2


def test_acute_moderate_and_recent_release_move_one_level_up():
    today = date(2026, 11, 23)
    assert derive_level("II", today=today, acute_level="moderate").level == "III"
    recent = derive_level("III", today=today, release_date=today - timedelta(days=30))
    assert recent.level == "IVa" and "release" in recent.reasons[0]
    assert derive_level("III", today=today, release_date=today - timedelta(days=91)).level == "III"
    # Both modifiers still mean one level, not two.
    both = derive_level("II", today=today, acute_level="moderate", release_date=today)
    assert both.level == "III" and len(both.reasons) == 2
    assert derive_level("IVb", today=today, acute_level="moderate").level == "IVb"


def test_acute_high_means_daily_and_a_provider_review():
    derived = derive_level("I", today=date(2026, 11, 23), acute_level="high")
    assert derived.level == "IVa" and derived.provider_review
    assert len(effective_cadence(derived, {}).checkin_days) == 7


def test_overrides_can_lower_intensity():
    cadence = apply_overrides(DEFAULTS["IVa"], {"checkin_days": [0, 3], "notices": ["day_before"]})
    assert cadence.checkin_days == (0, 3)
    assert cadence.notices == ("day_before",)
    assert apply_overrides(DEFAULTS["IVa"], {"checkin_days": None}) == DEFAULTS["IVa"]


# -- clock -------------------------------------------------------------------------


def test_local_times_survive_dst():
    before = la(2026, 10, 31, 10)  # PDT, UTC-7
    after = la(2026, 11, 2, 10)  # PST, UTC-8
    assert before.hour == 17 and after.hour == 18
    assert before.astimezone(LA).hour == after.astimezone(LA).hour == 10


def test_skipped_hour_moves_forward_and_repeated_hour_takes_the_first():
    assert is_skipped(date(2027, 3, 14), time(2, 30), LA)
    assert la(2027, 3, 14, 2, 30).astimezone(LA).time() == time(3, 30)
    first = la(2026, 11, 1, 1, 30)
    assert first.astimezone(LA).utcoffset() == timedelta(hours=-7)


def test_quiet_hours_move_a_text_to_the_next_opening():
    start, end = time(8), time(21)
    assert next_allowed(la(2026, 11, 23, 22), LA, start, end) == la(2026, 11, 24, 8)
    assert next_allowed(la(2026, 11, 23, 6), LA, start, end) == la(2026, 11, 23, 8)
    assert next_allowed(la(2026, 11, 23, 12), LA, start, end) == la(2026, 11, 23, 12)


# -- planning ----------------------------------------------------------------------


def schedule(level="IVa", topics=("stress", "connected"), times=(time(10),), **kw):
    return agenda.ClientSchedule(
        client_id=7,
        zone=LA,
        window_start=time(8),
        window_end=time(21),
        cadence=DEFAULTS[level],
        topics=topics,
        checkin_times=times,
        **kw,
    )


def test_daily_check_ins_at_ten_local_across_the_fall_back():
    plan = agenda.plan_window(schedule(), la(2026, 10, 30, 0), la(2026, 11, 4, 0))
    local = [c.due_at.astimezone(LA) for c in plan.check_ins]
    assert [d.day for d in local] == [30, 31, 1, 2, 3]
    assert {d.time() for d in local} == {time(10)}
    # Window: six hours, or until 21:00 if sooner; a reminder three hours in.
    first = plan.check_ins[0]
    assert first.closes_at - first.due_at == timedelta(hours=6)
    assert first.reminder_at - first.due_at == timedelta(hours=3)


def test_evening_check_in_window_ends_at_nine():
    plan = agenda.plan_window(schedule("IVb"), la(2026, 11, 23, 0), la(2026, 11, 24, 0))
    evening = [c for c in plan.check_ins if c.due_at.astimezone(LA).hour == 19][0]
    assert evening.closes_at == la(2026, 11, 23, 21)
    assert evening.reminder_at == la(2026, 11, 23, 20)


def test_a_check_in_time_in_quiet_hours_waits_for_the_morning():
    plan = agenda.plan_window(
        schedule(times=(time(6, 30),)), la(2026, 11, 23, 0), la(2026, 11, 24, 0)
    )
    assert plan.check_ins[0].due_at == la(2026, 11, 23, 8)


def test_level_iii_checks_in_monday_wednesday_friday_and_topics_rotate():
    plan = agenda.plan_window(schedule("III"), la(2026, 11, 23, 0), la(2026, 11, 30, 0))
    days = [c.due_at.astimezone(LA).strftime("%a") for c in plan.check_ins]
    assert days == ["Mon", "Wed", "Fri"]
    assert {c.topic for c in plan.check_ins} == {"stress", "connected"}


def test_plan_reminders_follow_the_cadence():
    week = (la(2026, 11, 23, 0), la(2026, 11, 30, 0))
    assert len(agenda.plan_window(schedule("IVb"), *week).texts) == 2
    assert len(agenda.plan_window(schedule("III"), *week).texts) == 1
    fortnight = (la(2026, 11, 23, 0), la(2026, 12, 7, 0))
    assert len(agenda.plan_window(schedule("II"), *fortnight).texts) == 1
    assert agenda.plan_window(schedule("III", has_plan_lines=False), *week).texts == []


def test_windows_do_not_overlap_so_planning_twice_plans_nothing_twice():
    whole = agenda.plan_window(schedule(), la(2026, 11, 23, 0), la(2026, 11, 25, 0))
    a = agenda.plan_window(schedule(), la(2026, 11, 23, 0), la(2026, 11, 24, 0))
    b = agenda.plan_window(schedule(), la(2026, 11, 24, 0), la(2026, 11, 25, 0))
    assert a.check_ins + b.check_ins == whole.check_ins


def test_plan_until_is_a_local_midnight_at_least_a_day_ahead():
    now = la(2026, 11, 23, 15)
    until = agenda.plan_until(now, LA)
    assert until.astimezone(LA).time() == time(0)
    assert until - now >= agenda.HORIZON
    assert not agenda.needs_planning(until, now + timedelta(minutes=1))


@pytest.mark.parametrize(
    "level,expected",
    [
        ("II", ["appt_day_before"]),
        ("III", ["appt_day_before", "appt_same_day"]),
        ("IVb", ["appt_day_before", "appt_same_day", "appt_2h"]),
    ],
)
def test_appointment_notices_by_level(level, expected):
    slot = agenda.AppointmentSlot(5, la(2026, 11, 25, 14))
    notices = agenda.plan_notices(schedule(level), slot, now=la(2026, 11, 23, 9))
    assert [n.kind for n in notices] == expected
    day_before = notices[0]
    assert day_before.send_after == la(2026, 11, 24, 10)
    assert day_before.expires_at == la(2026, 11, 24, 21)
    for notice in notices[1:]:
        assert notice.expires_at == slot.starts_at
    assert len({n.dedupe_key for n in notices}) == len(notices)


def test_no_notice_is_planned_in_the_past():
    slot = agenda.AppointmentSlot(5, la(2026, 11, 24, 9))
    notices = agenda.plan_notices(schedule("IVb"), slot, now=la(2026, 11, 23, 22))
    # Day-before moment (10:00 yesterday) passed and the window closed at 21:00: none.
    assert [n.kind for n in notices] == []


# -- plan content ------------------------------------------------------------------


def test_plan_validation_keeps_what_was_typed_and_names_the_field():
    raw = {
        "warning_signs": [{"sign": "", "response": "call Luis"}],
        "support_contacts": [{"name": "Luis", "phone": "not a phone"}],
        "thinking_errors": [{"error": "x" * 2000, "replacement": "ok"}],
    }
    content, errors = normalise(raw)
    assert "warning_signs.0.sign" in errors
    assert "support_contacts.0.phone" in errors
    assert "2000 characters" in errors["thinking_errors.0.error"]
    assert content["warning_signs"][0]["response"] == "call Luis"
    assert content["support_contacts"][0]["phone"] == "not a phone"


def test_only_items_marked_ok_to_text_become_lines_and_never_the_offense_chain():
    content, errors = normalise(
        {
            "warning_signs": [
                {"sign": "up late online", "response": "log off, call Luis", "ok_to_text": True},
                {"sign": "secret", "response": "x", "ok_to_text": False},
            ],
            "approach_goals": [
                {
                    "good": "relatedness",
                    "goal": "call my daughter",
                    "next_step": "Sunday 5 pm",
                    "ok_to_text": True,
                }
            ],
            "offense_chain_note": "clinician only",
        }
    )
    assert errors == {}
    lines = reminder_lines(content)
    assert [line.template for line in lines] == ["warning_sign", "goal"]
    assert all("clinician" not in str(line.params) for line in lines)


def test_rotation_does_not_repeat_until_every_line_went_out():
    content, _ = normalise(
        {
            "thinking_errors": [
                {"id": i, "error": "e", "replacement": f"r{i}", "ok_to_text": True} for i in "abc"
            ]
        }
    )
    lines = reminder_lines(content)
    sent: list[str] = []
    for _ in range(7):
        line = next_line(lines, list(reversed(sent)))
        sent.append(line.item_id)
    assert sent == ["a", "b", "c", "a", "b", "c", "a"]


# -- discretion: what an item marked "OK to text" may say ------------------------------------


@pytest.mark.parametrize(
    "text,word",
    [
        ("after my Probation meeting", "Probation"),
        ("the victims", "victims"),
        ("court", "court"),
        ("la víctima", "víctima"),
        ("la victima", "victima"),  # typed without the accent
        ("libertad  condicional", "libertad  condicional"),
        ("buổi trị liệu", "trị liệu"),
        ("tình dục", "tình dục"),
    ],
)
def test_indiscreet_words_are_found_as_typed(text, word):
    assert indiscreet_word(text) == word


@pytest.mark.parametrize(
    "text",
    [
        "call Luis",
        "be courteous",  # not "court"
        "sexto piso",  # Spanish "sixth floor", not "sex"
        "stop judging myself",
        "corte de pelo el sábado",  # a haircut
        "tinh thần",
    ],
)
def test_everyday_words_pass(text):
    assert indiscreet_word(text) is None


def test_discretion_checks_exactly_the_fields_that_are_texted():
    # Every word a reminder line carries comes from a field in TEXTED_FIELDS.
    full = {
        part.key: [
            {
                "ok_to_text": True,
                **{
                    spec.name: (
                        True
                        if spec.kind == "bool"
                        else spec.choices[0]
                        if spec.kind == "choice"
                        else f"{part.key}.{spec.name}"
                    )
                    for spec in part.fields
                },
                "id": part.key,
            }
        ]
        for part in PARTS
    }
    full["high_risk_situations"][0]["handling"] = "avoid"
    texted = {
        value
        for line in reminder_lines(full)
        for key, value in line.params.items()
        if key != "contact_phone"
    }
    assert texted == {f"{part}.{name}" for part, names in TEXTED_FIELDS.items() for name in names}
    # A staff-facing field may name anything; a texted one may not, unless unticked.
    content, _ = normalise(
        {
            "warning_signs": [
                {"sign": "up late", "response": "call", "need": "sexual", "ok_to_text": True}
            ]
        }
    )
    assert discretion_errors(content) == {}
    content["warning_signs"][0]["sign"] = "after court"
    assert '"court"' in discretion_errors(content)["warning_signs.0.sign"]
    content["warning_signs"][0]["ok_to_text"] = False
    assert discretion_errors(content) == {}


def test_a_skipped_time_names_its_gap():
    assert skipped_gap(date(2027, 3, 14), time(2, 30), LA) == (
        datetime(2027, 3, 14, 2, 0),
        datetime(2027, 3, 14, 3, 0),
    )
    assert skipped_gap(date(2027, 3, 14), time(3, 30), LA) is None
    assert skipped_gap(date(2026, 11, 1), time(1, 30), LA) is None  # repeated, not skipped
    # Half-hour changes too (Lord Howe Island).
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert skipped_gap(date(2027, 10, 3), time(2, 10), lord_howe) == (
        datetime(2027, 10, 3, 2, 0),
        datetime(2027, 10, 3, 2, 30),
    )
