"""What the Alerts pages read and do: the queue, one alert, and acknowledging it.

The escalation ladder itself is ``services/escalations.py``; this module is the staff
pages' side of it. Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, select
from sqlalchemy.orm import Session, joinedload, selectinload

from companion.models import (
    CheckIn,
    Client,
    Direction,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    Outcome,
    StaffUser,
)
from companion.services import audit
from companion.services.escalations import acknowledge, may_officer_close, unreachable

QUEUE_LENGTH = 300
QUIET_SHOWN = 200


def queue(session: Session, caseload: Select[tuple[Client]]) -> list[Escalation]:
    """The caseload's escalations: open ones first, then oldest first (at most 300)."""
    ids = caseload.with_only_columns(Client.id)
    return list(
        session.scalars(
            select(Escalation)
            .options(selectinload(Escalation.client), selectinload(Escalation.acknowledged_by))
            .where(Escalation.client_id.in_(ids.scalar_subquery()))
            .order_by(
                case((Escalation.status == EscalationStatus.OPEN, 0), else_=1),
                Escalation.opened_at,
            )
            .limit(QUEUE_LENGTH)
        )
    )


def quiet_phones(
    session: Session, caseload: Select[tuple[Client]], now: datetime
) -> list[Row[Any]]:
    """Phones that went quiet without failing loudly: one statement over the caseload."""
    return list(session.execute(unreachable(caseload, now).limit(QUIET_SHOWN)).all())


def escalation(session: Session, escalation_id: int) -> Escalation | None:
    """One alert with what its page shows: client, who acknowledged, the timeline."""
    return session.scalar(
        select(Escalation)
        .options(
            joinedload(Escalation.client),
            joinedload(Escalation.acknowledged_by),
            selectinload(Escalation.events).joinedload(EscalationEvent.staff_user),
        )
        .where(Escalation.id == escalation_id)
    )


def record_view(session: Session, found: Escalation, actor: StaffUser, now: datetime) -> None:
    """Audit that ``actor`` opened the alert; commits."""
    audit.record(
        session,
        "escalation.viewed",
        now=now,
        actor=actor,
        subject=found,
        details={"client_id": found.client_id},
    )
    session.commit()


def trigger(session: Session, found: Escalation) -> Message | None:
    """The text that raised the alert, if a text did."""
    return session.get(Message, found.message_id) if found.message_id else None


def check_in(session: Session, found: Escalation) -> CheckIn | None:
    """The check-in that raised the alert (the newest missed one, or the one answered)."""
    return session.get(CheckIn, found.check_in_id) if found.check_in_id else None


def from_words(session: Session, found: Escalation) -> bool:
    """Whether a text the client sent raised the alert (so it can be a false alarm)."""
    message = trigger(session, found)
    return message is not None and message.direction == Direction.INBOUND


def officer_may_close(session: Session, found: Escalation, now: datetime) -> bool:
    """Whether the client's current release lets the officer hear (and close) this alert."""
    return may_officer_close(session, found, now)


def evidence(session: Session, found: Escalation) -> CheckIn | None:
    """The check-in that raised the alert (missed, or answered with words that need a
    person), if one did; the text itself is ``trigger``."""
    return session.get(CheckIn, found.check_in_id) if found.check_in_id else None


def acknowledge_alert(
    session: Session,
    found: Escalation,
    actor: StaffUser,
    outcome: Outcome,
    note: str,
    now: datetime,
) -> bool:
    """Acknowledge from the web (the ladder stops); False if it already was. Commits."""
    done = acknowledge(session, found, actor, outcome, note, now, "web")
    session.commit()
    return done
