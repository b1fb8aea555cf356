"""The conversation with one client, from the database: what was asked, which question
is open, and which open question a reply fits (rules in ``companion.care.conversation``;
docs/conversation.md).

One query reads everything the rules need, so the webhook stays a handful of statements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from companion.care.conversation import (
    ASKING_KINDS,
    CLARIFY_WINDOW,
    CONFIRM_WINDOW,
    LATE_LOOKBACK,
    Asked,
    Binding,
    Decision,
    Purpose,
    decide,
    most_likely_answered,
    open_questions,
    waits_for,
)
from companion.care.topics import TOPICS
from companion.messaging import understanding
from companion.messaging.answers import Expects, Question
from companion.messaging.texts import KINDS
from companion.messaging.understanding import Reading
from companion.models import (
    Appointment,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Direction,
    Message,
    Status,
)

# Texts on their way or out: a claimed (sending) asking text is as good as asked.
OUT = (Status.SENDING, Status.SENT, Status.DELIVERED)
# The "which one?" clarification offers these, in this order (care.conversation.decide).
WHICH = Question(Expects.CHOICE, choices=("1", "2"))


def question_for(topic: str) -> Question:
    spec = TOPICS[topic]
    return Question(Expects(spec.expects), spec.low, spec.high, spec.choices)


def asked_of(
    session: Session, client_id: int, now: datetime, *, before: Message | None = None
) -> tuple[list[Asked], dict[int, str]]:
    """The client's asking texts of the last days and where each purpose stands, with
    each check-in's topic (by check-in id). ``before``: only texts claimed ahead of it
    (the dispatcher's view, so two texts due at the same instant never wait for each other).
    """
    answer = aliased(Message)
    query = (
        select(
            Message.id,
            Message.kind,
            Message.status,
            Message.sent_at,
            Message.claimed_at,
            Message.check_in_id,
            Message.appointment_id,
            CheckIn.status,
            CheckIn.closes_at,
            CheckIn.topic,
            Appointment.status,
            Appointment.starts_at,
            answer.id,
        )
        .outerjoin(CheckIn, CheckIn.id == Message.check_in_id)
        .outerjoin(Appointment, Appointment.id == Message.appointment_id)
        .outerjoin(
            answer,
            and_(answer.in_reply_to_id == Message.id, answer.binding == Binding.BOUND.value),
        )
        .where(
            Message.client_id == client_id,
            Message.direction == Direction.OUTBOUND,
            Message.kind.in_(ASKING_KINDS),
            Message.status.in_(OUT),
            or_(Message.sent_at >= now - LATE_LOOKBACK, Message.claimed_at >= now - LATE_LOOKBACK),
        )
        .order_by(Message.id.desc())
        .limit(50)
    )
    if before is not None:
        query = query.where(Message.id != before.id)
    asked: list[Asked] = []
    topics: dict[int, str] = {}
    for (
        message_id, kind, status, sent_at, claimed_at, check_in_id, appointment_id,
        check_in_status, check_in_closes, topic, appointment_status, starts_at, answer_id,
    ) in session.execute(query):  # fmt: skip
        if (
            status == Status.SENDING
            and before is not None
            and _turn(kind, message_id) > _turn(before.kind, before.id)
        ):
            continue  # claimed with it but after it in turn: it waits for this one
        at = sent_at or claimed_at
        if at is None:
            continue  # never went out: asks nothing yet
        if check_in_id is not None and check_in_status is not None:
            topics[check_in_id] = topic
            asked.append(
                Asked(
                    message_id, Purpose.CHECK_IN, at, check_in_closes,
                    settled=check_in_status != CheckInStatus.OPEN, check_in_id=check_in_id,
                )
            )  # fmt: skip
        elif appointment_id is not None and appointment_status is not None:
            asked.append(
                Asked(
                    message_id, Purpose.APPOINTMENT, at, min(starts_at, at + CONFIRM_WINDOW),
                    settled=appointment_status != AppointmentStatus.SCHEDULED,
                    appointment_id=appointment_id,
                )
            )  # fmt: skip
        elif kind == "clarify_which":
            asked.append(
                Asked(
                    message_id, Purpose.CLARIFICATION, at, at + CLARIFY_WINDOW,
                    settled=answer_id is not None,
                )
            )  # fmt: skip
    return asked, topics


def _turn(kind: str, message_id: int) -> tuple[int, int]:
    """Which of two asking texts due together goes first: a check-in (its window is
    hours) before a confirm request (it can wait until the appointment), then the older."""
    return (0 if kind.startswith("checkin_") else 1, message_id)


def waits_for_open_question(session: Session, message: Message, now: datetime) -> bool:
    """True when ``message`` is an asking text and the client has another open question:
    it stays pending and goes once that one is answered or closed (or expires unsent)."""
    if message.client_id is None or message.kind not in ASKING_KINDS:
        return False
    if KINDS[message.kind].reply:
        return False  # a clarification answers the client's own text: it goes at once
    asked, _ = asked_of(session, message.client_id, now, before=message)
    return waits_for(
        message.kind, (message.check_in_id, message.appointment_id), open_questions(asked, now)
    )


@dataclass(frozen=True)
class Questions:
    """The client's asking texts of the last days and each check-in's topic: loaded once
    per reply (``questions``), then read against, bound and applied without reloading."""

    asked: list[Asked]
    topics: dict[int, str]


def questions(session: Session, client_id: int, now: datetime) -> Questions:
    return Questions(*asked_of(session, client_id, now))


def expects_now(session: Session, client_id: int, now: datetime) -> understanding.Expects | None:
    """``expects_of`` the client's questions, loaded now."""
    return expects_of(questions(session, client_id, now), now)


def expects_of(known: Questions, now: datetime) -> understanding.Expects | None:
    """What the client's reply is read against (``understanding.read``): the open
    question (a "which one?" first, then the newest), else the question a late reply
    most likely answers, else None (no question)."""
    asked, topics = known.asked, known.topics
    open_now = open_questions(asked, now)
    clarifying = [q for q in open_now if q.purpose == Purpose.CLARIFICATION]
    candidates = clarifying or [q for q in open_now if q.purpose != Purpose.CLARIFICATION]
    if not candidates:
        closed = [a for a in asked if a.purpose != Purpose.CLARIFICATION]
        late = most_likely_answered(closed, now)
        candidates = [late] if late is not None else []
    return _expects(candidates[0], topics) if candidates else None


def _expects(question: Asked, topics: dict[int, str]) -> understanding.Expects:
    if question.purpose == Purpose.APPOINTMENT:
        return understanding.Expects("appointment")
    if question.purpose == Purpose.CLARIFICATION:
        return understanding.Expects("choice", choices=WHICH.choices)
    assert question.check_in_id is not None
    spec = question_for(topics[question.check_in_id])
    if spec.expects == Expects.RATING:
        return understanding.Expects("rating", spec.low, spec.high)
    if spec.expects == Expects.CHOICE:
        return understanding.Expects("choice", choices=spec.choices)
    return understanding.Expects("yes_no")


def answer_to(question: Question, reading: Reading) -> str | None:
    """The Reading's answer, if it is one ``question`` offers (a rating in its range,
    yes or no, one of its choices); None otherwise. Checks a value, reads no words."""
    value = reading.answer
    if value is None:
        return None
    if question.expects == Expects.RATING:
        return value if value.isdigit() and question.low <= int(value) <= question.high else None
    if question.expects == Expects.YES_NO:
        return value if value in ("yes", "no") else None
    return value if value in question.choices else None


def fits(question: Asked, reading: Reading, topics: dict[int, str]) -> bool:
    """Whether the reply (its ``reading``) is an answer to ``question``."""
    if question.purpose == Purpose.CHECK_IN:
        assert question.check_in_id is not None
        return answer_to(question_for(topics[question.check_in_id]), reading) is not None
    if question.purpose == Purpose.APPOINTMENT:
        return appointment_answer(reading) is not None
    return answer_to(WHICH, reading) is not None


def appointment_answer(reading: Reading) -> bool | None:
    """True to confirm (C, "confirm", yes), False to reschedule (R), None if neither."""
    if reading.appointment is not None:
        return reading.appointment == "confirm"
    if reading.answer == "yes":
        return True  # "yes" to "Reply C to confirm" confirms
    return None


def read_for_all_open(
    session: Session,
    client_id: int,
    reading: Reading,
    now: datetime,
    reread: Callable[[understanding.Expects], Reading],
    known: Questions | None = None,
) -> Reading:
    """``reading`` (made against the newest open question) with the answer and the
    appointment reply it would have against the other open questions filled in.

    With a yes/no check-in and a confirm request both open, "yes" reads as an
    appointment confirmation against one and as "yes" against the other: both must be
    seen, so that ``bind`` finds it fits two questions and asks which (never records
    it for the newer one only). Keywords and risk signals stay the first reading's.
    """
    known = known or questions(session, client_id, now)
    asked, topics = known.asked, known.topics
    current = expects_of(known, now)
    for question in open_questions(asked, now):
        if question.purpose == Purpose.CLARIFICATION:
            continue
        wanted = _expects(question, topics)
        if wanted == current:
            continue
        other = reread(wanted)
        reading = replace(
            reading,
            answer=reading.answer or other.answer,
            appointment=reading.appointment or other.appointment,
        )
    return reading


def bind(
    session: Session,
    client_id: int,
    reading: Reading,
    now: datetime,
    reread: Callable[[understanding.Expects], Reading] | None = None,
    known: Questions | None = None,
) -> tuple[Decision, list[Asked], dict[int, str]]:
    """What a reply answers (care.conversation.decide), with the questions considered.

    ``reading`` was made against the open question (``expects_now``). ``reread`` reads
    the same text against another question's expects: used only when the reply fits
    no open question and the question before, already closed, expects something else
    ("yes" to a closed yes/no question while a 0-10 one is open must be kept as late,
    never given to the newer one). ``known``: the questions already loaded for this reply."""
    known = known or questions(session, client_id, now)
    asked, topics = known.asked, known.topics
    open_now = open_questions(asked, now)
    # An open "which one?" was asked last and expressly: "1" or "2" answers it first.
    clarifying = [q for q in open_now if q.purpose == Purpose.CLARIFICATION]
    if clarifying and fits(clarifying[0], reading, topics):
        return Decision(Binding.BOUND, clarifying[0]), open_now, topics
    candidates = [q for q in open_now if q.purpose != Purpose.CLARIFICATION]
    fitting = [q for q in candidates if fits(q, reading, topics)]
    closed = [a for a in asked if a not in open_now and a.purpose != Purpose.CLARIFICATION]
    late = most_likely_answered(closed, now)
    if not fitting and late is not None and reread is not None:
        wanted = _expects(late, topics)
        if wanted != expects_of(known, now):
            reading = reread(wanted)
    if not fitting and late is not None and fits(late, reading, topics):
        # It answers the question before, already closed: late, never the open one's answer.
        return Decision(Binding.LATE, late), open_now, topics
    if not fitting and len(candidates) == 1 and candidates[0].purpose == Purpose.CHECK_IN:
        # The only question is a check-in: an unreadable answer is its answer, asked
        # once to clarify, then kept as words (services.replies._answer).
        fitting = candidates
    return decide(fitting, open_now, asked, now), open_now, topics
