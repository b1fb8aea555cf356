"""Planning into the outbox, and what replies mean: the care domain meets the database.

(About 560 lines: rolling planning, closing check-ins and re-planning after a change share
the same loaders and must agree on every dedupe key; they stay together on purpose.)

``care/`` decides (pure functions of a schedule and an instant); this module
loads what it needs, writes check-ins and outbox rows, and is called by
``tick`` (rolling planning, closing check-ins), by the web pages (appointment
and schedule changes) and by inbound texts (answers, confirmations).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from companion.care import agenda
from companion.care.cadence import Cadence, Derived, derive_level, effective_cadence
from companion.care.conversation import Binding
from companion.care.local_time import next_allowed
from companion.care.plan import PlanLine, next_line, reminder_lines
from companion.care.topics import DEFAULT_TIMES, PLAN_TOPICS, TOPICS
from companion.messaging.outbox import enqueue_from, enqueue_many, outbox_row
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    Direction,
    Message,
    PlanVersion,
    ScheduleOverride,
    Status,
)
from companion.services import audit
from companion.services.tasks import reply_task

PLANNING_BATCH = 2000
# An appointment's notices, planned from the client's level (care/agenda.py).
NOTICE_KINDS = ("appt_day_before", "appt_same_day", "appt_2h")
# The texts that tell the client an appointment's time.
TELLING_KINDS = (*NOTICE_KINDS, "appt_moved")
# A text in these states has reached the client, or may have.
TOLD = (Status.SENDING, Status.SENT, Status.DELIVERED, Status.UNDELIVERED)

log = logging.getLogger(__name__)


# -- schedules -------------------------------------------------------------------


def overrides_for(session: Session, client_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The overrides in force per client: the newest row per part."""
    ids = list(client_ids)
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    if not ids:
        return found
    rows = session.scalars(
        select(ScheduleOverride)
        .where(ScheduleOverride.client_id.in_(ids))
        .order_by(ScheduleOverride.set_at, ScheduleOverride.id)
    )
    for row in rows:
        found[row.client_id][row.part] = row.value  # later rows win
    return found


def derived_level(client: Client, today: date) -> Derived:
    return derive_level(
        client.risk_level.value,
        today=today,
        acute_level=client.acute_level.value if client.acute_level else None,
        release_date=client.release_date,
    )


def schedule_for(
    client: Client,
    overrides: dict[str, Any],
    today: date,
    has_plan_lines: bool = True,
    has_goals: bool = False,
) -> agenda.ClientSchedule:
    """The planner's view of a client on ``today``.

    ``has_goals``: the plan has an approach goal marked OK to text, so the goal
    question takes its turn with the client's topics, in the same slots (no more
    texts than the cadence allows). A client with no topics is asked nothing.
    """
    cadence = effective_cadence(derived_level(client, today), overrides)
    topics = tuple(t for t in (client.checkin_topics or []) if t in TOPICS and t not in PLAN_TOPICS)
    if has_goals and topics:
        topics = (*topics, "goal")
    times = agenda.parse_times(client.checkin_times or list(DEFAULT_TIMES))
    return agenda.ClientSchedule(
        client_id=client.id,
        zone=ZoneInfo(client.timezone),
        window_start=client.send_window_start,
        window_end=client.send_window_end,
        cadence=cadence,
        topics=topics,
        checkin_times=times,
        has_plan_lines=has_plan_lines,
    )


def effective_schedule(session: Session, client: Client, now: datetime) -> Cadence:
    """The cadence in force for ``client`` today (derived level plus overrides)."""
    today = agenda.local_date(now, ZoneInfo(client.timezone))
    overrides = overrides_for(session, [client.id]).get(client.id, {})
    return effective_cadence(derived_level(client, today), overrides)


def latest_plan(session: Session, client_id: int) -> PlanVersion | None:
    return session.scalars(
        select(PlanVersion)
        .where(PlanVersion.client_id == client_id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    ).first()


# -- rolling planning --------------------------------------------------------------


def plan_clients(session: Session, now: datetime) -> int:
    """Fill the outbox for every client whose plan runs out within a day; return how many.

    A client is planned in whole local days up to ``planned_until``; the
    next pass skips them until that runs low, so a tick costs what is due,
    not how many clients exist. Each batch claims its clients before
    planning them (see ``_claim``), so two workers never plan the same
    client's days twice.
    """
    planned = 0
    horizon = now + agenda.HORIZON
    postgres = session.get_bind().dialect.name == "postgresql"
    while True:
        query = (
            select(Client)
            .where(
                Client.status == ClientStatus.ACTIVE,
                Client.consent == Consent.OPTED_IN,
                or_(Client.planned_until.is_(None), Client.planned_until < horizon),
            )
            .order_by(Client.id)
            .limit(PLANNING_BATCH)
        )
        if postgres:  # another worker's batch is skipped, not waited for
            query = query.with_for_update(skip_locked=True, of=Client)
        clients = session.scalars(query).all()
        if not clients:
            break
        ends = {c.id: agenda.plan_until(now, ZoneInfo(c.timezone)) for c in clients}
        claimed = _claim(session, clients, ends, now)
        if not claimed:
            # Every one changed under us: leave them to the next tick rather than spin.
            log.warning("planning: a batch of %d client(s) could not be claimed", len(clients))
            session.rollback()
            break
        overrides = overrides_for(session, (c.id for c in claimed))
        with_lines = _clients_with_plan_lines(session, [c.id for c in claimed])
        with_goals = clients_with_goals(session, [c.id for c in claimed])
        check_in_rows: list[dict[str, Any]] = []
        texts: list[dict[str, Any]] = []
        for client, start in claimed.items():
            zone = ZoneInfo(client.timezone)
            schedule = schedule_for(
                client,
                overrides.get(client.id, {}),
                agenda.local_date(start, zone),
                has_plan_lines=client.id in with_lines,
                has_goals=client.id in with_goals,
            )
            plan = agenda.plan_window(schedule, start, ends[client.id])
            for c in plan.check_ins:
                check_in_rows.append(
                    {
                        "client_id": client.id,
                        "topic": c.topic,
                        "due_at": c.due_at,
                        "closes_at": c.closes_at,
                        "status": CheckInStatus.OPEN,
                        "answer_value": None,
                        "reminder_at": c.reminder_at,
                        "clarified": False,
                        "created_at": now,
                    }
                )
            texts.extend(_queued(now, text, client.id) for text in plan.texts)
            planned += 1
        _insert_check_ins(session, check_in_rows, now)
        enqueue_many(session, texts)
        session.commit()
    return planned


def _queued(
    now: datetime, text: agenda.PlannedText, client_id: int, appointment_id: int | None = None
) -> dict[str, Any]:
    """The outbox row of a text the planner decided on."""
    return outbox_row(
        now,
        kind=text.kind,
        dedupe_key=text.dedupe_key,
        client_id=client_id,
        appointment_id=appointment_id,
        send_after=text.send_after,
        expires_at=text.expires_at,
        params=text.params,
    )


def _claim(
    session: Session, clients: Iterable[Client], ends: dict[int, datetime], now: datetime
) -> dict[Client, datetime]:
    """Advance each client's ``planned_until`` to its end; return those claimed, with their start.

    The UPDATE is guarded by the value just read, so a client another worker
    (or a web page re-planning it) changed meanwhile is left alone; RETURNING
    says exactly which rows were taken. Clients in one zone share both values,
    so a batch costs a handful of statements, not one per client.
    """
    groups: dict[tuple[datetime | None, datetime], list[Client]] = defaultdict(list)
    for client in clients:
        groups[(client.planned_until, ends[client.id])].append(client)
    claimed: dict[Client, datetime] = {}
    for (was, end), members in groups.items():
        same = Client.planned_until.is_(None) if was is None else Client.planned_until == was
        taken = set(
            session.scalars(
                update(Client)
                .where(Client.id.in_([c.id for c in members]), same)
                .values(planned_until=end)
                .returning(Client.id)
                .execution_options(synchronize_session=False)
            )
        )
        start = max(was or now, now)
        claimed.update({c: start for c in members if c.id in taken})
    return claimed


def _clients_with_plan_lines(session: Session, client_ids: list[int]) -> set[int]:
    # A client with no plan (or nothing OK to text) gets no plan reminders.
    return set(
        session.scalars(
            select(PlanVersion.client_id).where(PlanVersion.client_id.in_(client_ids)).distinct()
        )
    )


def clients_with_goals(session: Session, client_ids: list[int]) -> set[int]:
    """Clients whose latest plan has an approach goal marked OK to text."""
    if not client_ids:
        return set()
    newest = (
        select(PlanVersion.client_id, func.max(PlanVersion.version).label("version"))
        .where(PlanVersion.client_id.in_(client_ids))
        .group_by(PlanVersion.client_id)
        .subquery()
    )
    rows = session.execute(
        select(PlanVersion.client_id, PlanVersion.content).join(
            newest,
            and_(
                PlanVersion.client_id == newest.c.client_id,
                PlanVersion.version == newest.c.version,
            ),
        )
    )
    return {client_id for client_id, content in rows if goal_lines(content or {})}


def goal_lines(content: dict[str, Any]) -> list[PlanLine]:
    """The plan's approach goals that may be texted, as plan lines (words: goal, step)."""
    return [line for line in reminder_lines(content) if line.template == "goal"]


def _insert_check_ins(session: Session, rows: list[dict[str, Any]], now: datetime) -> None:
    """Insert check-ins, then their prompts and reminders into the outbox.

    The outbox rows are written by the database itself (INSERT ... SELECT
    from the check-ins just added): tens of thousands a tick, and nothing
    about them needs Python.
    """
    if not rows:
        return
    session.execute(insert(CheckIn.__table__), rows)
    client_ids = sorted({row["client_id"] for row in rows})
    just_added = and_(CheckIn.created_at == now, CheckIn.client_id.in_(client_ids))
    postgres = session.get_bind().dialect.name == "postgresql"
    params = (func.json_build_object if postgres else func.json_object)("topic", CheckIn.topic)
    for kind, send_after, extra in (
        ("checkin_prompt", CheckIn.due_at, true()),
        ("checkin_reminder", CheckIn.reminder_at, CheckIn.reminder_at.is_not(None)),
    ):
        suffix = kind.removeprefix("checkin_")
        columns = {
            "kind": literal(kind),
            "dedupe_key": literal("checkin:") + cast(CheckIn.id, String) + literal(f":{suffix}"),
            "client_id": CheckIn.client_id,
            "check_in_id": CheckIn.id,
            "params": params,
            "send_after": send_after,
            "expires_at": CheckIn.closes_at,
        }
        enqueue_from(session, now, columns, just_added, extra)


def close_check_ins(session: Session, now: datetime) -> tuple[list[int], int]:
    """Close check-ins whose window has passed: (clients with one missed, withdrawn count).

    Missed only when the question really went out and the client could
    answer: a question that was never sent or not delivered (a phone
    problem), or a client who opted out or was paused, is withdrawn instead.
    """
    prompt_reached = exists().where(
        Message.check_in_id == CheckIn.id,
        Message.kind == "checkin_prompt",
        Message.status.in_([Status.SENT, Status.DELIVERED]),
    )
    client_reachable = exists().where(
        Client.id == CheckIn.client_id,
        Client.status == ClientStatus.ACTIVE,
        Client.consent == Consent.OPTED_IN,
    )
    due = and_(CheckIn.status == CheckInStatus.OPEN, CheckIn.closes_at <= now)
    # The client answered, but in words that could not be read and the clarifying question
    # went unanswered: answered (they did reply), its words kept, and a person reads them.
    unread = session.scalars(select(CheckIn).where(due, CheckIn.answer_text.is_not(None))).all()
    for check_in in unread:
        asked = select(Message.id).where(Message.check_in_id == check_in.id)
        reply = session.scalars(
            select(Message)
            .where(
                Message.direction == Direction.INBOUND,
                Message.in_reply_to_id.in_(asked),
                # The reply bound to it: a late one after the window closed is not its answer.
                Message.binding == Binding.BOUND.value,
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        ).first()
        check_in.status = CheckInStatus.ANSWERED
        check_in.answered_at = reply.created_at if reply is not None else now
        check_in.answer_message_id = reply.id if reply is not None else None
        reply_task(
            session, client_id=check_in.client_id, kind="unread_answer",
            message_id=reply.id if reply is not None else None, now=now,
            note="A check-in answer that could not be read; the client did not clarify",
        )  # fmt: skip
    session.flush()
    missed = session.scalars(
        update(CheckIn)
        .where(due, prompt_reached, client_reachable)
        .values(status=CheckInStatus.MISSED)
        .returning(CheckIn.client_id)
        .execution_options(synchronize_session=False)
    ).all()
    withdrawn = session.execute(
        update(CheckIn)
        .where(due)
        .values(status=CheckInStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return list(missed), withdrawn or 0


def replan(session: Session, client: Client, now: datetime, reason: str) -> None:
    """Throw away what is planned but not yet asked, and plan again from now.

    Used when the schedule, topics, timezone, texting window or status change.
    Appointment notices are re-planned for every upcoming appointment too: those
    not sent yet are queued again, those already sent or on their way are not (their
    dedupe keys stay taken), so a re-plan never texts a notice twice.
    """
    future = select(CheckIn.id).where(
        CheckIn.client_id == client.id,
        CheckIn.status == CheckInStatus.OPEN,
        CheckIn.due_at > now,
    )
    # Plan reminders and notices name their day or time in their key: free it, so
    # re-planning queues them again instead of finding the key taken. A moved or
    # cancelled text is not planned from the schedule, so it stays as it is.
    freed = or_(Message.kind == "plan_reminder", Message.kind.in_(NOTICE_KINDS))
    session.execute(
        update(Message)
        .where(
            Message.client_id == client.id,
            Message.direction == Direction.OUTBOUND,
            Message.status == Status.PENDING,
            or_(Message.check_in_id.in_(future), freed),
        )
        .values(
            status=Status.CANCELLED,
            status_reason=reason,
            updated_at=now,
            dedupe_key=case((freed, _withdrawn_key()), else_=Message.dedupe_key),
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(CheckIn)
        .where(CheckIn.id.in_(future))
        .values(status=CheckInStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    client.planned_until = None
    for appointment in upcoming_appointments(session, client.id, now):
        plan_appointment(session, appointment, now)


def _withdrawn_key() -> ColumnElement[str]:
    """A withdrawn row's dedupe key, set aside so the same purpose can be queued again."""
    return Message.dedupe_key + ":withdrawn:" + cast(Message.id, String)


# -- appointments -----------------------------------------------------------------


def upcoming_appointments(
    session: Session,
    client_id: int,
    now: datetime,
    kinds: frozenset[AppointmentKind] | None = None,
) -> list[Appointment]:
    """The client's appointments still to come (of ``kinds``, or every kind), soonest first."""
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.kind.in_(sorted(kinds)) if kinds is not None else true(),
                Appointment.client_id == client_id,
                Appointment.starts_at > now,
                Appointment.status.in_(
                    [
                        AppointmentStatus.SCHEDULED,
                        AppointmentStatus.CONFIRMED,
                        AppointmentStatus.RESCHEDULE_REQUESTED,
                    ]
                ),
            )
            .order_by(Appointment.starts_at)
        )
    )


def plan_appointment(session: Session, appointment: Appointment, now: datetime) -> int:
    """Queue the notices an appointment gets at the client's level; return how many were
    planned (a notice already sent or queued for this time is not queued again)."""
    client = session.get(Client, appointment.client_id)
    assert client is not None
    overrides = overrides_for(session, [client.id]).get(client.id, {})
    zone = ZoneInfo(client.timezone)
    schedule = schedule_for(client, overrides, agenda.local_date(now, zone))
    slot = agenda.AppointmentSlot(appointment.id, appointment.starts_at)
    notices = agenda.plan_notices(schedule, slot, now)
    # A notice withdrawn by any path (an opt-out, a pause, staff stopping texts) went to
    # nobody: it must not hold the key of the notice planned now.
    session.execute(
        update(Message)
        .where(
            Message.appointment_id == appointment.id,
            Message.status == Status.CANCELLED,
            Message.kind.in_(NOTICE_KINDS),
            Message.dedupe_key.not_like("%:withdrawn:%"),
        )
        .values(dedupe_key=_withdrawn_key())
        .execution_options(synchronize_session=False)
    )
    enqueue_many(session, [_queued(now, n, client.id, appointment.id) for n in notices])
    return len(notices)


def withdraw_notices(session: Session, appointment: Appointment, now: datetime, reason: str) -> int:
    """Cancel an appointment's texts that tell its time and have not gone out (notices,
    a moved text); return how many. Their keys are freed: should the appointment come
    back to that time before anything was sent, its notices are planned again."""
    return (
        session.execute(
            update(Message)
            .where(
                Message.appointment_id == appointment.id,
                Message.status == Status.PENDING,
                Message.kind.in_(TELLING_KINDS),
            )
            .values(
                status=Status.CANCELLED,
                status_reason=reason,
                updated_at=now,
                dedupe_key=_withdrawn_key(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def told_time(session: Session, appointment: Appointment) -> str | None:
    """The appointment time the client was last told (``agenda.announces``), "" when a
    text told them a time no longer on record, None when nothing has told them yet.

    A text being sent counts as told: better one text too many about a move than none.
    """
    told = session.execute(
        select(Message.params)
        .where(
            Message.appointment_id == appointment.id,
            Message.kind.in_(TELLING_KINDS),
            Message.status.in_(TOLD),
        )
        .order_by(func.coalesce(Message.sent_at, Message.updated_at).desc(), Message.id.desc())
        .limit(1)
    ).first()
    if told is None:
        return None
    return str((told.params or {}).get("starts_at", ""))


def still_announced(row: Message, appointment: Appointment) -> bool:
    """Whether ``row`` (a notice or moved text about ``appointment``) still tells its
    time: not cancelled since, not moved since (rows from before times were recorded
    on them are taken at their word)."""
    if appointment.status == AppointmentStatus.CANCELLED:
        return False
    announced = (row.params or {}).get("starts_at")
    return announced is None or announced == agenda.announces(appointment.starts_at)


def reschedule_appointment(
    session: Session, appointment: Appointment, starts_at: datetime, now: datetime
) -> bool:
    """Move an appointment: unsent texts about the old time withdrawn, notices planned for
    the new one, and one "moved" text if the client had been told another time.

    Returns whether a moved text was queued. Moving again before it went withdraws it
    too, so the client hears of the latest time once, and of nothing if the time is
    back to the one they were told.
    """
    told = told_time(session, appointment)
    withdraw_notices(session, appointment, now, "appointment moved")
    appointment.starts_at = starts_at
    appointment.revision += 1
    appointment.status = AppointmentStatus.SCHEDULED
    appointment.updated_at = now
    session.flush()
    texted = told is not None and told != agenda.announces(starts_at)
    if texted:
        # One moved text per move (the revision counts moves), never one per re-plan;
        # queued before the new notices, so it goes first when both are due at once.
        key = f"appt:{appointment.id}:r{appointment.revision}:moved"
        _tell(session, appointment, "appt_moved", key, now)
    plan_appointment(session, appointment, now)
    return texted


def cancel_appointment(session: Session, appointment: Appointment, now: datetime) -> bool:
    """Cancel: unsent notices withdrawn; a cancellation text if the client had been told
    of it (a notice or a moved text went out). Returns whether one was queued."""
    told = told_time(session, appointment)
    withdraw_notices(session, appointment, now, "appointment cancelled")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.updated_at = now
    if told is None:
        return False
    _tell(session, appointment, "appt_cancelled", f"appt:{appointment.id}:cancelled", now)
    return True


def _tell(
    session: Session, appointment: Appointment, kind: str, dedupe_key: str, now: datetime
) -> None:
    """Queue a text telling the client what became of ``appointment``, at the first
    moment of their texting window, until the appointment would have begun."""
    client = session.get(Client, appointment.client_id)
    assert client is not None
    zone = ZoneInfo(client.timezone)
    send = next_allowed(now, zone, client.send_window_start, client.send_window_end)
    enqueue_many(
        session,
        [
            outbox_row(
                now,
                kind=kind,
                dedupe_key=dedupe_key,
                client_id=appointment.client_id,
                appointment_id=appointment.id,
                send_after=send,
                expires_at=appointment.starts_at,
                params={
                    "appointment_id": appointment.id,
                    "starts_at": agenda.announces(appointment.starts_at),
                },
            )
        ],
    )


# -- what a text says, decided when it is sent ----------------------------------------


def resolve_params(session: Session, row: Message, client: Client) -> dict[str, Any] | None:
    """Extra placeholders for ``row`` as of now, or None if it must not go any more.

    Appointment texts take the appointment's current time and place; a plan
    reminder takes the next line of the client's current plan.
    """
    if row.appointment_id is not None:
        appointment = session.get(Appointment, row.appointment_id)
        if appointment is None:
            return None
        if row.kind in TELLING_KINDS and not still_announced(row, appointment):
            return None  # moved or cancelled since: the text about that says what is new
        if row.kind != "appt_cancelled" and appointment.status == AppointmentStatus.CANCELLED:
            return None
        return {
            "at": appointment.starts_at.isoformat(),
            "timezone": client.timezone,
            "location": appointment.location,
        }
    if row.kind == "plan_reminder":
        version = latest_plan(session, client.id)
        lines = reminder_lines(version.content) if version else []
        history = session.scalars(
            select(Message.params)
            .where(
                Message.client_id == client.id,
                Message.kind == "plan_reminder",
                Message.status.in_([Status.SENT, Status.DELIVERED]),
            )
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(200)
        )
        line = next_line(lines, (p.get("item_id", "") for p in history))
        if line is None:
            return None
        row.params = {**(row.params or {}), "item_id": line.item_id}
        return {"line_template": line.template, "line_words": line.params}
    extra: dict[str, Any] = {}
    if (row.params or {}).get("topic") in PLAN_TOPICS:
        goal = _goal_to_ask(session, row, client)
        if goal is None:
            return None  # no approach goal to ask about any more: the check-in is withdrawn
        row.params = {**(row.params or {}), "item_id": goal.item_id}
        extra["goal"] = goal.params["goal"]
    if row.kind == "checkin_prompt" and _missed_last_time(session, row):
        extra["nudge"] = True  # "we missed you last time", never a reproach
    return extra


def _goal_to_ask(session: Session, row: Message, client: Client) -> PlanLine | None:
    """The approach goal a goal question asks about: the one its prompt asked (for the
    reminder), else the next in turn, each goal asked before any is asked again."""
    version = latest_plan(session, client.id)
    lines = goal_lines(version.content) if version else []
    asked = asked_goal(session, row.check_in_id) if row.kind != "checkin_prompt" else None
    if asked is not None:
        same = next((line for line in lines if line.item_id == asked), None)
        if same is not None:
            return same
    history = session.scalars(
        select(Message.params)
        .where(
            Message.client_id == client.id,
            Message.kind == "checkin_prompt",
            Message.status.in_(TOLD),
            Message.id != row.id,
        )
        .order_by(Message.id.desc())
        .limit(200)
    )
    return next_line(lines, ((p or {}).get("item_id", "") for p in history))


def asked_goal(session: Session, check_in_id: int | None) -> str | None:
    """The plan item id of the approach goal a check-in's question named, if any."""
    if check_in_id is None:
        return None
    params = session.scalar(
        select(Message.params)
        .where(Message.check_in_id == check_in_id, Message.kind == "checkin_prompt")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return (params or {}).get("item_id")


def _missed_last_time(session: Session, row: Message) -> bool:
    """Whether the client's check-in before this one ended missed."""
    due = session.scalar(select(CheckIn.due_at).where(CheckIn.id == row.check_in_id))
    if due is None:
        return False
    last = session.scalar(
        select(CheckIn.status)
        .where(
            CheckIn.client_id == row.client_id,
            CheckIn.due_at < due,
            CheckIn.status.in_([CheckInStatus.MISSED, CheckInStatus.ANSWERED]),
        )
        .order_by(CheckIn.due_at.desc())
        .limit(1)
    )
    return last == CheckInStatus.MISSED


def record_override(
    session: Session,
    client: Client,
    part: str,
    value: Any,
    reason: str,
    actor: Any,
    now: datetime,
) -> None:
    """Store one schedule override (or a return to derived, value None), logged."""
    session.add(
        ScheduleOverride(
            client_id=client.id,
            part=part,
            value=value,
            reason=reason,
            set_by_id=actor.id if actor else None,
            set_at=now,
        )
    )
    audit.record(
        session,
        "schedule.override",
        now=now,
        actor=actor,
        subject=client,
        details={"part": part, "value": value, "reason": reason},
    )
