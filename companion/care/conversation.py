"""The conversation with one client: which texts ask, which question is open, what a
reply answers (docs/conversation.md has the state diagram).

Pure rules: the queries live in ``companion.services.conversation``, reading a reply's
words in ``companion.messaging.answers``. Here only what follows from them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Texts that ask the client something and wait for the answer. Only one may be open
# per client at a time; the others wait their turn in the outbox.
ASKING_KINDS = frozenset(
    {
        "checkin_prompt",  # the check-in question
        "checkin_reminder",  # the same question again
        "appt_day_before",  # "Reply C to confirm or R to reschedule"
        "appt_same_day",
        "clarify_which",  # "Reply 1 for the check-in question or 2 for the appointment"
    }
)
# Everything else informs (plan reminders, the 2-hour appointment notice, cancelled and
# moved notices, acknowledgements, crisis replies): it never waits for a question.

# How long a confirm request and a "which one?" clarification wait for their answer.
# A check-in's window is its own (CheckIn.closes_at). An unanswered confirm request
# must not hold the next check-in for a day; the same-day notice asks again.
CONFIRM_WINDOW = timedelta(hours=2)
CLARIFY_WINDOW = timedelta(hours=2)
# A reply this long after a question closed is still stored as (late) about it.
LATE_LOOKBACK = timedelta(days=2)


class Purpose(enum.StrEnum):
    """What an asking text asks about."""

    CHECK_IN = "check_in"
    APPOINTMENT = "appointment"
    CLARIFICATION = "clarification"


class Binding(enum.StrEnum):
    """How an inbound reply was bound to a question (``Message.binding``)."""

    BOUND = "bound"  # it answers the open question it fits
    LATE = "late"  # it answers a question already closed: a task, never an answer
    UNBOUND = "unbound"  # it fits no question: a task for staff
    AMBIGUOUS = "ambiguous"  # it fits two open questions: the client is asked which
    SHARED = "shared"  # from a number two clients share: staff decide who sent it
    KEYWORD = "keyword"  # STOP, HELP, START: handled before any question


@dataclass(frozen=True)
class Asked:
    """One asking text that went out, and where its purpose stands now."""

    message_id: int
    purpose: Purpose
    sent_at: datetime
    # Until when an answer is taken as an answer (the check-in's window, the
    # appointment's start or the confirm window, whichever is first).
    closes_at: datetime
    # Its purpose is settled (answered, missed, withdrawn, confirmed, cancelled...).
    settled: bool
    check_in_id: int | None = None
    appointment_id: int | None = None


def is_asking(kind: str) -> bool:
    return kind in ASKING_KINDS


def is_open(asked: Asked, now: datetime) -> bool:
    """An open question: sent, its purpose not settled, and still within its window."""
    return not asked.settled and asked.sent_at <= now < asked.closes_at


def open_questions(asked: list[Asked], now: datetime) -> list[Asked]:
    """The open questions among ``asked``, newest first, one per purpose.

    A check-in's prompt and reminder are one question; two notices of one appointment too.
    """
    seen: set[tuple[Purpose, int | None]] = set()
    found = []
    for item in sorted(asked, key=lambda a: (a.sent_at, a.message_id), reverse=True):
        key = (item.purpose, item.check_in_id or item.appointment_id or item.message_id)
        if key in seen or not is_open(item, now):
            continue
        seen.add(key)
        found.append(item)
    return found


def most_likely_answered(asked: list[Asked], now: datetime) -> Asked | None:
    """For a reply that fits no open question: the question it most likely answers,
    the one asked last (within ``LATE_LOOKBACK``), open or not."""
    recent = [a for a in asked if now - a.sent_at <= LATE_LOOKBACK and a.sent_at <= now]
    return max(recent, key=lambda a: (a.sent_at, a.message_id), default=None)


@dataclass(frozen=True)
class Decision:
    binding: Binding
    # The question the reply answers (bound) or most likely answers (late, unbound).
    question: Asked | None = None
    # Ambiguous: the questions it could answer, in the order the client is offered them.
    candidates: tuple[Asked, ...] = ()


def decide(
    fitting: list[Asked], open_now: list[Asked], asked: list[Asked], now: datetime
) -> Decision:
    """What a reply answers, given the open questions its words fit (``fitting``).

    One fit: bound to it. Two or more: ambiguous, nothing recorded until the client says
    which. None: stored with the question it most likely answers, late if that one has
    closed, unbound otherwise; never recorded as an answer to something else.
    """
    if len(fitting) == 1:
        return Decision(Binding.BOUND, fitting[0])
    if len(fitting) > 1:
        ordered = sorted(fitting, key=lambda a: list(Purpose).index(a.purpose))
        return Decision(Binding.AMBIGUOUS, ordered[0], tuple(ordered))
    likely = most_likely_answered(asked, now)
    if likely is not None and likely not in open_now:
        return Decision(Binding.LATE, likely)
    return Decision(Binding.UNBOUND, likely)


def waits_for(kind: str, own: tuple[int | None, int | None], open_now: list[Asked]) -> bool:
    """Whether an asking text of ``kind`` about ``own`` (check-in id, appointment id) must
    wait: another question is open. A text never waits for its own purpose (a reminder
    of a check-in whose prompt is out)."""
    if not is_asking(kind):
        return False
    check_in_id, appointment_id = own
    return any(
        not (
            (check_in_id is not None and q.check_in_id == check_in_id)
            or (appointment_id is not None and q.appointment_id == appointment_id)
        )
        for q in open_now
    )


# -- what each offered option does ------------------------------------------------

# Every option a text offers, and what it does (tests/test_conversation.py checks each
# "Reply X ..." in the catalogs against this table). Check-in answers are recorded;
# these do more.
OPTIONS: dict[tuple[str, str], str] = {
    ("stuck", "1"): "tips",  # a line of the client's own plan, at once
    ("stuck", "2"): "call_back",  # a call-back task for the team, due in business hours
}

# When the team calls back: business hours in the client's time zone, weekdays.
BUSINESS_OPENS, BUSINESS_CLOSES = time(9), time(17)
# Asked this late in a business day, the call is due by noon of the next one.
SAME_DAY_BEFORE = time(13)


def call_back_due(now: datetime, zone: str) -> datetime:
    """When a call-back asked for at ``now`` is due: by the end of today's business hours
    if asked on a weekday before 13:00, otherwise by noon of the next weekday.
    (Public holidays are not known here: staff see the task either way.)"""
    local = now.astimezone(ZoneInfo(zone))
    if local.weekday() < 5 and local.time() < SAME_DAY_BEFORE:
        due = datetime.combine(local.date(), BUSINESS_CLOSES, local.tzinfo)
        return due.astimezone(now.tzinfo)
    day = local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(12), local.tzinfo).astimezone(now.tzinfo)
