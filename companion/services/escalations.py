"""Escalations in the database: opening one, telling people, climbing, acknowledging.

(About 770 lines: one alert's life, from opening to acknowledgement, with every path that
can open one; the ladder's rules themselves are in care/ladder.py.)

``care/ladder.py`` decides (who is on which rung, when it climbs); this
module finds the people, queues their alerts (SMS through the outbox, email
through ``alert_emails``), keeps the timeline and the audit log. It is called
by ``tick`` (missed check-ins, delivery failures, climbing), by client
replies (acute answers and words) and by staff (acknowledgement on the web
or by texting "OK 4821").
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from companion.care.ladder import (
    ONCALL_ACK,
    RULES,
    BusinessCalendar,
    MissedDays,
    Reason,
    Rung,
    climbs_at,
    next_rung,
    rung_index,
)
from companion.care.release import OFFICER_RUNGS, category_of
from companion.care.roles import NotAllowed, may_close_alert
from companion.messaging.i18n import SOURCE_LANGUAGE, translations_for
from companion.messaging.outbox import enqueue
from companion.messaging.texts import ALERT_EMAILS, RELEASE_LINE
from companion.messaging.words import fold
from companion.models import (
    AlertEmail,
    Client,
    ClientStatus,
    Consent,
    Direction,
    EmailStatus,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    Outcome,
    Role,
    StaffUser,
    Status,
    Task,
    TaskStatus,
)
from companion.services import audit, oncall
from companion.services import release as releases

log = logging.getLogger(__name__)

# Where the ids of staff alerts queued in this session are kept, to send them at once.
ALERT_IDS = "companion.alert_ids"

# Delivery failures that mean the phone cannot take our texts (DOMAIN.md: a phone
# problem, not defiance): invalid number, unsubscribed by the carrier, not a mobile,
# and the carriers' unreachable/unknown-destination codes.
CANT_REACH_CODES = {"21211", "21610", "21614", "30003", "30005", "30006"}


@dataclass(frozen=True)
class EscalationSettings:
    """What the escalation code needs from the app's settings (``Settings.escalation``)."""

    calendar: BusinessCalendar
    base_url: str = ""
    email: bool = False
    # The on-call clinician's window to acknowledge before the backup (ONCALL_ACK_MINUTES),
    # and missed contact in days (services/missed.py: MISSED_DAYS_*).
    on_call_ack: timedelta = ONCALL_ACK
    missed_days: MissedDays = field(default_factory=lambda: MissedDays())

    def link(self, escalation: Escalation) -> str:
        return f"{self.base_url}/e/{escalation.id}"


# -- opening and telling people -----------------------------------------------------------


def open_escalation(
    session: Session,
    client: Client,
    reason: Reason,
    now: datetime,
    settings: EscalationSettings,
    *,
    rung: Rung | None = None,
    check_in_id: int | None = None,
    message_id: int | None = None,
    appointment_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Escalation | None:
    """Open an escalation, or raise the open one with the same reason; tell the rung's people.

    One open escalation per client and reason: a second trigger adds to the
    timeline (and may raise it) instead of paging everyone again.

    A paused client (in custody, in hospital) raises nothing routine: None,
    and nothing is recorded; the team knows where the client is until the
    pause ends. Urgent reasons (self-harm, victim access, threats, high
    urges) still go through: the crisis reply has told the client their
    team will be told, and a text like that from custody or hospital is
    exactly when someone must know.
    """
    rule = RULES[reason]
    if client.status == ClientStatus.PAUSED and not rule.urgent:
        log.info("client %d is paused: no %s escalation", client.id, reason)
        return None
    start = rung or rule.first
    held: Rung | None = None
    if not _officer_may_hear(session, client, start, reason, now):
        # Outside the release the officer is not told: the alert stays with the clinicians
        # (the on-call clinician for a reply that needs one now, else the provider).
        held, start = start, (Rung.ON_CALL if rule.first == Rung.ON_CALL else Rung.PROVIDER)
    existing = session.scalars(
        select(Escalation).where(
            Escalation.client_id == client.id,
            Escalation.reason == reason,
            Escalation.status == EscalationStatus.OPEN,
        )
    ).first()
    if existing is not None:
        existing.details = {**(existing.details or {}), **(details or {})}
        _event(session, existing, now, "repeated", detail=_describe(details))
        if held is not None:
            _withheld(session, existing, held, now)
        if rung_index(reason, start) > rung_index(reason, Rung(existing.rung)):
            _raise_to(session, existing, start, now, settings, why="raised")
        return existing

    escalation = Escalation(
        client_id=client.id,
        reason=reason,
        urgent=rule.urgent,
        rung=start,
        status=EscalationStatus.OPEN,
        code=_free_code(session),
        opened_at=now,
        check_in_id=check_in_id,
        message_id=message_id,
        appointment_id=appointment_id,
        details=details or {},
        note="",
    )
    session.add(escalation)
    session.flush()
    _event(session, escalation, now, "opened", detail=rule.label)
    audit.record(
        session,
        "escalation.opened",
        now=now,
        actor_kind="system",
        subject=escalation,
        details={"client_id": client.id, "reason": str(reason), "rung": str(start)},
    )
    log.info("escalation %d opened (%s, %s)", escalation.id, reason, start)
    if held is not None:
        _withheld(session, escalation, held, now)
    _raise_to(session, escalation, start, now, settings, why=None)
    for also in rule.also:
        # Told at once too; someone unreachable there is passed over to the next rung.
        rung: Rung | None = also
        if also == start:
            continue
        if not _officer_may_hear(session, client, also, reason, now):
            _withheld(session, escalation, also, now)
            continue
        while rung is not None and not _tell(session, escalation, rung, now, settings):
            rung = next_rung(rung)  # the officer's own ladder: their backup
            if rung is not None:
                _event(
                    session,
                    escalation,
                    now,
                    "passed over",
                    detail=f"to the {rung.replace('_', ' ')}",
                )
    return escalation


def _officer_may_hear(
    session: Session, client: Client, rung: Rung, reason: str, now: datetime
) -> bool:
    """Whether ``rung`` may be told of ``reason``: always a clinician's; an officer's only
    within the client's current release (supervision conditions by the terms of supervision).
    """
    if str(rung) not in OFFICER_RUNGS:
        return True
    return releases.basis_for(session, client, reason, now) is not None


def _withheld(session: Session, escalation: Escalation, rung: Rung, now: datetime) -> None:
    """Record that the officer was not told, and why: the release does not cover it."""
    category = category_of(escalation.reason)
    _event(session, escalation, now, "withheld",
           detail=f"not told to the {rung.replace('_', ' ')}: the release does not cover "
           f"{category.value} (or it expired)")  # fmt: skip


def _raise_to(
    session: Session,
    escalation: Escalation,
    rung: Rung,
    now: datetime,
    settings: EscalationSettings,
    *,
    why: str | None,
    since: datetime | None = None,
) -> None:
    """Put ``escalation`` on ``rung`` and tell its people; set when it climbs next.

    A rung with nobody reachable on it (no officer, or one with neither phone
    nor email) is passed over to the next one, and the gap is recorded for
    the admin to fix.
    """
    client = escalation.client or session.get(Client, escalation.client_id)
    while True:
        if not _officer_may_hear(session, client, rung, escalation.reason, now):
            # Nothing outside the release reaches the officer: the alert stays where it
            # is, on the clinicians' queue, and climbs no further.
            _withheld(session, escalation, rung, now)
            escalation.climbs_at = None
            return
        escalation.rung = rung
        if why:
            _event(session, escalation, now, why, detail=f"to the {rung.replace('_', ' ')}")
        told = _tell(session, escalation, rung, now, settings)
        following = next_rung(rung, escalation.reason)
        if told or following is None:
            break
        rung, why = following, "passed over"
    if following is None:
        escalation.climbs_at = None  # the top: it stays open on everyone's queue
    else:
        escalation.climbs_at = _climbs_at(session, escalation, since or now, settings)


def _climbs_at(
    session: Session, escalation: Escalation, since: datetime, settings: EscalationSettings
) -> datetime:
    """When ``escalation`` climbs from ``since``: the client's acknowledgement window."""
    from companion.services.planning import effective_schedule  # planning imports us

    client = escalation.client or session.get(Client, escalation.client_id)
    cadence = effective_schedule(session, client, since)
    rule = RULES[Reason(escalation.reason)]
    return climbs_at(rule, since, settings.calendar, cadence.ack_business_days,
                     rung=Rung(escalation.rung), on_call_ack=settings.on_call_ack)  # fmt: skip


def _recipient(
    session: Session, client: Client, rung: Rung, now: datetime, settings: EscalationSettings
) -> StaffUser | None:
    if rung in (Rung.ON_CALL, Rung.ON_CALL_BACKUP):
        return oncall.recipient(session, client, rung, now, settings.calendar.zone)
    if rung == Rung.PROVIDER:
        return client.provider
    if rung == Rung.OFFICER:
        return client.officer
    return client.officer.backup_officer if client.officer else None


def _tell(
    session: Session,
    escalation: Escalation,
    rung: Rung,
    now: datetime,
    settings: EscalationSettings,
) -> bool:
    """Queue the alert to ``rung``'s person by SMS and email; False if nobody could be told."""
    client = escalation.client or session.get(Client, escalation.client_id)
    assert client is not None
    person = _recipient(session, client, rung, now, settings)
    if rung == Rung.PROVIDER and not oncall.reachable(person, settings.email):
        # The provider cannot be told: the next person on the rota is, and the gap is
        # recorded below for the admin's page all the same.
        stand_in = oncall.stand_in(session, now, settings.calendar.zone, settings.email)
        if stand_in is not None:
            oncall.record_gap(session, escalation, rung, person, now)
            person = stand_in
    reachable = person is not None and person.is_active_account
    by_sms = reachable and bool(person.phone)
    by_email = reachable and settings.email and bool(person.email)
    if not (by_sms or by_email):
        oncall.record_gap(session, escalation, rung, person, now, stand_in=False)
        return False
    assert person is not None
    if person.id not in (escalation.told_ids or []):
        escalation.told_ids = [*(escalation.told_ids or []), person.id]
    escalation.told_at = now
    key = f"esc:{escalation.id}:{rung}:{person.id}"
    kind = "staff_alert_urgent" if escalation.urgent else "staff_alert"
    params = {"code": escalation.code, "link": settings.link(escalation)}
    release = ""
    if str(rung) in OFFICER_RUNGS:
        # Every alert to an officer names the release it relies on (issue 15).
        found = releases.basis_for(session, client, escalation.reason, now)
        if found is not None:
            release = found.basis.describe()
            escalation.release_id = found.release.id if found.release else None
            escalation.release_basis = release
            kind += "_release"
            params["release"] = found.basis.sms_label()
    if by_sms:
        message = enqueue(
            session,
            kind=kind,
            dedupe_key=key,
            staff_user_id=person.id,
            params=params,
            now=now,
        )
        if message is not None:
            # Sent at once by whoever is handling this (a webhook, or the tick's dispatch).
            session.info.setdefault(ALERT_IDS, []).append(message.id)
        _event(session, escalation, now, "told", person, "sms",
               message_id=message.id if message else None, detail=release)  # fmt: skip
    if by_email:
        _queue_email(session, escalation, person, key, now, settings, release)
        _event(session, escalation, now, "told", person, "email", detail=release)
    return True


def _queue_email(
    session: Session,
    escalation: Escalation,
    person: StaffUser,
    key: str,
    now: datetime,
    settings: EscalationSettings,
    release: str = "",
) -> None:
    if session.scalar(select(AlertEmail.id).where(AlertEmail.dedupe_key == key)):
        return
    wording = ALERT_EMAILS[escalation.urgent]
    # Staff read English (the source language); the strings are in the catalogs
    # so that a staff language can be added without touching this code.
    translate = translations_for(SOURCE_LANGUAGE).gettext
    values = {"code": escalation.code, "name": person.name, "link": settings.link(escalation)}
    session.add(
        AlertEmail(
            dedupe_key=key,
            escalation_id=escalation.id,
            staff_user_id=person.id,
            to_address=person.email,
            # Discreet like the SMS: the portal holds the details, behind sign-in.
            subject=translate(wording.subject) % values,
            body=translate(wording.body) % values
            + ("\n\n" + translate(RELEASE_LINE) % {"release": release} if release else ""),
            status=EmailStatus.PENDING,
            attempts=0,
            send_after=now,
            error="",
            created_at=now,
        )
    )


def _free_code(session: Session) -> str:
    """A 4-digit code no open escalation uses."""
    taken = set(
        session.scalars(select(Escalation.code).where(Escalation.status == EscalationStatus.OPEN))
    )
    while True:
        code = str(1000 + secrets.randbelow(9000))
        if code not in taken:
            return code


def _client(session: Session, escalation: Escalation) -> Client:
    client = escalation.client or session.get(Client, escalation.client_id)
    assert client is not None
    return client


def _event(
    session: Session,
    escalation: Escalation,
    now: datetime,
    kind: str,
    staff: StaffUser | None = None,
    channel: str | None = None,
    *,
    message_id: int | None = None,
    detail: str = "",
) -> None:
    session.add(
        EscalationEvent(
            escalation_id=escalation.id,
            at=now,
            kind=kind,
            staff_user_id=staff.id if staff else None,
            channel=channel,
            message_id=message_id,
            detail=detail[:300],
        )
    )


def _describe(details: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}: {v}" for k, v in (details or {}).items())


# -- climbing ------------------------------------------------------------------------------


def climb_due(session: Session, now: datetime, settings: EscalationSettings) -> int:
    """Raise every unacknowledged escalation whose time on its rung ran out; return how many.

    After the worker was down, each missed step fires once, in order, timed
    from when it was due rather than from now: no storm of duplicates, and
    nothing skipped.
    """
    raised = 0
    due = session.scalars(
        select(Escalation)
        .join(Client, Client.id == Escalation.client_id)
        .where(
            Escalation.status == EscalationStatus.OPEN,
            Escalation.climbs_at <= now,
            # A paused client's routine escalations wait (resume_ladder restarts them from
            # the end); urgent ones keep climbing.
            or_(Client.status != ClientStatus.PAUSED, Escalation.urgent.is_(True)),
        )
        .order_by(Escalation.climbs_at, Escalation.id)
    ).all()
    for escalation in due:
        while escalation.climbs_at is not None and escalation.climbs_at <= now:
            following = next_rung(Rung(escalation.rung), escalation.reason)
            if following is None:
                escalation.climbs_at = None
                break
            was_due = escalation.climbs_at
            _raise_to(session, escalation, following, now, settings, why="raised",
                      since=was_due)  # fmt: skip
            raised += 1
    session.commit()
    return raised


def _open_for(session: Session, client: Client) -> list[Escalation]:
    return list(
        session.scalars(
            select(Escalation)
            .where(Escalation.client_id == client.id, Escalation.status == EscalationStatus.OPEN)
            .order_by(Escalation.opened_at, Escalation.id)
        )
    )


def hold_ladder(session: Session, client: Client, now: datetime, why: str) -> int:
    """The client was paused: their open escalations wait (``climb_due`` skips them).

    Only the timeline changes, so whoever opens the alert sees why it stopped.
    """
    held = _open_for(session, client)
    for escalation in held:
        _event(session, escalation, now, "on hold", detail=why)
    return len(held)


def resume_ladder(
    session: Session, client: Client, now: datetime, settings: EscalationSettings
) -> int:
    """The pause ended: open escalations climb again, timed from now, not from before.

    An escalation whose time on its rung ran out during the pause gets a full
    period again from the end of the pause, so a long custody does not end in
    a burst of alerts. One not yet due keeps its time.
    """
    restarted = 0
    for escalation in _open_for(session, client):
        detail = "the pause ended"
        if escalation.climbs_at is not None and escalation.climbs_at <= now:
            escalation.climbs_at = _climbs_at(session, escalation, now, settings)
            detail += "; the ladder goes on from now"
            restarted += 1
        _event(session, escalation, now, "resumed", detail=detail)
    return restarted


def note(
    session: Session,
    escalation: Escalation,
    now: datetime,
    kind: str,
    detail: str,
    staff: StaffUser | None = None,
) -> None:
    """Add a line to an escalation's timeline (a correction, a related change)."""
    _event(session, escalation, now, kind, staff, "web" if staff else None, detail=detail)


# -- what the tick notices --------------------------------------------------------------------


def review_delivery(session: Session, now: datetime, settings: EscalationSettings) -> int:
    """Raise "can't reach" for clients whose phone stopped taking our texts.

    A permanent failure (invalid, unsubscribed, not a mobile, unreachable), or
    the client's last two texts undelivered. Each failure raises at most one
    escalation (it is recorded as the escalation's message), so a tick can
    look back over the last week without raising anything twice.
    """
    already = select(Escalation.message_id).where(
        Escalation.reason == Reason.CANT_REACH, Escalation.message_id.is_not(None)
    )
    failures = session.scalars(
        select(Message)
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.client_id.is_not(None),
            Message.status.in_([Status.FAILED, Status.UNDELIVERED]),
            Message.updated_at > now - DELIVERY_LOOKBACK,
            Message.updated_at <= now,
            Message.id.not_in(already),
        )
        .order_by(Message.updated_at, Message.id)
    ).all()
    opened = 0
    for client_id in dict.fromkeys(f.client_id for f in failures):
        mine = [f for f in failures if f.client_id == client_id]
        permanent = [f for f in mine if str(f.error_code or "") in CANT_REACH_CODES]
        trigger = permanent[-1] if permanent else _second_undelivered(session, mine)
        client = session.get(Client, client_id)
        if trigger is None or client is None:
            continue
        code = str(trigger.error_code) if trigger.error_code else ""
        if code == CARRIER_OPT_OUT and not _channel_change_since(session, client, trigger):
            # The carrier says the client texted STOP to our number: an opt-out
            # like any other, so the provider arranges another way to stay in touch.
            consent_changed(session, client, Consent.OPTED_OUT, now, settings.base_url)
        if open_escalation(
            session, client, Reason.CANT_REACH, now, settings, message_id=trigger.id,
            details={"carrier code": code or "undelivered twice in a row"},
        ):  # fmt: skip
            opened += 1
    session.commit()
    return opened


DELIVERY_LOOKBACK = timedelta(days=7)
CARRIER_OPT_OUT = "21610"


def _channel_change_since(session: Session, client: Client, failure: Message) -> bool:
    """Whether a channel-change task was already made for this opt-out."""
    return (
        session.scalar(
            select(Task.id).where(
                Task.client_id == client.id,
                Task.kind == "channel_change",
                Task.created_at >= (failure.updated_at or failure.created_at),
            )
        )
        is not None
    )


def _second_undelivered(session: Session, failures: list[Message]) -> Message | None:
    """The newer of the client's last two texts if both were undelivered."""
    client_id = failures[0].client_id
    last_two = session.scalars(
        select(Message)
        .where(
            Message.client_id == client_id,
            Message.direction == Direction.OUTBOUND,
            Message.status.in_([Status.SENT, Status.DELIVERED, Status.UNDELIVERED]),
            Message.sent_at.is_not(None),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(2)
    ).all()
    if len(last_two) == 2 and all(m.status == Status.UNDELIVERED for m in last_two):
        newest = last_two[0]
        return newest if newest in failures else None
    return None


# -- unreachable: nothing delivered for a week ------------------------------------------------

UNREACHABLE_AFTER = timedelta(days=7)


def unreachable(clients: Select[tuple[Client]], now: datetime) -> Select[Any]:
    """Of ``clients``, those we text but whose phone has taken nothing for a week.

    Active and opted in, texted for over a week (a text sent more than 7 days
    ago), and no text *delivered* in the last 7 days: a phone that went quiet
    without failing loudly. A client back from a pause or who opted in again
    within the week is not counted: nothing was sent to them meanwhile. One
    statement; rows are (Client, last_delivered), never delivered first.
    """
    cutoff = now - UNREACHABLE_AFTER
    to_client = and_(Message.client_id == Client.id, Message.direction == Direction.OUTBOUND)
    last_delivered = (
        select(func.max(Message.delivered_at))
        .where(to_client)
        .correlate(Client)
        .scalar_subquery()
        .label("last_delivered")
    )
    resumed_lately = and_(Client.resumed_at.is_not(None), Client.resumed_at >= cutoff)
    return (
        clients.add_columns(last_delivered)
        .where(
            Client.status == ClientStatus.ACTIVE,
            Client.consent == Consent.OPTED_IN,
            or_(Client.consent_changed_at.is_(None), Client.consent_changed_at < cutoff),
            exists().where(to_client, Message.sent_at < cutoff),
            ~exists().where(to_client, Message.delivered_at >= cutoff),
            ~resumed_lately,
        )
        .order_by(last_delivered.asc().nulls_first(), Client.display_name, Client.id)
    )


def nobody_told_since(session: Session, since: datetime) -> int:
    """How many times lately a rung found nobody to tell, from the escalations themselves.

    Counted per escalation whose last such gap is at or after ``since``.
    """
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Escalation.nobody_told_count), 0)).where(
                Escalation.nobody_told_at >= since
            )
        )
        or 0
    )


# -- acknowledging -----------------------------------------------------------------------------


def may_act(staff: StaffUser, client: Client) -> bool:
    """Whether ``staff`` is on this client's team (or an admin)."""
    if staff.role == Role.ADMIN:
        return True
    officer = client.officer
    return staff.id in {
        client.provider_id,
        client.officer_id,
        officer.backup_officer_id if officer else None,
    }


def may_officer_close(session: Session, escalation: Escalation, now: datetime) -> bool:
    """Whether the client's release (now) lets the officer hear, and so close, this alert."""
    client = escalation.client or session.get(Client, escalation.client_id)
    return releases.basis_for(session, client, escalation.reason, now) is not None


def acknowledge(
    session: Session,
    escalation: Escalation,
    staff: StaffUser,
    outcome: Outcome,
    note: str,
    now: datetime,
    channel: str,
) -> bool:
    """Stop the ladder: who saw it, what they did. False if it was already acknowledged.

    Only someone whose role may close this kind of alert (``care.roles``) can: anyone
    else raises ``NotAllowed`` and nothing changes.
    """
    if escalation.status == EscalationStatus.ACKNOWLEDGED:
        return False  # already closed: say so, change nothing
    if not may_close_alert(staff.role, escalation.reason,
                           released=may_officer_close(session, escalation, now)):  # fmt: skip
        raise NotAllowed(f"a {staff.role.value} may not close a {escalation.reason} alert")
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at = now
    escalation.acknowledged_by_id = staff.id
    escalation.outcome = outcome
    escalation.note = note.strip()[:2000]
    escalation.climbs_at = None
    _event(session, escalation, now, "acknowledged", staff, channel, detail=str(outcome))
    # Alerts not yet out are not needed any more.
    session.execute(
        update(Message)
        .where(
            Message.dedupe_key.like(f"esc:{escalation.id}:%"),
            Message.status == Status.PENDING,
        )
        .values(status=Status.CANCELLED, status_reason="acknowledged", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(AlertEmail)
        .where(AlertEmail.escalation_id == escalation.id, AlertEmail.status == EmailStatus.PENDING)
        .values(status=EmailStatus.CANCELLED, error="acknowledged")
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "escalation.acknowledged",
        now=now,
        actor=staff,
        subject=escalation,
        details={"outcome": str(outcome), "channel": channel},
    )
    return True


_OK = re.compile(r"^ok\s*(\d{4})$")


def staff_reply(
    session: Session, staff: StaffUser, body: str, now: datetime
) -> tuple[str, dict[str, Any]]:
    """A text from a staff member's registered phone: "OK 4821" acknowledges alert 4821.

    Anything else, a code that is not open, or one for a client outside their
    caseload gets the same neutral answer, and is logged.
    """
    match = _OK.match(fold(body))
    if match:
        code = match.group(1)
        candidates = session.scalars(
            select(Escalation)
            .where(
                Escalation.code == code,
                or_(
                    Escalation.status == EscalationStatus.OPEN,
                    and_(
                        Escalation.acknowledged_at.is_not(None),
                        Escalation.acknowledged_at > now - timedelta(days=7),
                    ),
                ),
            )
            .order_by(Escalation.opened_at.desc())
        ).all()
        for escalation in candidates:
            if may_act(staff, escalation.client) and may_close_alert(
                staff.role, escalation.reason, released=may_officer_close(session, escalation, now)
            ):
                acknowledge(session, escalation, staff, Outcome.CONTACTED, "", now, "sms")
                return "staff_ack", {"code": code}
    audit.record(
        session,
        "escalation.ack_rejected",
        now=now,
        actor=staff,
        details={"reason": "no open alert with that code on their caseload" if match
                 else "not an OK code"},
    )  # fmt: skip
    log.info("staff text from user %d did not acknowledge anything", staff.id)
    return "staff_ack_unknown", {}


# -- consent ------------------------------------------------------------------------------------


def consent_changed(
    session: Session, client: Client, consent: Consent, now: datetime, base_url: str = ""
) -> None:
    """An opt-out: the provider gets a task to arrange another channel.

    The officer hears of it only where the client's release of information
    covers it, and only as a change of channel, never as non-compliance.
    """
    if consent != Consent.OPTED_OUT:
        return
    session.add(
        Task(
            client_id=client.id,
            kind="channel_change",
            status=TaskStatus.OPEN,
            note="The client opted out of texts: arrange another way to stay in touch.",
            created_at=now,
        )
    )
    within = releases.basis_for(session, client, "opted_out", now)
    officer = client.officer if within is not None else None
    if officer is not None and officer.phone and officer.is_active_account:
        enqueue(
            session,
            kind="staff_channel_change",
            dedupe_key=f"channel:{client.id}:{now.isoformat()}",
            staff_user_id=officer.id,
            params={"link": f"{base_url}/clients/{client.id}"},
            now=now,
        )
    audit.record(
        session,
        "client.channel_change",
        now=now,
        actor_kind="client",
        subject=client,
        details={
            "officer_told": bool(within and client.officer_id),
            "release": within.basis.describe() if within else None,
        },
    )


def queued_alerts(session: Session) -> list[int]:
    """The staff alerts queued in this session so far (and forget them)."""
    return session.info.pop(ALERT_IDS, [])
