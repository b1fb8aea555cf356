"""One pass of everything time-driven: ``tick(now)``.

The worker calls it on an interval and the CLI (``flask tick --at``) calls
it for any instant, so a replay of a past or future moment runs exactly the
code production runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from companion.extensions import db
from companion.messaging.dispatch import Dispatcher, DispatchSettings, DispatchSummary
from companion.messaging.mail import MailSettings, send_due_emails
from companion.messaging.transports import Transport, make_transport
from companion.models import WorkerHeartbeat
from companion.services.escalations import (
    EscalationSettings,
    climb_due,
    queued_alerts,
    review_delivery,
    review_misses,
)
from companion.services.pauses import resume_due
from companion.services.planning import close_check_ins, plan_clients, resolve_params

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


def transport() -> Transport:
    """The app's transport, made once per process."""
    ext = current_app.extensions
    if "companion.transport" not in ext:
        ext["companion.transport"] = make_transport(current_app.config)
    return ext["companion.transport"]


def dispatch_settings(concurrency: int | None = None) -> DispatchSettings:
    settings = DispatchSettings.from_config(current_app.config)
    if concurrency is not None:
        settings = DispatchSettings(**{**settings.__dict__, "concurrency": concurrency})
    return settings


def tick(now: datetime) -> TickSummary:
    """Close, escalate, plan and send everything due at ``now``. Needs an app context.

    Order matters: check-ins whose window closed are settled first and runs
    of misses escalated; phones that stopped taking texts, and escalations
    nobody acknowledged in time, are raised; then the outbox is topped up
    for clients whose plan runs out within a day, and everything due (alerts
    to staff included) is sent in this same pass.
    """
    settings = EscalationSettings.from_config(current_app.config)
    resume_due(db.session, now, settings)  # pauses ending today: active again, texts planned
    missed_clients, withdrawn = close_check_ins(db.session, now)
    escalated = review_misses(db.session, missed_clients, now, settings)
    escalated += review_delivery(db.session, now, settings)
    escalated += climb_due(db.session, now, settings)
    planned = plan_clients(db.session, now)
    with Dispatcher(db.session, transport(), dispatch_settings(), resolve_params) as dispatcher:
        summary = dispatcher.run(now)
    queued_alerts(db.session)  # sent just now by the dispatcher
    emails = send_due_emails(db.session, now, MailSettings.from_config(current_app.config))
    return TickSummary(
        now=now,
        dispatch=summary,
        planned=planned,
        missed=len(missed_clients),
        withdrawn=withdrawn,
        escalated=escalated,
        emails=emails,
    )


def send_now(message_ids: list[int], now: datetime) -> DispatchSummary:
    """Send these queued rows at once (answers to a text just received).

    Whatever cannot go now stays queued for the worker: nothing is lost.
    """
    if not message_ids:
        return DispatchSummary()
    settings = dispatch_settings(concurrency=min(len(message_ids), 4))
    with Dispatcher(db.session, transport(), settings, resolve_params) as dispatcher:
        return dispatcher.run(now, only_ids=message_ids)


def write_heartbeat(name: str, now: datetime, summary: str) -> None:
    """Record that the worker is alive; /healthz reads it."""
    beat = db.session.get(WorkerHeartbeat, name)
    if beat is None:
        beat = WorkerHeartbeat(name=name, beat_at=now, summary=summary[:300])
        db.session.add(beat)
    else:
        beat.beat_at = now
        beat.summary = summary[:300]
    db.session.commit()
