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

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from companion.care import agenda
from companion.care.ladder import Reason
from companion.care.plan import next_line, reminder_lines
from companion.care.topics import TOPICS
from companion.messaging.compose import render
from companion.messaging.i18n import sending_language
from companion.models import (
    CheckIn,
    CheckInStatus,
    Client,
    Consent,
    ConsentEvent,
    ConsentKind,
    Direction,
    Escalation,
    Message,
    Outcome,
    StaffUser,
    Status,
    Task,
    TaskStatus,
)
from companion.services import escalations, planning
from companion.services.demo.people import Person
from companion.services.simulation import RecordingTransport
from companion.services.tick import TickSettings, send_now

# The number the demo's texts come from (a fictional one, like every number here).
OUR_NUMBER = "+12135550199"
CANT_REACH_CODE = 30003  # "unreachable destination handset"


@dataclass
class Context:
    """What every step of a client's history needs."""

    session: Any
    client: Client
    person: Person
    staff: dict[str, StaffUser]
    settings: TickSettings
    rng: random.Random
    now: datetime
    transport: RecordingTransport
    misses_in_a_row: int = 0
    alert_after_misses: int = 2  # the client's cadence says (``live`` sets it)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.client.timezone)


# -- texts as the dispatcher leaves them ---------------------------------------------------


def sent(
    ctx: Context,
    kind: str,
    at: datetime,
    *,
    dedupe_key: str,
    params: dict[str, Any] | None = None,
    words: dict[str, Any] | None = None,
    check_in_id: int | None = None,
    appointment_id: int | None = None,
    status: Status = Status.DELIVERED,
    reason: str | None = None,
) -> Message:
    """An outbound text to the client, sent at ``at`` (or withdrawn, with ``reason``)."""
    client = ctx.client
    row = Message(
        direction=Direction.OUTBOUND,
        client_id=client.id,
        check_in_id=check_in_id,
        appointment_id=appointment_id,
        kind=kind,
        dedupe_key=dedupe_key,
        params=params or {},
        send_after=at,
        status=status,
        status_reason=reason,
        attempts=0,
        created_at=at - timedelta(hours=1),
        updated_at=at,
    )
    if status in (Status.DELIVERED, Status.UNDELIVERED):
        language = sending_language(
            client.language, hold_unreviewed=ctx.settings.dispatch.hold_unreviewed_languages
        )
        values = {
            "name": client.display_name,
            "phone": ctx.settings.dispatch.care_team_phone or "",
            **(params or {}),
            **(words or {}),
        }
        provider_phone = ctx.staff["provider"].public_phone
        if provider_phone:
            values["phone"] = provider_phone
        rendered = render(kind, language, values)
        row.body = rendered.body
        row.locale = rendered.language
        row.encoding = rendered.encoding
        row.segments = rendered.segments
        row.to_number = client.phone
        row.from_number = OUR_NUMBER
        row.transport = "demo"
        row.attempts = 1
        row.sent_at = at
        row.provider_sid = f"DEMO{client.id:03d}{int(at.timestamp())}{kind[:6]}"[:64]
        if status == Status.DELIVERED:
            row.provider_status = "delivered"
            row.delivered_at = at + timedelta(seconds=4)
        else:
            row.provider_status = "undelivered"
            row.error_code = CANT_REACH_CODE
            row.updated_at = at + timedelta(minutes=1)
    ctx.session.add(row)
    ctx.session.flush()
    return row


def received(
    ctx: Context, body: str, at: datetime, answers: Message | None, binding: str | None
) -> Message:
    """A text from the client at ``at``, bound (or not) to the asking text it answers."""
    row = Message(
        direction=Direction.INBOUND,
        client_id=ctx.client.id,
        kind="inbound",
        params={},
        status=Status.RECEIVED,
        in_reply_to_id=answers.id if answers else None,
        binding=binding,
        from_number=ctx.client.phone,
        to_number=OUR_NUMBER,
        body=body,
        provider_sid=f"SMDEMO{ctx.client.id:03d}{int(at.timestamp())}",
        attempts=0,
        created_at=at,
        updated_at=at,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def deliver_alerts(ctx: Context, at: datetime) -> None:
    """Send the staff alerts just queued, at ``at``, as the worker's pass would have."""
    ids = escalations.queued_alerts(ctx.session)
    if ids:
        send_now(ctx.session, ids, at, ctx.settings.dispatch, ctx.transport)


# -- answers ---------------------------------------------------------------------------------


def answer_for(topic: str, rng: random.Random, hard_day: bool) -> str:
    """What a client types for ``topic``: calm most days, worse on a hard one. Never an
    answer that would need a person (those are the story's, told on purpose)."""
    spec = TOPICS[topic]
    if spec.expects == "rating":
        if topic == "connected":  # high is good here
            return str(rng.randint(2, 4) if hard_day else rng.randint(6, 9))
        if topic == "urges":
            return str(rng.randint(4, 5) if hard_day else rng.randint(0, 2))
        return str(rng.randint(6, 8) if hard_day else rng.randint(1, 4))
    if spec.expects == "yes_no":
        good = "yes" if topic == "supports" else "no"
        if hard_day and topic in ("supports", "people"):
            return "no" if good == "yes" else "yes"
        return rng.choice((good, good.capitalize(), good.upper()))
    if topic == "stuck":
        return "1"  # tips from their own plan; "2" (a call) is a task for staff
    return rng.choice(spec.choices)


def value_of(topic: str, body: str) -> Any:
    """The answer's value as ``replies`` stores it (its words, read)."""
    spec = TOPICS[topic]
    if spec.expects == "rating":
        return str(int(body))
    if spec.expects == "yes_no":
        return body.strip().lower()
    return body.strip().upper()


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
    for at, _, what in sorted(events, key=lambda e: (e[0], e[1])):
        if at >= now:
            continue
        if what == "stop":
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


def _undeliverable(ctx: Context, at: datetime) -> bool:
    """The phone that stopped taking texts: the last two days of texts never arrive."""
    return "undelivered" in ctx.person.story and at >= ctx.now - timedelta(days=2)


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
            _review_misses(ctx, planned.closes_at)
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
    _alert_and_acknowledge(ctx, special[2], reply_at, check_in_id=row.id, message_id=answer.id)


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


def _review_misses(ctx: Context, at: datetime) -> None:
    """The worker's rule for runs of misses, at the moment the check-in closed."""
    before = _open_ids(ctx)
    escalations.review_misses(ctx.session, [ctx.client.id], at, ctx.settings.escalation)
    deliver_alerts(ctx, at)
    opened = _open_ids(ctx) - before
    if opened and "missed_run" not in ctx.person.story:
        # Someone on the team followed up the next morning.
        _acknowledge(ctx, opened, at + timedelta(hours=15), "provider", Outcome.CONTACTED,
                     "Called: phone was off for a few days. Back on track.")  # fmt: skip


def _open_ids(ctx: Context) -> set[int]:
    return set(
        ctx.session.scalars(
            select(Escalation.id).where(
                Escalation.client_id == ctx.client.id, Escalation.status == "open"
            )
        )
    )


NOTES = {
    Reason.HIGH_URGE: "Talked it through by phone the same hour; used his plan. Session moved up.",
    Reason.LIFE_EVENT: "Lost his job last week; relapse talk in session. Referred to job center.",
    Reason.SELF_HARM: "Reached him within the hour; safe, with his mother. Safety plan reviewed.",
}


def _alert_and_acknowledge(ctx: Context, reason: Reason, at: datetime, **about: int) -> None:
    """An answer that needs a person: the alert, and the provider's acknowledgement."""
    escalation = escalations.open_escalation(
        ctx.session, ctx.client, reason, at, ctx.settings.escalation,
        details={"answer": "the client's reply"}, **about,
    )  # fmt: skip
    deliver_alerts(ctx, at)
    if escalation is not None:
        _acknowledge(ctx, {escalation.id}, at + timedelta(minutes=40), "provider",
                     Outcome.CONTACTED, NOTES[reason])  # fmt: skip


def _acknowledge(
    ctx: Context, ids: set[int], at: datetime, role: str, outcome: Outcome, note: str
) -> None:
    if at >= ctx.now:
        return  # nobody has got to it yet: it stays open
    for escalation_id in sorted(ids):
        escalation = ctx.session.get(Escalation, escalation_id)
        assert escalation is not None
        escalations.acknowledge(ctx.session, escalation, ctx.staff[role], outcome, note, at, "web")
    ctx.session.flush()


def _opt_out(ctx: Context, at: datetime) -> None:
    """The client texts STOP: the ledger says so, one confirmation, nothing else goes."""
    stop = received(ctx, "STOP", at, None, None)
    ctx.client.consent, ctx.client.consent_changed_at = Consent.OPTED_OUT, at
    ctx.session.add(
        ConsentEvent(
            client_id=ctx.client.id, at=at, kind=ConsentKind.OPT_OUT, message_id=stop.id,
            roi_officer_contact=ctx.client.roi_officer_contact,
        )
    )  # fmt: skip
    sent(ctx, "opt_out_confirm", at + timedelta(seconds=3), dedupe_key=f"reply:{stop.id}")


def _opt_in(ctx: Context, at: datetime) -> None:
    """Days later the client texts START: back in, confirmed."""
    start = received(ctx, "START", at, None, None)
    ctx.client.consent, ctx.client.consent_changed_at = Consent.OPTED_IN, at
    ctx.session.add(
        ConsentEvent(
            client_id=ctx.client.id, at=at, kind=ConsentKind.OPT_IN, message_id=start.id,
            roi_officer_contact=ctx.client.roi_officer_contact,
        )
    )  # fmt: skip
    sent(ctx, "opt_in_confirm", at + timedelta(seconds=3), dedupe_key=f"reply:{start.id}")
