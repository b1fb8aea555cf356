"""A demo client's past weeks, written as the worker and the webhook would have left them.

The days come from the real planner (``care.agenda.plan_window`` over the client's real
schedule), so the check-ins, their topics and times and the plan reminders are exactly
the ones the worker would have planned. What became of each is decided by a seeded
``random.Random`` and the client's story (``people.Person``): answered on good and hard
days, missed now and then, one late reply, one opt-out and return, one phone that stopped
taking texts. Texts are stored as sent (rendered in the client's language, as the
dispatcher renders them). Runs of misses and undelivered texts go through the real
escalation rules (``review_misses``, ``review_delivery``); answers that need a person,
missed appointments and acknowledgements through their public functions, at their
moment. Writing rows is what makes this fast enough to seed (and test) in a second:
stepping the worker through eight weeks would take minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from companion.care import agenda
from companion.care.ladder import Reason
from companion.care.plan import next_line, reminder_lines
from companion.models import (
    CheckIn,
    CheckInStatus,
    Consent,
    ConsentEvent,
    ConsentKind,
    Direction,
    Message,
    Status,
    Task,
    TaskStatus,
)
from companion.services import escalations, planning
from companion.services.demo.alerts import acknowledge_open, alert_and_acknowledge, review_misses
from companion.services.demo.texts import (
    Context,
    answer_for,
    deliver_alerts,
    received,
    sent,
    value_of,
)

# -- the weeks ---------------------------------------------------------------------------------


@dataclass
class Asked:
    """One planned check-in of the past, and what became of it."""

    planned: agenda.PlannedCheckIn
    fate: str  # "answered" | "missed" | "late" | "open" | "skipped" | "undelivered"
    hard_day: bool = False
    special: str = ""  # a story's answer: "high_urge", "life_event", "self_harm"


def live(ctx: Context, enrolled: datetime) -> None:
    """Write the client's weeks from ``enrolled`` to ``ctx.now``: texts, answers, alerts."""
    client, now = ctx.client, ctx.now
    schedule = planning.schedule_for(
        client, {}, agenda.local_date(enrolled, ctx.zone), has_plan_lines=True
    )
    ctx.alert_after_misses = schedule.cadence.escalate_after_misses
    window = agenda.plan_window(schedule, enrolled + timedelta(hours=1), now)
    checkins = sorted(window.check_ins, key=lambda c: c.due_at)
    reminders = sorted(window.texts, key=lambda t: t.send_after)
    away = _opted_out_between(ctx, checkins)
    fates = _fates(ctx, checkins, away)

    events: list[tuple[datetime, int, Any]] = []
    events += [(a.planned.due_at, 0, a) for a in fates]
    events += [(t.send_after, 1, t) for t in reminders]
    if away:
        events += [(away[0], 2, "stop"), (away[1], 2, "start")]
    if "undelivered" in ctx.person.story:
        events += [(now - CUT_OFF[1] + timedelta(hours=3), 2, "reached")]
    for at, _, what in sorted(events, key=lambda e: (e[0], e[1])):
        if at >= now:
            continue
        if what == "reached":
            acknowledge_open(ctx, Reason.CANT_REACH, at, "Visited: the phone was cut off for "
                             "an unpaid bill. Paid now; texts arrive again.")  # fmt: skip
        elif what == "stop":
            _opt_out(ctx, at)
        elif what == "start":
            _opt_in(ctx, at)
        elif isinstance(what, Asked):
            _check_in(ctx, what)
        elif not (away and away[0] <= at < away[1]) and not _undeliverable(ctx, at):
            _plan_reminder(ctx, what)
    ctx.session.flush()


def _opted_out_between(
    ctx: Context, checkins: list[agenda.PlannedCheckIn]
) -> tuple[datetime, datetime] | None:
    """When the client who opts out (and comes back) did: STOP on an evening, START days
    later."""
    if "opt_out_and_return" not in ctx.person.story or not checkins:
        return None
    first, last = checkins[0].due_at, ctx.now
    stop_day = agenda.local_date(first + (last - first) / 2, ctx.zone)
    stop = agenda.local_instant(stop_day, time(19, 40), ctx.zone)
    start = agenda.local_instant(stop_day + timedelta(days=4), time(9, 15), ctx.zone)
    return stop, start


# The phone that stopped taking texts, for two days, ten days ago (the bill unpaid); the
# provider reached the client at home and the number works again. Older than the week
# ``review_delivery`` looks back over, so the worker finds nothing new in it.
CUT_OFF = (timedelta(days=10), timedelta(days=8))


def _undeliverable(ctx: Context, at: datetime) -> bool:
    """Whether a text at ``at`` did not reach the client's phone."""
    if "undelivered" not in ctx.person.story:
        return False
    return ctx.now - CUT_OFF[0] <= at < ctx.now - CUT_OFF[1]


def _fates(
    ctx: Context, checkins: list[agenda.PlannedCheckIn], away: tuple[datetime, datetime] | None
) -> list[Asked]:
    """What became of each check-in: the client's habits, then their story on top."""
    rng, person, now = ctx.rng, ctx.person, ctx.now
    fates: list[Asked] = []
    for planned in checkins:
        if away and away[0] <= planned.due_at < away[1]:
            fates.append(Asked(planned, "skipped"))  # opted out: never planned
            continue
        if planned.closes_at > now:
            fates.append(Asked(planned, "open"))
            continue
        previous_missed = bool(fates) and fates[-1].fate == "missed"
        # A random miss never follows a miss: runs of misses are the stories' alone.
        if not previous_missed and rng.random() >= person.answer_rate:
            fates.append(Asked(planned, "missed"))
        else:
            fates.append(Asked(planned, "answered", hard_day=rng.random() < person.bad_day_rate))
    done = [a for a in fates if a.fate in ("answered", "missed")]
    story = person.story

    def pick(weeks_ago: float, topic: str | None = None) -> Asked | None:
        target = now - timedelta(weeks=weeks_ago)
        fitting = [a for a in done if topic is None or a.planned.topic == topic]
        return min(fitting, key=lambda a: abs(a.planned.due_at - target), default=None)

    if "missed_run" in story:
        # The last check-ins went unanswered: the ladder's rule opens the alert.
        for asked in done[-3:]:
            asked.fate = "missed"
    if "missed_checkins_acknowledged" in story:
        asked = pick(3)
        if asked is not None:
            at = done.index(asked)
            for a in done[at : at + 3]:
                a.fate = "missed"
            if at + 3 < len(done):
                done[at + 3].fate = "answered"
    if "late_reply" in story and (asked := pick(1)) is not None:
        asked.fate = "late"
    if "high_urge_acknowledged" in story and (asked := pick(1.5, "urges")) is not None:
        asked.fate, asked.special = "answered", "high_urge"
    if "life_event_acknowledged" in story and (asked := pick(2, "substances")) is not None:
        asked.fate, asked.special = "answered", "life_event"
    if "life_event_open" in story and (asked := pick(0, "substances")) is not None:
        asked.fate, asked.special = "answered", "life_event_open"  # the newest: nobody yet
    if "self_harm_acknowledged" in story and (asked := pick(4, "stress")) is not None:
        asked.fate, asked.special = "answered", "self_harm"
    if "undelivered" in story:
        for asked in fates:
            if _undeliverable(ctx, asked.planned.due_at) and asked.fate != "skipped":
                asked.fate = "undelivered" if asked.planned.closes_at <= now else "open"
    return fates


SPECIAL_WORDS = {
    # (the answer typed, the crisis reply, the escalation's reason)
    "high_urge": ("8", "crisis_urge", Reason.HIGH_URGE),
    "life_event": ("yes", "crisis_life_event", Reason.LIFE_EVENT),
    "life_event_open": ("yes, lost my job", "crisis_life_event", Reason.LIFE_EVENT),
    "self_harm": ("9 whats the point anymore", "crisis_self_harm", Reason.SELF_HARM),
}


def _check_in(ctx: Context, asked: Asked) -> None:
    """One check-in: its question, the reminder, the answer (or none), and the thanks."""
    session, client, rng = ctx.session, ctx.client, ctx.rng
    planned = asked.planned
    if asked.fate == "skipped":
        return
    row = CheckIn(
        client_id=client.id,
        topic=planned.topic,
        due_at=planned.due_at,
        closes_at=planned.closes_at,
        reminder_at=planned.reminder_at,
        status=CheckInStatus.OPEN,
        clarified=False,
        flagged=False,
        created_at=planned.due_at - timedelta(days=1),
    )
    session.add(row)
    session.flush()
    delivery = Status.UNDELIVERED if _undeliverable(ctx, planned.due_at) else Status.DELIVERED
    prompt = sent(
        ctx, "checkin_prompt", planned.due_at, dedupe_key=f"checkin:{row.id}:prompt",
        params={"topic": planned.topic}, check_in_id=row.id, status=delivery,
    )  # fmt: skip
    if delivery == Status.UNDELIVERED:
        escalations.review_delivery(
            session, planned.due_at + timedelta(minutes=2), ctx.settings.escalation
        )
        deliver_alerts(ctx, planned.due_at + timedelta(minutes=2))
    reply_at = None
    if asked.fate == "answered":
        reply_at = planned.due_at + timedelta(minutes=rng.randint(2, 150))
        if reply_at >= planned.closes_at - timedelta(minutes=5):
            reply_at = planned.due_at + timedelta(minutes=rng.randint(2, 30))
    reminder_key = f"checkin:{row.id}:reminder"
    reminded = (
        planned.reminder_at is not None
        and planned.reminder_at < ctx.now
        and (reply_at is None or reply_at > planned.reminder_at)
    )
    if planned.reminder_at is not None:
        if reminded:
            sent(
                ctx, "checkin_reminder", planned.reminder_at, dedupe_key=reminder_key,
                params={"topic": planned.topic}, check_in_id=row.id, status=delivery,
            )  # fmt: skip
        elif reply_at is not None:
            sent(
                ctx, "checkin_reminder", reply_at, dedupe_key=reminder_key,
                params={"topic": planned.topic}, check_in_id=row.id,
                status=Status.CANCELLED, reason="check-in answered",
            )  # fmt: skip
        else:  # still to come: the worker sends it
            session.add(
                Message(
                    direction=Direction.OUTBOUND, client_id=client.id, check_in_id=row.id,
                    kind="checkin_reminder", dedupe_key=reminder_key,
                    params={"topic": planned.topic}, send_after=planned.reminder_at,
                    status=Status.PENDING, attempts=0, created_at=row.created_at,
                    updated_at=row.created_at,
                )
            )  # fmt: skip
    if asked.fate in ("missed", "late", "undelivered"):
        row.status = CheckInStatus.MISSED
        session.flush()
        if asked.fate == "late":
            _late_reply(ctx, row, prompt)
        ctx.misses_in_a_row += 1
        if ctx.misses_in_a_row >= ctx.alert_after_misses:
            # Only a run long enough can open an alert: the rule itself decides then.
            review_misses(ctx, planned.closes_at)
        return
    if reply_at is None:
        return  # still open
    ctx.misses_in_a_row = 0
    special = SPECIAL_WORDS.get(asked.special)
    body = special[0] if special else answer_for(planned.topic, rng, asked.hard_day)
    answer = received(ctx, body, reply_at, prompt, "bound")
    row.status = CheckInStatus.ANSWERED
    row.answer_value = value_of(planned.topic, body.split()[0])
    row.answer_text = body
    row.answered_at = reply_at
    row.answer_message_id = answer.id
    back = reply_at + timedelta(seconds=3)
    if special is None:
        sent(ctx, "checkin_thanks", back, dedupe_key=f"reply:{answer.id}")
        if planned.topic == "stuck":
            _tip(ctx, back, f"reply:{answer.id}:1")
        return
    row.flagged = asked.special == "self_harm"
    words = _contact(ctx)
    kind = "crisis_urge_contact" if special[1] == "crisis_urge" and words else special[1]
    sent(ctx, kind, back, dedupe_key=f"reply:{answer.id}", params=words or {})
    alert_and_acknowledge(
        ctx, special[2], reply_at, acknowledged=not asked.special.endswith("_open"),
        check_in_id=row.id, message_id=answer.id,
    )  # fmt: skip


def _contact(ctx: Context) -> dict[str, str] | None:
    from companion.care.plan import crisis_contact

    version = planning.latest_plan(ctx.session, ctx.client.id)
    return crisis_contact(version.content) if version else None


def _tip(ctx: Context, at: datetime, key: str) -> None:
    """The plan line an answer "1 for tips" gets back."""
    line = _next_plan_line(ctx)
    if line is not None:
        sent(
            ctx, "plan_reminder", at, dedupe_key=key,
            params={"tip": True, "item_id": line.item_id},
            words={"line_template": line.template, "line_words": line.params},
        )  # fmt: skip


def _next_plan_line(ctx: Context) -> Any:
    version = planning.latest_plan(ctx.session, ctx.client.id)
    lines = reminder_lines(version.content) if version else []
    history = ctx.session.scalars(
        select(Message.params)
        .where(
            Message.client_id == ctx.client.id,
            Message.kind == "plan_reminder",
            Message.status.in_([Status.SENT, Status.DELIVERED]),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(200)
    )
    return next_line(lines, (p.get("item_id", "") for p in history))


def _plan_reminder(ctx: Context, text: agenda.PlannedText) -> None:
    """A plan reminder, with the next line of the plan in rotation (as ``resolve_params``)."""
    line = _next_plan_line(ctx)
    if line is not None:
        sent(
            ctx, "plan_reminder", text.send_after, dedupe_key=text.dedupe_key,
            params={"item_id": line.item_id},
            words={"line_template": line.template, "line_words": line.params},
        )  # fmt: skip


def _late_reply(ctx: Context, check_in: CheckIn, prompt: Message) -> None:
    """An answer that came after its check-in closed: kept with it, marked late, a task."""
    at = check_in.closes_at + timedelta(minutes=ctx.rng.randint(20, 90))
    body = answer_for(check_in.topic, ctx.rng, hard_day=False)
    reply = received(ctx, body, at, prompt, "late")
    ctx.session.add(
        Task(
            client_id=ctx.client.id, kind="unmatched_reply", status=TaskStatus.OPEN,
            message_id=reply.id, note="A late reply: its question had already closed",
            created_at=at,
        )
    )  # fmt: skip
    sent(ctx, "received", at + timedelta(seconds=3), dedupe_key=f"reply:{reply.id}")


def _opt_out(ctx: Context, at: datetime) -> None:
    """The client texts STOP: the ledger says so, one confirmation, nothing else goes."""
    _consent_by_text(ctx, at, "STOP", Consent.OPTED_OUT, ConsentKind.OPT_OUT, "opt_out_confirm")


def _opt_in(ctx: Context, at: datetime) -> None:
    """Days later the client texts START: back in, confirmed."""
    _consent_by_text(ctx, at, "START", Consent.OPTED_IN, ConsentKind.OPT_IN, "opt_in_confirm")


def _consent_by_text(
    ctx: Context, at: datetime, word: str, consent: Consent, kind: ConsentKind, confirm: str
) -> None:
    """A keyword text that changes consent: the text, the ledger line, one confirmation."""
    text = received(ctx, word, at, None, None)
    ctx.client.consent, ctx.client.consent_changed_at = consent, at
    ctx.session.add(
        ConsentEvent(
            client_id=ctx.client.id, at=at, kind=kind, message_id=text.id,
            roi_officer_contact=ctx.client.roi_officer_contact,
        )
    )  # fmt: skip
    sent(ctx, confirm, at + timedelta(seconds=3), dedupe_key=f"reply:{text.id}")
