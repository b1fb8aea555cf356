"""Retention: the words of texts and replies do not outlive their use.

Three ways words are erased, each audited with counts and never with text:

- ``erase_due`` (the worker, at most once an hour): every message body and check-in
  answer's words older than ``RETENTION_DAYS``, and everything of clients whose
  discharge date plus ``DISCHARGE_RETENTION_DAYS`` has passed.
- ``schedule_on_discharge`` (a client's status edit): discharge sets that date; a
  return to active or paused clears it.
- ``erase_client`` (``flask erase-client``, a legal request): one client's words at once,
  plus their name and phone number.

What is erased: ``Message.body`` and ``params`` (rendered words and the values put in
them), ``CheckIn.answer_text``; each row gets ``erased_at`` so the pages say "erased on
<date>". What stays: kinds, directions, timestamps, statuses, provider ids, structured
answers (``answer_value``: the numbers and yes/no the charts and adherence figures
read), escalations, tasks, appointments and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.care.plan import empty_content
from companion.messaging.outbox import cancel_pending
from companion.models import (
    Appointment,
    CheckIn,
    Client,
    ClientStatus,
    ConsentEvent,
    Escalation,
    Message,
    PlanVersion,
    StaffUser,
    Status,
    WorkerHeartbeat,
)
from companion.services import audit

# Rows still on their way out: the dispatcher writes their body when it sends them.
IN_FLIGHT = (Status.PENDING, Status.SENDING)
# The worker looks for due erasures at most this often (WorkerHeartbeat "retention").
EVERY = timedelta(hours=1)
WORKER_ROW = "retention"


@dataclass(frozen=True)
class RetentionSettings:
    """How long words are kept (``Settings.retention()``; the defaults are the same)."""

    retention_days: int = 365  # RETENTION_DAYS
    discharge_retention_days: int = 90  # DISCHARGE_RETENTION_DAYS


@dataclass
class Erased:
    """What one erasure changed (counts only: this goes to the audit log)."""

    messages: int = 0
    answers: int = 0
    clients: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.messages or self.answers or self.clients)

    def details(self) -> dict[str, Any]:
        return {"messages": self.messages, "answers": self.answers, "clients": self.clients}


def erase_due(session: Session, now: datetime, settings: RetentionSettings) -> Erased:
    """Erase everything past its retention at ``now``; audit and commit when anything was.

    Cheap when nothing is due: each query walks an index from rows not yet erased.
    """
    cutoff = now - timedelta(days=settings.retention_days)
    erased = Erased(
        messages=_erase_messages(session, now, Message.created_at < cutoff),
        answers=_erase_answers(session, now, CheckIn.answered_at < cutoff),
    )
    due = session.scalars(select(Client).where(Client.erase_after <= now).order_by(Client.id)).all()
    for client in due:
        erased.messages += _erase_messages(session, now, Message.client_id == client.id)
        erased.answers += _erase_answers(session, now, CheckIn.client_id == client.id)
        client.erase_after = None
        client.texts_erased_at = now
        erased.clients.append(client.id)
    if erased:
        audit.record(
            session,
            "retention.erased",
            now=now,
            details={**erased.details(), "retention_days": settings.retention_days},
        )
        session.commit()
    return erased


def erase_due_hourly(session: Session, now: datetime, settings: RetentionSettings) -> Erased:
    """``erase_due`` for the worker's pass: at most once an hour (and after a clock reset)."""
    last = session.get(WorkerHeartbeat, WORKER_ROW)
    if last is not None and last.beat_at <= now < last.beat_at + EVERY:
        return Erased()
    erased = erase_due(session, now, settings)
    if last is None:
        last = WorkerHeartbeat(name=WORKER_ROW, beat_at=now)
        session.add(last)
    last.beat_at = now
    last.summary = f"erased {erased.messages} message(s), {erased.answers} answer(s)"
    try:
        session.commit()
    except IntegrityError:  # a second worker's very first pass recorded it at the same moment
        session.rollback()
    return erased


def schedule_on_discharge(
    session: Session,
    client: Client,
    was: ClientStatus,
    actor: StaffUser | None,
    now: datetime,
    settings: RetentionSettings,
) -> None:
    """Discharge sets when the client's words are erased; coming back cancels it.

    Called after a status edit (``services.clients``); the caller commits.
    """
    if client.status == was:
        return
    if client.status == ClientStatus.DISCHARGED:
        client.erase_after = now + timedelta(days=settings.discharge_retention_days)
        audit.record(
            session,
            "client.erasure_scheduled",
            now=now,
            actor=actor,
            subject=client,
            details={"erase_after": client.erase_after.isoformat()},
        )
    elif was == ClientStatus.DISCHARGED and client.erase_after is not None:
        client.erase_after = None
        audit.record(session, "client.erasure_cancelled", now=now, actor=actor, subject=client)


def erased_name(client_id: int) -> str:
    """What an erased client is called on every page."""
    return f"Erased client #{client_id}"


def erase_client(
    session: Session, client: Client, reason: str, actor: StaffUser, now: datetime
) -> Erased:
    """Erase one client's words, plan, name and phone number at once (a legal request); commits.

    Texts not yet sent are cancelled and the client is discharged, so nothing is sent
    again. Metadata (what was sent when, statuses, answers' values, alerts and tasks)
    and the audit log stay; the audit entry says who asked and why.
    """
    if not reason.strip():
        raise ValueError("a reason is required")
    cancelled = cancel_pending(session, client_id=client.id, reason="client erased", now=now)
    # The client's own number sits on every text to or from them.
    session.execute(
        update(Message)
        .where(Message.client_id == client.id)
        .values(to_number=None, from_number=None)
        .execution_options(synchronize_session=False)
    )
    erased = Erased(
        messages=_erase_messages(session, now, Message.client_id == client.id),
        answers=_erase_answers(session, now, CheckIn.client_id == client.id),
        clients=[client.id],
    )
    # Staff notes on alerts and the opt-in words shown to the client may name them.
    session.execute(
        update(Escalation)
        .where(Escalation.client_id == client.id)
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ConsentEvent)
        .where(ConsentEvent.client_id == client.id)
        .values(disclosure=None)
        .execution_options(synchronize_session=False)
    )
    # The plan is the client's own words too, and names their supports (their numbers as
    # well): every version is emptied. Appointment places can say where they live or work.
    session.execute(
        update(PlanVersion)
        .where(PlanVersion.client_id == client.id)
        .values(content=empty_content())
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Appointment)
        .where(Appointment.client_id == client.id)
        .values(location="")
        .execution_options(synchronize_session=False)
    )
    was = client.status
    client.display_name = erased_name(client.id)
    client.phone = None
    client.status = ClientStatus.DISCHARGED
    client.erase_after = None
    client.texts_erased_at = client.erased_at = client.updated_at = now
    audit.record(
        session,
        "client.erased",
        now=now,
        actor=actor,
        subject=client,
        details={
            "reason": reason.strip()[:500],
            "messages": erased.messages,
            "answers": erased.answers,
            "cancelled": cancelled,
            "status_was": str(was),
        },
    )
    session.commit()
    return erased


def _erase_messages(session: Session, now: datetime, which: ColumnElement[bool]) -> int:
    """Blank the body and params of the matching messages not yet erased nor on their way."""
    result = session.execute(
        update(Message)
        .where(which, Message.erased_at.is_(None), Message.status.not_in(IN_FLIGHT))
        .values(body=None, params={}, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _erase_answers(session: Session, now: datetime, which: ColumnElement[bool]) -> int:
    """Blank the words of the matching answered check-ins (their value stays)."""
    result = session.execute(
        update(CheckIn)
        .where(which, CheckIn.erased_at.is_(None), CheckIn.answered_at.is_not(None))
        .values(answer_text=None, erased_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
