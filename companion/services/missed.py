"""Missed contact, counted in DAYS: when the provider (then the officer) is told, and when
the alert closes itself because the client answered again.

A day is the client's local calendar day. A day with at least one answer (or any text
from the client) is a day of contact, however many check-ins it had; a day on which the
client was asked and answered nothing is a missed day; a day with nothing asked neither
counts nor breaks a run (care/ladder.py ``day_of_contact``). At several check-ins a day
and a normal ~75% answer rate, counting check-ins would page an officer about most
clients every month (DOMAIN.md "Escalation ladder"); counting days does not.

Thresholds: MISSED_DAYS_PROVIDER_<LEVEL> (2, and 1 at IVb) and MISSED_DAYS_OFFICER (3) in
settings, unless the provider overrode them for the client (the schedule page's "Tell the
provider after" and "Tell the officer after", now in days). The provider always hears
first: an alert opens on the provider's rung and is raised to the officer after that, by
the days or by the provider's acknowledgement window (services/escalations.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.care import agenda
from companion.care.ladder import (
    Reason,
    Rung,
    after_missed_days,
    consecutive_missed_days,
    day_by_day,
)
from companion.models import (
    AlertEmail,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    EmailStatus,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    Status,
)
from companion.services import audit, planning
from companion.services.escalations import EscalationSettings, open_escalation

log = logging.getLogger(__name__)

# How far back a run of missed days is looked for: a week of daily misses and then some.
LOOKBACK = timedelta(days=21)


def missed_days(session: Session, client: Client, now: datetime) -> tuple[int, int | None]:
    """The client's consecutive missed days up to ``now``, and the newest missed check-in."""
    zone = ZoneInfo(client.timezone)
    rows = session.execute(
        select(CheckIn.id, CheckIn.due_at, CheckIn.status)
        .where(
            CheckIn.client_id == client.id,
            CheckIn.due_at >= now - LOOKBACK,
            # Today's later questions too: a day is decided once its last one has closed.
            CheckIn.due_at <= now + timedelta(days=1),
        )
        .order_by(CheckIn.due_at.desc())
    ).all()
    today = agenda.local_date(now, zone)
    # Any text from the client is contact that day: a late answer, a reply to an
    # appointment notice, a question of their own.
    texted = session.scalars(
        select(Message.created_at).where(
            Message.client_id == client.id,
            Message.direction == Direction.INBOUND,
            Message.created_at >= now - LOOKBACK,
            Message.created_at <= now,
        )
    ).all()
    statuses = [
        (agenda.local_date(due, zone), str(status))
        for _id, due, status in rows
        if agenda.local_date(due, zone) <= today
    ]
    statuses += [(agenda.local_date(at, zone), "answered") for at in texted]
    days = day_by_day(statuses)
    newest_missed = next((i for i, _due, s in rows if s == CheckInStatus.MISSED), None)
    return consecutive_missed_days(days), newest_missed


def thresholds(
    session: Session, client: Client, now: datetime, settings: EscalationSettings
) -> tuple[int, int]:
    """(days that alert the provider, days that raise it to the officer) for the client."""
    today = agenda.local_date(now, ZoneInfo(client.timezone))
    level = planning.derived_level(client, today).level
    overrides = planning.overrides_for(session, [client.id]).get(client.id, {})
    provider = overrides.get("escalate_after_misses") or settings.missed_days.provider_after(level)
    officer = overrides.get("officer_after_misses") or settings.missed_days.officer
    return int(provider), int(officer)


def review_misses(
    session: Session, client_ids: list[int], now: datetime, settings: EscalationSettings
) -> int:
    """After check-ins were marked missed: escalate runs of missed DAYS per the ladder."""
    opened = 0
    for client_id in sorted(set(client_ids)):
        client = session.get(Client, client_id)
        if client is None or not client.can_be_texted:
            continue
        days, check_in_id = missed_days(session, client, now)
        provider_after, officer_after = thresholds(session, client, now, settings)
        decision = after_missed_days(days, provider_after, officer_after)
        if decision.open_at is None:
            continue
        details = {"consecutive days with a missed check-in": days}
        # The provider always hears first; the officer's rung is a raise of that alert.
        escalation = open_escalation(
            session, client, Reason.MISSED_CHECKINS, now, settings,
            rung=Rung.PROVIDER, check_in_id=check_in_id, details=details,
        )  # fmt: skip
        if escalation is not None and decision.open_at == Rung.OFFICER:
            open_escalation(session, client, Reason.MISSED_CHECKINS, now, settings,
                            rung=Rung.OFFICER, details=details)  # fmt: skip
        if escalation is not None:
            opened += 1
    session.commit()
    return opened


def close_answered(session: Session, now: datetime) -> int:
    """Close every open missed-contact alert whose client has texted since it opened.

    The alert closes itself with a note ("client answered again at ..."), the alerts
    not yet sent are withdrawn, and it is audited; it closes at the client's first text
    after it opened, whatever that text said (a reply that needs a person opens its own).
    """
    first_reply = (
        select(Escalation, Message)
        .join(Message, Message.client_id == Escalation.client_id)
        .where(
            Escalation.reason == Reason.MISSED_CHECKINS,
            Escalation.status == EscalationStatus.OPEN,
            Message.direction == Direction.INBOUND,
            Message.created_at > Escalation.opened_at,
            Message.created_at <= now,
        )
        .order_by(Escalation.id, Message.created_at, Message.id)
    )
    closed: set[int] = set()
    for escalation, reply in session.execute(first_reply).all():
        if escalation.id in closed:
            continue
        closed.add(escalation.id)
        client = escalation.client
        local = reply.created_at.astimezone(ZoneInfo(client.timezone))
        note = f"client answered again at {local:%Y-%m-%d %H:%M} ({client.timezone})"
        escalation.status = EscalationStatus.ACKNOWLEDGED
        escalation.acknowledged_at = now
        escalation.note = note
        escalation.climbs_at = None
        session.add(EscalationEvent(escalation_id=escalation.id, at=now, kind="closed_itself",
                                    message_id=reply.id, detail=note))  # fmt: skip
        session.execute(
            update(Message)
            .where(Message.dedupe_key.like(f"esc:{escalation.id}:%"),
                   Message.status == Status.PENDING)  # fmt: skip
            .values(status=Status.CANCELLED, status_reason="client answered", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(AlertEmail)
            .where(AlertEmail.escalation_id == escalation.id,
                   AlertEmail.status == EmailStatus.PENDING)  # fmt: skip
            .values(status=EmailStatus.CANCELLED, error="client answered")
            .execution_options(synchronize_session=False)
        )
        audit.record(session, "escalation.closed_itself", now=now, actor_kind="system",
                     subject=escalation, details={"client_id": client.id,
                                                  "message_id": reply.id})  # fmt: skip
        log.info("escalation %d closed itself: the client answered", escalation.id)
    if closed:
        session.commit()
    return len(closed)
