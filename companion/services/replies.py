"""What a client's ordinary reply means: an answer, a confirmation, or just a message.

Called from inbound texts (webhook and phone simulator). ``screen`` runs first on
every client text (issue 14): each risk signal of its Reading opens an escalation
with the text linked, and the crisis reply goes at once. ``route`` then handles
anything that is not a compliance keyword, from the same Reading: the reply is
matched to whatever we last asked (the open check-in, or the appointment notice
that asked for C or R). A reply that matches nothing, or is not fully understood,
is kept and shown to the provider as a task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.care.conversation import (
    OPTIONS,
    Asked,
    Binding,
    Decision,
    Purpose,
    call_back_due,
    open_questions,
)
from companion.care.ladder import Reason
from companion.care.plan import crisis_contact
from companion.messaging import understanding
from companion.messaging.answers import Expects, Question
from companion.messaging.understanding import ROUTES, Reading, Signal
from companion.messaging.understanding import Expects as Expects_
from companion.models import (
    Appointment,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    Consent,
    ConsentEvent,
    ConsentKind,
    Direction,
    Escalation,
    Message,
    Status,
    Task,
)
from companion.services import audit, conversation
from companion.services.acknowledgements import acknowledge
from companion.services.escalations import (
    EscalationSettings,
    consent_changed,
    open_escalation,
    staff_reply,
)
from companion.services.planning import latest_plan, still_announced
from companion.services.tasks import reply_task

# The crisis reply for each risk signal (DOMAIN.md, "Replies that need a person now").
# Discreet: none names what was said; each says texts are not watched around the clock.
CRISIS_REPLY: dict[Signal, str] = {
    Signal.SELF_HARM: "crisis_self_harm",
    Signal.HIGH_URGE: "crisis_urge",  # the plan's coping step and support contact
    Signal.CHILD_SEXUAL_THOUGHTS: "crisis_urge",
    Signal.CSAM: "crisis_urge",
    Signal.MINOR_ACCESS: "crisis_contact",
    Signal.VICTIM_CONTACT: "crisis_contact",
    Signal.THREAT: "crisis_threat",
    Signal.WEAPON: "crisis_threat",
    Signal.SUBSTANCE: "crisis_life_event",
    Signal.HOUSING_WORK: "crisis_life_event",
    Signal.LEAVING_AREA: "crisis_life_event",
}
# The escalation reason for each signal (old rows keep their own values: care/ladder.py).
REASON: dict[Signal, Reason] = {
    Signal.SELF_HARM: Reason.SELF_HARM,
    Signal.HIGH_URGE: Reason.HIGH_URGE,
    Signal.CHILD_SEXUAL_THOUGHTS: Reason.CHILD_SEXUAL_THOUGHTS,
    Signal.CSAM: Reason.CSAM,
    Signal.MINOR_ACCESS: Reason.MINOR_ACCESS,
    Signal.VICTIM_CONTACT: Reason.VICTIM_CONTACT,
    Signal.THREAT: Reason.THREAT,
    Signal.WEAPON: Reason.WEAPON,
    Signal.SUBSTANCE: Reason.SUBSTANCE,
    Signal.HOUSING_WORK: Reason.HOUSING_WORK,
    Signal.LEAVING_AREA: Reason.LEAVING_AREA,
}
# Most serious first: the order the crisis reply is chosen in.
SEVERITY: tuple[Signal, ...] = tuple(Signal)
# Check-in answers that are acute on their own: an urge of 8 or more, being in a
# situation the plan says to avoid, alcohol or drugs (a relapse).
URGE_AT_LEAST = 8


@dataclass
class Outcome:
    """The texts to send back (kind, params) and what the reply was taken as."""

    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    matched: str = "none"  # "check_in" | "appointment" | "none"
    # Signals of the answer itself (an urge of 9, "yes" to alcohol or drugs).
    acute: list[Signal] = field(default_factory=list)
    check_in: CheckIn | None = None
    # The client's open check-in when the reply came (an acute reply closes it, flagged).
    open_check_in: Asked | None = None


def router(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    now: datetime,
    known: conversation.Questions | None = None,
    *,
    settings: EscalationSettings,
) -> list[tuple[str, dict[str, Any]]]:
    """``route`` in the shape inbound.receive takes: just the texts to send back."""
    return route(session, client, message, reading, now, settings, known).replies


def staff_router(
    session: Session, staff: Any, message: Message, now: datetime
) -> tuple[str, dict[str, Any]]:
    """A text from a staff member's registered phone ("OK 4821")."""
    return staff_reply(session, staff, message.body or "", now)


def on_consent(
    session: Session, client: Client, consent: Consent, now: datetime, settings: EscalationSettings
) -> None:
    """The client texted STOP or START: write it in the consent ledger, then tell whom it may."""
    # inbound.receive has just stored (and flushed) the text that changed it.
    message_id = session.scalar(
        select(Message.id)
        .where(
            Message.client_id == client.id,
            Message.direction == Direction.INBOUND,
            Message.created_at == now,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    session.add(
        ConsentEvent(
            client_id=client.id,
            at=now,
            kind=ConsentKind.OPT_OUT if consent == Consent.OPTED_OUT else ConsentKind.OPT_IN,
            recorded_by_id=None,
            roi_officer_contact=bool(client.roi_officer_contact),
            message_id=message_id,
        )
    )
    consent_changed(session, client, consent, now, settings.base_url)


def screen(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    now: datetime,
    settings: EscalationSettings,
) -> list[tuple[str, dict[str, Any]]]:
    """Screening, first, on every client text (issue 14): each signal reaches a person.

    Urgent signals open an urgent escalation at once (the route's people: the clinician,
    and the officer too for supervision matters); same-day ones an escalation for the
    provider. Where no escalation can be opened (a paused client raises nothing routine)
    the text becomes a task, so nothing is closed silently. Returns the crisis reply
    for the most serious signal (none for an ordinary text).
    """
    if not reading.signals:
        return []
    for signal in reading.signals:
        escalation = open_escalation(
            session, client, REASON[signal], now, settings, message_id=message.id,
            details={"from": "reply words", "route": str(ROUTES[signal])},
        )  # fmt: skip
        if escalation is None:
            reply_task(
                session, client_id=client.id, kind="signal_reply", message_id=message.id,
                note=f"A reply that needs a person ({signal.value.replace('_', ' ')})", now=now,
            )  # fmt: skip
    return [_crisis_reply(session, client, reading.signals[0])]


def hooks(settings: EscalationSettings) -> dict[str, Callable[..., Any]]:
    """What the webhook and the phone simulator hand to ``receive``, bound to the settings."""
    return {
        "router": partial(router, settings=settings),
        "staff_router": staff_router,
        "on_consent": partial(on_consent, settings=settings),
        "screen": partial(screen, settings=settings),
    }


def route(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    now: datetime,
    settings: EscalationSettings,
    known: conversation.Questions | None = None,
) -> Outcome:
    """Apply one reply, read once (``reading``), and say what to answer.

    The words' signals were screened before (``screen``: alerts and the crisis reply,
    which replaces this answer); here a reply to a check-in that carries any signal
    answers it, flagged, and an answer acute on its own (an urge of 8 or more) alerts
    the right people at once and gets its crisis reply.
    """
    outcome = _route(session, client, message, reading, now, known)
    if reading.needs_human and not reading.signals and not _asked_again(outcome):
        _unless_tasked(session, client, message, now)
    signals = [s for s in SEVERITY if s in set(reading.signals) | set(outcome.acute)]
    if signals:
        _flag_check_in(session, outcome, message, now)
        for signal in outcome.acute:
            open_escalation(
                session, client, _answer_reason(outcome, signal), now, settings,
                message_id=message.id, check_in_id=outcome_check_in(outcome),
                details={"from": "check-in answer"},
            )  # fmt: skip
        if outcome.check_in is not None:
            # The alerts screening opened for these words belong with the check-in too.
            session.execute(
                update(Escalation)
                .where(Escalation.message_id == message.id, Escalation.check_in_id.is_(None))
                .values(check_in_id=outcome.check_in.id)
                .execution_options(synchronize_session=False)
            )
        # One text back: the crisis reply for the most serious signal, replacing the usual.
        outcome.replies = [_crisis_reply(session, client, signals[0])]
        outcome.acute = signals
    return outcome


def _asked_again(outcome: Outcome) -> bool:
    """The client was asked to answer once more (the question is still open)."""
    return any(kind.startswith("clarify_") for kind, _ in outcome.replies)


def _unless_tasked(session: Session, client: Client, message: Message, now: datetime) -> None:
    """A reply the reading did not fully understand (``Reading.needs_human``) reaches a
    person: a task, unless its binding already made one (unbound, late, unread...)."""
    # The text arrived in this transaction, so any task about it was made in it too: look
    # in the session rather than ask the database (the webhook stays a handful of statements).
    made = [*session.new, *session.identity_map.values()]
    if not any(isinstance(o, Task) and o.message_id == message.id for o in made):
        note = "A reply that was not fully understood"
        _task(session, client, message, note, now, kind="unclear_reply")


def _answer_reason(outcome: Outcome, signal: Signal) -> Reason:
    """The reason for an answer that is acute on its own: "yes" to "in a situation your
    plan says to avoid" keeps its own reason (an avoid-condition, not a named victim)."""
    check_in = outcome.check_in
    if check_in is not None and check_in.topic == "plan_conditions":
        return Reason.VICTIM_ACCESS
    return REASON[signal]


def _crisis_reply(session: Session, client: Client, signal: Signal) -> tuple[str, dict]:
    """The crisis reply for ``signal``; an urge reply names the client's support contact."""
    kind = CRISIS_REPLY[signal]
    if kind == "crisis_urge":
        plan = latest_plan(session, client.id)
        contact = crisis_contact(plan.content) if plan is not None else None
        if contact is not None:
            return "crisis_urge_contact", contact
    return kind, {}


def outcome_check_in(outcome: Outcome) -> int | None:
    return outcome.check_in.id if outcome.check_in is not None else None


def _flag_check_in(session: Session, outcome: Outcome, message: Message, now: datetime) -> None:
    """An acute reply to a check-in answers it, flagged: never a miss (issue 13, item 4).

    The check-in it was bound to, or else the one open when it came, unless the reply
    answered an appointment.
    """
    check_in = outcome.check_in
    if check_in is None and outcome.matched != "appointment" and outcome.open_check_in:
        check_in = session.get(CheckIn, outcome.open_check_in.check_in_id)
        if check_in is not None and check_in.status == CheckInStatus.OPEN:
            _bind(message, Binding.BOUND, outcome.open_check_in)
    if check_in is None:
        return
    if check_in.status == CheckInStatus.OPEN:
        _close(session, check_in, message, None, now)
    if check_in.answer_message_id == message.id:
        check_in.flagged = True
        outcome.check_in = check_in


def _route(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    now: datetime,
    known: conversation.Questions | None = None,
) -> Outcome:
    """Bind the reply to the open question it fits (docs/conversation.md) and apply it."""

    def reread(expects: Expects_) -> Reading:
        # Only for a reply that may answer a closed question of another type (bind).
        return understanding.read(message.body or "", client.language, expects)

    known = known or conversation.questions(session, client.id, now)
    reading = conversation.read_for_all_open(session, client.id, reading, now, reread, known)
    decision, open_now, _ = conversation.bind(session, client.id, reading, now, reread, known)
    _bind(message, decision.binding, decision.question)
    outcome = _apply(session, client, message, reading, decision, now)
    outcome.open_check_in = next((q for q in open_now if q.purpose == Purpose.CHECK_IN), None)
    return outcome


def _bind(message: Message, binding: Binding, question: Asked | None) -> None:
    message.binding = binding.value
    message.in_reply_to_id = question.message_id if question is not None else None


def _apply(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    decision: Decision,
    now: datetime,
) -> Outcome:
    question = decision.question
    if decision.binding == Binding.BOUND and question is not None:
        if question.purpose == Purpose.CLARIFICATION:
            return _which(session, client, message, reading, question, now)
        return _answer_question(session, client, message, reading, question, now)
    if decision.binding == Binding.AMBIGUOUS:
        if {q.purpose for q in decision.candidates} == {Purpose.CHECK_IN, Purpose.APPOINTMENT}:
            # "Reply 1 for the check-in question or 2 for the appointment": nothing is
            # recorded until the client says which.
            options = [q.message_id for q in decision.candidates]
            kept = reading.as_json()
            answer = {"answer": kept["answer"], "appointment": kept["appointment"]}
            params = {"options": options, "reply": message.id, "reading": answer}
            return Outcome([("clarify_which", params)])
        # Two check-ins (or two appointments) open at once, from before the one-question
        # rule: a text cannot tell them apart in a few words. Staff decide.
        _task(session, client, message, "A reply that could answer two open questions", now)
        return Outcome([("received", {})])
    if decision.binding == Binding.LATE and question is not None:
        stale = _stale_notice(session, question)
        if stale is not None:  # the appointment moved or was cancelled since the notice
            return _stale_appointment_reply(session, stale, message, now)
    note = {
        Binding.LATE: "A late reply: its question had already closed",
        Binding.UNBOUND: "A reply with no open question",
    }[decision.binding]
    _task(session, client, message, note, now)
    return Outcome([("received", {})])


# The note on the task for a check-in answer kept as words because it could not be read.
UNREAD = "A check-in answer that could not be read, even after asking once more"


def _stale_notice(session: Session, question: Asked) -> Appointment | None:
    """The appointment a notice asked about, if it has moved or been cancelled since."""
    if question.purpose != Purpose.APPOINTMENT:
        return None
    appointment = session.get(Appointment, question.appointment_id)
    asked = session.get(Message, question.message_id)
    if appointment is None or asked is None or still_announced(asked, appointment):
        return None
    return appointment


def _task(
    session: Session,
    client: Client,
    message: Message,
    note: str,
    now: datetime,
    kind: str = "unmatched_reply",
) -> None:
    """A reply that answers nothing it can be recorded against (or could not be read):
    staff read it, with the question it answered (services.tasks.reply_task)."""
    reply_task(session, client_id=client.id, kind=kind, message_id=message.id, note=note, now=now)


def _answer_question(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    question: Asked,
    now: datetime,
) -> Outcome:
    """Record ``message`` as the answer to ``question`` (a check-in or a confirm request)."""
    if question.purpose == Purpose.CHECK_IN:
        check_in = session.get(CheckIn, question.check_in_id)
        assert check_in is not None
        return _answer(session, check_in, message, reading, now)
    # The reply answers the notice it follows, about the time that notice gave: moved or
    # cancelled since, it confirms nothing (a person looks at it).
    stale = _stale_notice(session, question)
    if stale is not None:
        return _stale_appointment_reply(session, stale, message, now)
    appointment = session.get(Appointment, question.appointment_id)
    assert appointment is not None
    confirm = conversation.appointment_answer(reading)
    return _appointment_reply(session, appointment, message, bool(confirm), now)


def _which(
    session: Session,
    client: Client,
    message: Message,
    reading: Reading,
    question: Asked,
    now: datetime,
) -> Outcome:
    """The answer to "Reply 1 for ... or 2 for ...": the earlier reply counts for that one."""
    clarification = session.get(Message, question.message_id)
    assert clarification is not None
    params = clarification.params or {}
    picked = conversation.answer_to(conversation.WHICH, reading)
    earlier = session.get(Message, params.get("reply"))
    options = params.get("options") or []
    if earlier is None or picked is None or not 1 <= int(picked) <= len(options):
        return Outcome([("received", {})])
    asked, _ = conversation.asked_of(session, client.id, now)
    chosen = next((a for a in asked if a.message_id == options[int(picked) - 1]), None)
    if chosen is None or chosen not in open_questions(asked, now):
        # It closed while the client was choosing: kept with it, late, for staff.
        _bind(earlier, Binding.LATE, chosen)
        _task(session, client, earlier, "A late reply: its question had already closed", now)
        return Outcome([("received", {})])
    _bind(earlier, Binding.BOUND, chosen)
    # The earlier reply's own reading, kept with the question that asked "which one?"
    # (a text is read once: never again here).
    earlier_reading = _kept_reading(params.get("reading"))
    return _answer_question(session, client, earlier, earlier_reading, chosen, now)


def _kept_reading(kept: Any) -> Reading:
    """What a reply was read as (``Reading.as_json``, kept on the "which one?" text); its
    answer and appointment reply are all the chosen question needs."""
    kept = kept if isinstance(kept, dict) else {}
    return Reading(
        keyword=None, answer=kept.get("answer"), appointment=kept.get("appointment"),
        signals=(), urgent=False, needs_human=False, stop_mentioned=False,
    )  # fmt: skip


def _answer(
    session: Session, check_in: CheckIn, message: Message, reading: Reading, now: datetime
) -> Outcome:
    question = conversation.question_for(check_in.topic)
    value = conversation.answer_to(question, reading)
    if value is not None or check_in.clarified:
        # Read, or already asked once to clarify: keep it (as free text if unreadable),
        # and words nobody could read go to a person with the question they answered
        # (nothing unclear is closed silently).
        _close(session, check_in, message, value, now)
        if value is None:
            _task(session, check_in.client, message, UNREAD, now, kind="unread_answer")
        replies = _option(session, check_in, message, now) or [acknowledge(session, check_in)]
        return Outcome(replies, "check_in", _acute_answer(check_in), check_in)
    check_in.clarified = True
    check_in.answer_text = (message.body or "")[:2000]
    return Outcome([_clarify(question)], "check_in", check_in=check_in)


def _option(
    session: Session, check_in: CheckIn, message: Message, now: datetime
) -> list[tuple[str, dict[str, Any]]]:
    """What an answer that picks an offered option does (care.conversation.OPTIONS), as
    the texts back; none for an ordinary answer."""
    action = OPTIONS.get((check_in.topic, str(check_in.answer_value)))
    if action == "tips":
        # The thanks, then a line of the client's own plan (resolved when it is sent).
        return [("checkin_thanks", {}), ("plan_reminder", {"tip": True})]
    if action == "call_back":
        client = check_in.client
        due = call_back_due(now, client.timezone)
        reply_task(
            session, client_id=client.id, kind="call_back", message_id=message.id,
            note="The client asked for a call (check-in: stuck on something)", now=now,
            due_at=due,
        )  # fmt: skip
        # Truthful: when the team will call, that texts are not watched, and 988 meanwhile.
        return [("call_back", {"at": due.isoformat(), "timezone": client.timezone})]
    return []


def _close(
    session: Session, check_in: CheckIn, message: Message, value: str | None, now: datetime
) -> None:
    """Record the answer and cancel the reminder still waiting."""
    check_in.status = CheckInStatus.ANSWERED
    check_in.answer_value = value
    check_in.answer_text = (message.body or "")[:2000]
    check_in.answered_at = now
    check_in.answer_message_id = message.id
    session.execute(
        update(Message)
        .where(Message.check_in_id == check_in.id, Message.status == Status.PENDING)
        .values(status=Status.CANCELLED, status_reason="check-in answered", updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _clarify(question: Question) -> tuple[str, dict[str, Any]]:
    if question.expects == Expects.RATING:
        return "clarify_rating", {"low": question.low, "high": question.high}
    if question.expects == Expects.YES_NO:
        return "clarify_yes_no", {}
    return "clarify_choice", {"choices": ", ".join(question.choices)}


def _appointment_reply(
    session: Session, appointment: Appointment, message: Message, confirm: bool, now: datetime
) -> Outcome:
    if confirm:
        appointment.status = AppointmentStatus.CONFIRMED
        kind = "appt_confirmed"
    else:
        appointment.status = AppointmentStatus.RESCHEDULE_REQUESTED
        reply_task(
            session, client_id=appointment.client_id, kind="reschedule_request",
            message_id=message.id, appointment_id=appointment.id,
            note="The client asked to reschedule", now=now,
        )  # fmt: skip
        kind = "appt_reschedule"
    appointment.updated_at = now
    audit.record(
        session,
        f"appointment.{'confirmed' if confirm else 'reschedule_requested'}",
        now=now,
        actor_kind="client",
        subject=appointment,
    )
    return Outcome([(kind, {"appointment_id": appointment.id})], "appointment")


def _stale_appointment_reply(
    session: Session, appointment: Appointment, message: Message, now: datetime
) -> Outcome:
    """C or R to a notice whose appointment has since moved or been cancelled: kept,
    and a task for the provider, who knows what the client meant."""
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    reply_task(
        session, client_id=appointment.client_id, kind="stale_appointment_reply",
        message_id=message.id, appointment_id=appointment.id, now=now,
        note=(
            "A reply to a notice about an appointment since cancelled"
            if cancelled
            else "A reply to a notice about an appointment since moved"
        ),
    )  # fmt: skip
    return Outcome([("received", {})], "none")


def _acute_answer(check_in: CheckIn) -> list[Signal]:
    """An answer that is acute on its own, whatever words came with it."""
    value = check_in.answer_value
    if check_in.topic == "urges" and value is not None and int(value) >= URGE_AT_LEAST:
        return [Signal.HIGH_URGE]
    if check_in.topic == "plan_conditions" and value == "yes":
        return [Signal.VICTIM_CONTACT]  # reason: VICTIM_ACCESS (_answer_reason)
    if check_in.topic == "substances" and value == "yes":
        return [Signal.SUBSTANCE]
    return []
