"""What a client's ordinary reply means: an answer, a confirmation, or just a message.

Called from inbound texts (webhook and phone simulator) for anything that is
not a compliance keyword. The reply is matched to whatever we last asked: the
open check-in, or the appointment notice that asked for C or R. A reply that
matches nothing is kept and shown to the provider as a task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion import audit
from companion.care.topics import TOPICS
from companion.messaging.answers import Expects, Parsed, Problem, Question, parse_answer
from companion.messaging.keywords import fold
from companion.models import (
    Appointment,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Message,
    Status,
    Task,
    TaskStatus,
)

ASKING_KINDS = ("checkin_prompt", "checkin_reminder", "appt_day_before", "appt_same_day")
CONFIRM_WORDS = {"c", "confirm", "confirmed", "confirmar", "confirmo", "xac nhan"}
RESCHEDULE_WORDS = {"r", "reschedule", "reprogramar", "cambiar", "doi lich", "doi"}


@dataclass
class Outcome:
    """The texts to send back (kind, params) and what the reply was taken as."""

    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    matched: str = "none"  # "check_in" | "appointment" | "none"


def router(
    session: Session, client: Client, message: Message, now: datetime
) -> list[tuple[str, dict[str, Any]]]:
    """``route`` in the shape inbound.receive takes: just the texts to send back."""
    return route(session, client, message, now).replies


def question_for(topic: str) -> Question:
    spec = TOPICS[topic]
    return Question(Expects(spec.expects), spec.low, spec.high, spec.choices)


def _last_question(session: Session, client: Client) -> Message | None:
    return session.scalars(
        select(Message)
        .where(
            Message.client_id == client.id,
            Message.direction == Direction.OUTBOUND,
            Message.kind.in_(ASKING_KINDS),
            Message.status.in_([Status.SENT, Status.DELIVERED]),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    ).first()


def route(session: Session, client: Client, message: Message, now: datetime) -> Outcome:
    """Apply one reply and say what to answer."""
    body = message.body or ""
    asked = _last_question(session, client)
    if asked is not None and asked.appointment_id is not None:
        appointment = session.get(Appointment, asked.appointment_id)
        word = fold(body)
        if (
            appointment is not None
            and appointment.starts_at > now
            and (word in CONFIRM_WORDS or word in RESCHEDULE_WORDS)
        ):
            return _appointment_reply(session, appointment, message, word in CONFIRM_WORDS, now)

    check_in = session.scalars(
        select(CheckIn)
        .where(
            CheckIn.client_id == client.id,
            CheckIn.status == CheckInStatus.OPEN,
            CheckIn.due_at <= now,
            CheckIn.closes_at > now,
        )
        .order_by(CheckIn.due_at.desc())
        .limit(1)
    ).first()
    if check_in is not None and _was_asked(session, check_in):
        return _answer(session, check_in, message, now)

    session.add(
        Task(
            client_id=client.id,
            kind="unmatched_reply",
            status=TaskStatus.OPEN,
            message_id=message.id,
            note="A reply with no open question",
            created_at=now,
        )
    )
    return Outcome([("received", {})], "none")


def _was_asked(session: Session, check_in: CheckIn) -> bool:
    return (
        session.scalar(
            select(Message.id).where(
                Message.check_in_id == check_in.id,
                Message.kind == "checkin_prompt",
                Message.status.in_([Status.SENT, Status.DELIVERED]),
            )
        )
        is not None
    )


def _answer(session: Session, check_in: CheckIn, message: Message, now: datetime) -> Outcome:
    question = question_for(check_in.topic)
    parsed: Parsed = parse_answer(
        message.body or "", question, message.client.language if message.client else "en"
    )
    if parsed.problem is None or check_in.clarified:
        # Read, or already asked once to clarify: keep it (as free text if unreadable).
        check_in.status = CheckInStatus.ANSWERED
        check_in.answer_value = parsed.value if parsed.problem is None else None
        check_in.answer_text = (message.body or "")[:2000]
        check_in.answered_at = now
        check_in.answer_message_id = message.id
        session.execute(
            update(Message)
            .where(Message.check_in_id == check_in.id, Message.status == Status.PENDING)
            .values(status=Status.CANCELLED, status_reason="check-in answered", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return Outcome([("checkin_thanks", {})], "check_in")
    check_in.clarified = True
    check_in.answer_text = (message.body or "")[:2000]
    return Outcome([_clarify(question, parsed.problem)], "check_in")


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
