"""One pass of everything time-driven: ``tick(session, now, settings, transport)``.

The worker calls it on an interval and the CLI (``flask tick --at``) calls
it for any instant, so a replay of a past or future moment runs exactly the
code production runs. No Flask here: the caller (``companion.runtime``) passes
the session, the settings and the transport of its app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from companion.messaging.dispatch import Dispatcher, DispatchSettings, DispatchSummary
from companion.messaging.mail import MailSettings, send_due_emails
from companion.messaging.transports import Transport
from companion.models import WorkerHeartbeat
from companion.services.conversation import waits_for_open_question
from companion.services.escalations import (
    EscalationSettings,
    climb_due,
    queued_alerts,
    review_delivery,
)
from companion.services.missed import close_answered, review_misses
from companion.services.pauses import resume_due
from companion.services.planning import close_check_ins, plan_clients, resolve_params
from companion.services.release import review_expired
from companion.services.retention import RetentionSettings, erase_due_hourly
from companion.services.risk import RiskSettings, review_hourly

log = logging.getLogger(__name__)


@dataclass
class TickSummary:
    now: datetime
    dispatch: DispatchSummary
    planned: int = 0
    missed: int = 0
    withdrawn: int = 0
    escalated: int = 0
    emails: int = 0

    def line(self) -> str:
        return (
            f"tick {self.now.isoformat()}: planned {self.planned} client(s), "
            f"check-ins missed {self.missed}, escalations {self.escalated}, "
            f"{self.dispatch.line()}, emails {self.emails}"
        )


@dataclass(frozen=True)
class TickSettings:
    """What one pass needs (``Settings.tick()`` builds it)."""

    dispatch: DispatchSettings
    escalation: EscalationSettings
    mail: MailSettings | None = None
    retention: RetentionSettings | None = None
    risk: RiskSettings | None = None


def tick(
    session: Session, now: datetime, settings: TickSettings, transport: Transport
) -> TickSummary:
    """Close, escalate, plan and send everything due at ``now``.

    Order matters: check-ins whose window closed are settled first and runs
    of misses escalated; phones that stopped taking texts, and escalations
    nobody acknowledged in time, are raised; then the outbox is topped up
    for clients whose plan runs out within a day, and everything due (alerts
    to staff included) is sent in this same pass.
    """
    ladder = settings.escalation
    resume_due(session, now, ladder)  # pauses ending today: active again, texts planned
    review_expired(session, now)  # a release past its end: the provider gets a task, once
    missed_clients, withdrawn = close_check_ins(session, now)
    close_answered(session, now)  # missed contact the client has ended by answering
    escalated = review_misses(session, missed_clients, now, ladder)
    escalated += review_delivery(session, now, ladder)
    escalated += climb_due(session, now, ladder)
    if settings.risk is not None:
        # Stale ACUTE scores and plan reviews as tasks; schedule steps the calendar made.
        review_hourly(session, now, settings.risk)
    planned = plan_clients(session, now)
    with Dispatcher(
        session, transport, settings.dispatch, resolve_params, waits_for_open_question
    ) as dispatcher:
        summary = dispatcher.run(now)
    queued_alerts(session)  # sent just now by the dispatcher
    emails = send_due_emails(session, now, settings.mail)
    if settings.retention is not None:
        erase_due_hourly(session, now, settings.retention)  # words past their time: erased
    return TickSummary(
        now=now,
        dispatch=summary,
        planned=planned,
        missed=len(missed_clients),
        withdrawn=withdrawn,
        escalated=escalated,
        emails=emails,
    )


def send_now(
    session: Session,
    message_ids: list[int],
    now: datetime,
    settings: DispatchSettings,
    transport: Transport,
) -> DispatchSummary:
    """Send these queued rows at once (answers to a text just received).

    Whatever cannot go now stays queued for the worker: nothing is lost. A few rows
    need a small pool: at most 4 threads, one per row.
    """
    if not message_ids:
        return DispatchSummary()
    settings = replace(settings, concurrency=min(len(message_ids), 4))
    with dispatcher(session, settings, transport) as sender:
        return sender.run(now, only_ids=message_ids)


def dispatcher(session: Session, settings: DispatchSettings, transport: Transport) -> Dispatcher:
    """A dispatcher that renders texts as a tick does (each plan's words resolved at send
    time); the caller closes it. The fast lane keeps one for the life of its process."""
    return Dispatcher(session, transport, settings, resolve_params, waits_for_open_question)


def write_heartbeat(session: Session, name: str, now: datetime, summary: str) -> None:
    """Record that the worker is alive; /healthz reads it."""
    beat = session.get(WorkerHeartbeat, name)
    if beat is None:
        beat = WorkerHeartbeat(name=name, beat_at=now, summary=summary[:300])
        session.add(beat)
    else:
        beat.beat_at = now
        beat.summary = summary[:300]
    session.commit()
