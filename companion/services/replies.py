"""What a client's ordinary reply means: an answer, a confirmation, or just a message.

Called from inbound texts (webhook and phone simulator) for anything that is
not a compliance keyword. The reply is matched to whatever we last asked: the
open check-in, or the appointment notice that asked for C or R. A reply that
matches nothing is kept and shown to the provider as a task.
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
from companion.messaging.acute import SEVERITY, Acute, detect
from companion.messaging.answers import Expects, Parsed, Problem, Question, parse_answer
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
    Message,
    Status,
    Task,
    TaskStatus,
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

# The crisis reply for each acute signal (DOMAIN.md, "Replies that need a person now").
CRISIS_REPLY = {
    Acute.SELF_HARM: "crisis_self_harm",
    Acute.VICTIM_ACCESS: "crisis_contact",
    Acute.THREAT: "crisis_threat",
    Acute.HIGH_URGE: "crisis_urge",
    Acute.LIFE_EVENT: "crisis_life_event",
}
# Check-in answers that are acute on their own: an urge of 8 or more, being in a
# situation the plan says to avoid, alcohol or drugs (a relapse).
URGE_AT_LEAST = 8


@dataclass
class Outcome:
    """The texts to send back (kind, params) and what the reply was taken as."""

    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    matched: str = "none"  # "check_in" | "appointment" | "none"
    acute: list[Acute] = field(default_factory=list)
    check_in: CheckIn | None = None
    # The client's open check-in when the reply came (an acute reply closes it, flagged).
    open_check_in: Asked | None = None


def router(
    session: Session, client: Client, message: Message, now: datetime, settings: EscalationSettings
) -> list[tuple[str, dict[str, Any]]]:
    """``route`` in the shape inbound.receive takes: just the texts to send back."""
    return route(session, client, message, now, settings).replies


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


def on_keyword(
    session: Session, client: Client, message: Message, now: datetime, settings: EscalationSettings
) -> None:
    """A keyword text (STOP, HELP...) that also needs a person now: alert, reply as usual."""
    signals = detect(message.body or "", client.language)
    if signals:
        for signal in signals:
            open_escalation(
                session, client, Reason(signal.value), now, settings, message_id=message.id,
                details={"from": "words in a keyword text"},
            )  # fmt: skip


def hooks(settings: EscalationSettings) -> dict[str, Callable[..., Any]]:
    """What the webhook and the phone simulator hand to ``receive``, bound to the settings."""
    return {
        "router": partial(router, settings=settings),
        "staff_router": staff_router,
        "on_consent": partial(on_consent, settings=settings),
        "on_keyword": partial(on_keyword, settings=settings),
    }


def route(
    session: Session, client: Client, message: Message, now: datetime, settings: EscalationSettings
) -> Outcome:
    """Apply one reply and say what to answer.

    Whatever the reply is taken as, words that need a person now (in any
    shipped language) get the matching crisis reply instead of the usual
    one, and the right people are alerted at once.
    """
    outcome = _route(session, client, message, now)
    signals = detect(message.body or "", client.language)
    signals = [a for a in SEVERITY if a in set(signals) | set(outcome.acute)]
    if signals:
        _flag_check_in(session, outcome, message, now)
        for signal in signals:
            open_escalation(
                session, client, Reason(signal.value), now, settings, message_id=message.id,
                check_in_id=outcome_check_in(outcome),
                details={"from": "check-in answer" if signal in outcome.acute else "reply words"},
            )  # fmt: skip
        # One text back: the crisis reply for the most serious signal, replacing the usual.
        outcome.replies = [_crisis_reply(session, client, signals[0])]
        outcome.acute = signals
    return outcome


def _crisis_reply(session: Session, client: Client, signal: Acute) -> tuple[str, dict]:
    """The crisis reply for ``signal``; an urge reply names the client's support contact."""
    if signal == Acute.HIGH_URGE:
        plan = latest_plan(session, client.id)
        contact = crisis_contact(plan.content) if plan is not None else None
        if contact is not None:
            return "crisis_urge_contact", contact
    return CRISIS_REPLY[signal], {}


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


def _route(session: Session, client: Client, message: Message, now: datetime) -> Outcome:
    """Bind the reply to the open question it fits (docs/conversation.md) and apply it."""
    decision, open_now, _ = conversation.bind(
        session, client.id, message.body or "", client.language, now
    )
    _bind(message, decision.binding, decision.question)
    outcome = _apply(session, client, message, decision, now)
    outcome.open_check_in = next((q for q in open_now if q.purpose == Purpose.CHECK_IN), None)
    return outcome


def _bind(message: Message, binding: Binding, question: Asked | None) -> None:
    message.binding = binding.value
    message.in_reply_to_id = question.message_id if question is not None else None


def _apply(
    session: Session, client: Client, message: Message, decision: Decision, now: datetime
) -> Outcome:
    question = decision.question
    if decision.binding == Binding.BOUND and question is not None:
        if question.purpose == Purpose.CLARIFICATION:
            return _which(session, client, message, question, now)
        return _answer_question(session, client, message, question, now)
    if decision.binding == Binding.AMBIGUOUS:
        if {q.purpose for q in decision.candidates} == {Purpose.CHECK_IN, Purpose.APPOINTMENT}:
            # "Reply 1 for the check-in question or 2 for the appointment": nothing is
            # recorded until the client says which.
            options = [q.message_id for q in decision.candidates]
            return Outcome([("clarify_which", {"options": options, "reply": message.id})])
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
    staff read it."""
    session.add(
        Task(
            client_id=client.id,
            kind=kind,
            status=TaskStatus.OPEN,
            message_id=message.id,
            note=note,
            created_at=now,
        )
    )


def _answer_question(
    session: Session, client: Client, message: Message, question: Asked, now: datetime
) -> Outcome:
    """Record ``message`` as the answer to ``question`` (a check-in or a confirm request)."""
    if question.purpose == Purpose.CHECK_IN:
        check_in = session.get(CheckIn, question.check_in_id)
        assert check_in is not None
        return _answer(session, check_in, message, now)
    # The reply answers the notice it follows, about the time that notice gave: moved or
    # cancelled since, it confirms nothing (a person looks at it).
    stale = _stale_notice(session, question)
    if stale is not None:
        return _stale_appointment_reply(session, stale, message, now)
    appointment = session.get(Appointment, question.appointment_id)
    assert appointment is not None
    confirm = conversation.appointment_answer(message.body or "", client.language)
    return _appointment_reply(session, appointment, message, bool(confirm), now)


def _which(
    session: Session, client: Client, message: Message, question: Asked, now: datetime
) -> Outcome:
    """The answer to "Reply 1 for ... or 2 for ...": the earlier reply counts for that one."""
    clarification = session.get(Message, question.message_id)
    assert clarification is not None
    params = clarification.params or {}
    picked = parse_answer(message.body or "", conversation.WHICH, client.language).value
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
    return _answer_question(session, client, earlier, chosen, now)


def _answer(session: Session, check_in: CheckIn, message: Message, now: datetime) -> Outcome:
    question = conversation.question_for(check_in.topic)
    parsed: Parsed = parse_answer(
        message.body or "", question, message.client.language if message.client else "en"
    )
    if parsed.problem is None or check_in.clarified:
        # Read, or already asked once to clarify: keep it (as free text if unreadable),
        # and words nobody could read go to a person (nothing unclear is dropped).
        _close(session, check_in, message, parsed.value if parsed.problem is None else None, now)
        if parsed.problem is not None:
            _task(session, check_in.client, message, UNREAD, now, kind="unread_answer")
        replies = _option(session, check_in, message, now) or [acknowledge(session, check_in)]
        return Outcome(replies, "check_in", _acute_answer(check_in), check_in)
    check_in.clarified = True
    check_in.answer_text = (message.body or "")[:2000]
    return Outcome([_clarify(question, parsed.problem)], "check_in", check_in=check_in)


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
        session.add(
            Task(
                client_id=client.id,
                kind="call_back",
                status=TaskStatus.OPEN,
                message_id=message.id,
                note="The client asked for a call (check-in: stuck on something)",
                created_at=now,
                due_at=due,
            )
        )
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


def _clarify(question: Question, problem: Problem) -> tuple[str, dict[str, Any]]:
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
        session.add(
            Task(
                client_id=appointment.client_id,
                kind="reschedule_request",
                status=TaskStatus.OPEN,
                message_id=message.id,
                appointment_id=appointment.id,
                note="The client asked to reschedule",
                created_at=now,
            )
        )
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
    session.add(
        Task(
            client_id=appointment.client_id,
            kind="stale_appointment_reply",
            status=TaskStatus.OPEN,
            message_id=message.id,
            appointment_id=appointment.id,
            note=(
                "A reply to a notice about an appointment since cancelled"
                if cancelled
                else "A reply to a notice about an appointment since moved"
            ),
            created_at=now,
        )
    )
    return Outcome([("received", {})], "none")


def _acute_answer(check_in: CheckIn) -> list[Acute]:
    """An answer that is acute on its own, whatever words came with it."""
    value = check_in.answer_value
    if check_in.topic == "urges" and value is not None and int(value) >= URGE_AT_LEAST:
        return [Acute.HIGH_URGE]
    if check_in.topic == "plan_conditions" and value == "yes":
        return [Acute.VICTIM_ACCESS]
    if check_in.topic == "substances" and value == "yes":
        return [Acute.LIFE_EVENT]
    return []
