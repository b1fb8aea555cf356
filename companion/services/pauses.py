"""Pauses: a client in custody, in hospital or away for another reason, until a date.

While a client is paused nothing is texted to them (scheduled texts need an
active client) and nothing escalates: ``open_escalation`` raises nothing
and ``climb_due`` leaves their open escalations waiting. On the end date
(the client's local date) the worker resumes them: active again, texts
planned from then, and waiting escalations climb again timed from then.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.models import Client, ClientStatus, StaffUser
from companion.services import audit
from companion.services.escalations import EscalationSettings, hold_ladder, resume_ladder
from companion.services.planning import replan

log = logging.getLogger(__name__)

# Staff-facing words; never texted.
PAUSE_REASONS = {
    "custody": "In custody",
    "hospital": "In hospital",
    "other": "Other",
}


def local_today(client: Client, now: datetime) -> date:
    return now.astimezone(ZoneInfo(client.timezone)).date()


def describe(client: Client) -> str:
    """What the pause is, e.g. "in custody until 2026-12-07", for timelines and pages."""
    what = PAUSE_REASONS.get(client.pause_reason or "", "paused").lower()
    until = f" until {client.paused_until.isoformat()}" if client.paused_until else ""
    return f"{what}{until}"


def paused(session: Session, client: Client, now: datetime) -> None:
    """The client was just paused (already saved on ``client``): open escalations wait."""
    client.paused_at = now
    hold_ladder(session, client, now, f"the client is {describe(client)}")


def resume(
    session: Session,
    client: Client,
    now: datetime,
    settings: EscalationSettings,
    *,
    actor: StaffUser | None = None,
) -> None:
    """End the pause on its end date: active again, pause cleared, texts planned.

    The caller commits.
    """
    ended = {
        "reason": client.pause_reason,
        "until": client.paused_until.isoformat() if client.paused_until else None,
    }
    client.status = ClientStatus.ACTIVE
    client.pause_reason = None
    client.paused_until = None
    client.updated_at = now
    after_pause(session, client, now, settings, ended, actor=actor)


def after_pause(
    session: Session,
    client: Client,
    now: datetime,
    settings: EscalationSettings,
    ended: dict[str, str | None],
    *,
    actor: StaffUser | None = None,
) -> None:
    """The pause is over (the status already changed): audit it, restart the ladder, plan.

    Staff ending a pause early on the client form come here too, so waiting
    escalations never climb in a burst whichever way a pause ends.
    """
    client.paused_at = None
    client.resumed_at = now
    audit.record(
        session,
        "client.resumed",
        now=now,
        actor=actor,
        subject=client,
        details={
            "pause": ended,
            "by": "staff" if actor else "end date",
            "status": str(client.status),
        },
    )
    resume_ladder(session, client, now, settings)
    if client.can_be_texted:
        replan(session, client, now, "pause ended")


def resume_due(session: Session, now: datetime, settings: EscalationSettings) -> int:
    """Resume every paused client whose end date has come where they live; return how many."""
    # No zone is more than a day ahead of UTC: a cheap bound, then each client's own date.
    candidates = session.scalars(
        select(Client)
        .where(
            Client.status == ClientStatus.PAUSED,
            Client.paused_until.is_not(None),
            Client.paused_until <= (now + timedelta(days=1)).date(),
        )
        .order_by(Client.id)
    ).all()
    resumed = 0
    for client in candidates:
        assert client.paused_until is not None
        if client.paused_until > local_today(client, now):
            continue
        resume(session, client, now, settings)
        log.info("client %d resumed: the pause ended", client.id)
        resumed += 1
    session.commit()
    return resumed
