"""Clients as staff manage them: the list, the client page's records, add and edit.

Functions take a session, the inputs and ``now``; none imports Flask. ``values`` are
the client's fields as the form gives them, already checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import Session, selectinload

from companion.care.roles import Action, check
from companion.messaging.outbox import cancel_pending, enqueue
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    ConsentEvent,
    ConsentKind,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    Role,
    StaffUser,
    Status,
    Task,
    TaskStatus,
)
from companion.services import audit, pauses, release, retention
from companion.services.appointments import add_planned
from companion.services.escalations import EscalationSettings, unreachable
from companion.services.planning import replan
from companion.services.retention import RetentionSettings
from companion.services.tasks import TaskRow, task_rows

# Edits that move when texts go out (issue 3: "a client's timezone change
# reschedules what is pending"); consent and status coming back restart planning.
RESCHEDULING = frozenset(
    {"timezone", "send_window_start", "send_window_end", "risk_level", "status", "consent"}
)
# Appointments still to come (not cancelled, not yet kept or missed).
COMING = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.RESCHEDULE_REQUESTED,
)


def staff_by_role(session: Session, role: Role) -> list[StaffUser]:
    """Every staff member with ``role``, by name (the client form's choices)."""
    return list(
        session.scalars(select(StaffUser).where(StaffUser.role == role).order_by(StaffUser.name))
    )


def phone_taken(session: Session, phone: str, client_id: int | None) -> bool:
    """Whether a client other than ``client_id`` already has ``phone`` (E.164)."""
    taken = session.scalar(
        select(Client.id).where(Client.phone == phone, Client.id != (client_id or 0))
    )
    return taken is not None


def caseload_clients(session: Session, caseload: Select[tuple[Client]]) -> list[Client]:
    """The clients of a caseload (``access.caseload_query``), by name."""
    return list(session.scalars(caseload.order_by(Client.display_name)))


T = TypeVar("T")
MESSAGES_SHOWN = 25  # a page of the client page's messages
CHECKINS_SHOWN = 20
APPOINTMENTS_SHOWN = 10
NEXT_TEXTS = 3  # texts to come, in the summary


@dataclass
class Paged(Generic[T]):
    """One page of a long list, and where it stands in the whole."""

    rows: list[T]
    total: int
    page: int
    pages: int


def paged(session: Session, query: Select[tuple[T]], page: int, size: int) -> Paged[T]:
    """Page ``page`` (from 1; past the end: the last) of ``query``: two statements."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / size))
    page = min(max(1, page), pages)
    rows = session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return Paged(list(rows), total or 0, page, pages)


@dataclass
class ClientPage:
    """The client page's records: the summary's alerts and next texts, a page of
    messages, the consent ledger, and whether texts reach them."""

    messages: Paged[Message]
    ledger: list[ConsentEvent]
    unreachable: bool
    last_delivered: datetime | None
    open_alerts: list[Escalation]
    next_texts: list[Message]
    who_is_told: list[release.WhoIsTold]  # by release category: provider, on-call, officer


def client_page(
    session: Session, client: Client, actor: StaffUser, now: datetime, messages_page: int = 1
) -> ClientPage:
    """Audit the view (commits), then read the page's records: a constant number of
    statements whatever the client's history (lists are paged, relations loaded with them)."""
    audit.record(session, "client.viewed", now=now, actor=actor, subject=client)
    session.commit()
    quiet = session.execute(unreachable(select(Client).where(Client.id == client.id), now)).first()
    ledger = session.scalars(
        select(ConsentEvent)
        .options(selectinload(ConsentEvent.recorded_by), selectinload(ConsentEvent.message))
        .where(ConsentEvent.client_id == client.id)
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
    ).all()
    messages = paged(
        session,
        select(Message)
        .where(Message.client_id == client.id)
        .order_by(Message.created_at.desc(), Message.id.desc()),
        messages_page,
        MESSAGES_SHOWN,
    )
    alerts = session.scalars(
        select(Escalation)
        .where(Escalation.client_id == client.id, Escalation.status == EscalationStatus.OPEN)
        .order_by(Escalation.urgent.desc(), Escalation.opened_at, Escalation.id)
    ).all()
    next_texts = session.scalars(
        select(Message)
        .where(
            Message.client_id == client.id,
            Message.direction == Direction.OUTBOUND,
            Message.status == Status.PENDING,
        )
        .order_by(Message.send_after, Message.id)
        .limit(NEXT_TEXTS)
    ).all()
    return ClientPage(
        messages,
        list(ledger),
        quiet is not None,
        quiet[1] if quiet else None,
        list(alerts),
        list(next_texts),
        release.who_is_told(session, client, now),
    )


def counted_check_ins(
    session: Session, client_id: int, since: datetime, now: datetime
) -> list[CheckIn]:
    """The client's answered and missed check-ins due from ``since`` to ``now``."""
    return list(
        session.scalars(
            select(CheckIn)
            .where(
                CheckIn.client_id == client_id,
                CheckIn.due_at >= since,
                CheckIn.due_at <= now,
                CheckIn.status.in_([CheckInStatus.ANSWERED, CheckInStatus.MISSED]),
            )
            .order_by(CheckIn.due_at, CheckIn.id)
        )
    )


def apply(client: Client, values: dict[str, Any], wants_texts: bool, now: datetime) -> list[str]:
    """Copy ``values`` (and the consent box) onto the client; the names of what changed."""
    changes = []
    for name, value in values.items():
        if getattr(client, name) != value:
            changes.append(name)
            setattr(client, name, value)
    if wants_texts and client.consent != Consent.OPTED_IN:
        client.consent, client.consent_changed_at = Consent.OPTED_IN, now
        changes.append("consent")
    elif not wants_texts and client.consent == Consent.OPTED_IN:
        client.consent, client.consent_changed_at = Consent.OPTED_OUT, now
        changes.append("consent")
    client.updated_at = now
    return changes


def _audit_details(client: Client, changes: list[str]) -> dict[str, object]:
    details: dict[str, object] = {"fields": changes}
    if client.status == ClientStatus.PAUSED and client.paused_until is not None:
        details["pause"] = {
            "reason": client.pause_reason,
            "until": client.paused_until.isoformat(),
        }
    return details


def record_consent(
    session: Session,
    client: Client,
    changes: list[str],
    actor: StaffUser,
    now: datetime,
    disclosure: str,
    *,
    created: bool = False,
) -> ConsentEvent | None:
    """Add a consent ledger row for what staff just changed (consent, or the release).

    ``disclosure`` is the opt-in text the client was shown (kept with an opt-in).
    """
    kept = None
    if "roi_officer_contact" in changes:
        release.follow_flag(session, client, actor, now)  # the form's box is the channel release
    if "consent" in changes:
        opted_in = client.consent == Consent.OPTED_IN
        kind = ConsentKind.OPT_IN_RECORDED if opted_in else ConsentKind.OPT_OUT_BY_STAFF
        if opted_in:
            kept = disclosure
    elif "roi_officer_contact" in changes and (client.roi_officer_contact or not created):
        kind = ConsentKind.ROI_CHANGED
    else:
        return None
    event = ConsentEvent(
        client_id=client.id,
        at=now,
        kind=kind,
        recorded_by_id=actor.id,
        disclosure=kept,
        roi_officer_contact=client.roi_officer_contact,
    )
    session.add(event)
    return event


def _after_save(
    session: Session, client: Client, changes: list[str], now: datetime
) -> Message | None:
    """Welcome a newly consenting client; withdraw texts when consent or status ends.

    Returns the welcome text when one was queued just now.
    """
    if client.can_be_texted:
        welcome = enqueue(
            session,
            kind="welcome",
            dedupe_key=f"welcome:{client.id}",
            client_id=client.id,
            now=now,
        )
        release.tell_client(session, client, now)  # who sees their answers (issue 15)
        return welcome
    if "consent" in changes or "status" in changes:
        cancel_pending(session, client_id=client.id, reason="texts stopped by staff", now=now)
    return None


def add_client(
    session: Session,
    values: dict[str, Any],
    wants_texts: bool,
    actor: StaffUser,
    now: datetime,
    disclosure: str,
    also: dict[str, object] | None = None,
    keep: RetentionSettings | None = None,
) -> tuple[Client, Message | None]:
    """Create the client ``values`` describe (plus ``also``'s attributes), audit it, record
    consent in the ledger and queue the welcome text; the client and that text. The caller
    commits (guided onboarding adds an appointment in the same transaction). ``keep`` says
    when a client added as discharged has their words erased."""
    client = Client(created_at=now, updated_at=now, consent=Consent.NOT_ASKED)
    changes = apply(client, values, wants_texts, now)
    for name, value in (also or {}).items():
        if value is not None:
            setattr(client, name, value)
            changes.append(name)
    session.add(client)
    session.flush()
    if client.status == ClientStatus.PAUSED:
        pauses.paused(session, client, now)
    audit.record(
        session,
        "client.created",
        now=now,
        actor=actor,
        subject=client,
        details=_audit_details(client, changes),
    )
    record_consent(session, client, changes, actor, now, disclosure, created=True)
    welcome = _after_save(session, client, changes, now)
    retention.schedule_on_discharge(
        session, client, ClientStatus.ACTIVE, actor, now, keep or RetentionSettings()
    )
    return client, welcome


def create_client(
    session: Session,
    values: dict[str, Any],
    wants_texts: bool,
    actor: StaffUser,
    now: datetime,
    disclosure: str,
    keep: RetentionSettings | None = None,
) -> Client:
    """``add_client``, committed."""
    check(actor.role, Action.ADD_CLIENT)  # the role policy (care/roles.py)
    client, _welcome = add_client(session, values, wants_texts, actor, now, disclosure, keep=keep)
    session.commit()
    return client


@dataclass
class Updated:
    changes: list[str]
    rescheduled: bool  # texts not yet sent were re-planned


def update_client(
    session: Session,
    client: Client,
    values: dict[str, Any],
    wants_texts: bool,
    actor: StaffUser,
    now: datetime,
    disclosure: str,
    settings: EscalationSettings,
    keep: RetentionSettings | None = None,
) -> Updated:
    """Save an edit: audit, consent ledger, welcome or withdrawal, pause start or end
    (holding or restarting escalations), re-plan when the edit moves texts, erasure of
    the client's words scheduled on discharge (``keep``) or cancelled on return; commits."""
    check(actor.role, Action.EDIT_CLIENT)  # the role policy (care/roles.py)
    was = client.status
    was_paused = client.status == ClientStatus.PAUSED
    ended = {
        "reason": client.pause_reason,
        "until": client.paused_until.isoformat() if client.paused_until else None,
    }
    changes = apply(client, values, wants_texts, now)
    if changes:
        audit.record(
            session,
            "client.updated",
            now=now,
            actor=actor,
            subject=client,
            details=_audit_details(client, changes),
        )
    record_consent(session, client, changes, actor, now, disclosure)
    _after_save(session, client, changes, now)
    retention.schedule_on_discharge(session, client, was, actor, now, keep or RetentionSettings())
    rescheduled = _pause_changes(session, client, was_paused, ended, actor, now, settings)
    if not rescheduled and client.can_be_texted and RESCHEDULING.intersection(changes):
        replan(session, client, now, "client details changed")
        rescheduled = True
    session.commit()
    return Updated(changes, rescheduled)


def _pause_changes(
    session: Session,
    client: Client,
    was_paused: bool,
    ended: dict[str, str | None],
    actor: StaffUser,
    now: datetime,
    settings: EscalationSettings,
) -> bool:
    """Hold escalations when a pause starts; restart them (and texts) when staff end it.

    Returns whether texts were re-planned.
    """
    is_paused = client.status == ClientStatus.PAUSED
    if is_paused and not was_paused:
        pauses.paused(session, client, now)
    elif was_paused and not is_paused:
        pauses.after_pause(session, client, now, settings, ended, actor=actor)
        return client.can_be_texted
    return False


@dataclass
class Onboarded:
    client: Client
    welcome: Message | None  # the welcome text, queued (the caller sends it at once)
    appointment: Appointment | None
    notices: int  # notices queued for the appointment


def onboard_client(
    session: Session,
    values: dict[str, Any],
    wants_texts: bool,
    actor: StaffUser,
    now: datetime,
    disclosure: str,
    *,
    also: dict[str, object] | None,
    appointment: tuple[AppointmentKind, datetime, str | None] | None,
) -> Onboarded:
    """Guided onboarding's finish: the client as "Add a client" makes them, and their first
    appointment (kind, start, place) with its notices, in one transaction; commits."""
    check(actor.role, Action.ADD_CLIENT)  # the role policy (care/roles.py)
    client, welcome = add_client(session, values, wants_texts, actor, now, disclosure, also)
    first, notices = None, 0
    if appointment is not None:
        kind, starts, location = appointment
        first, notices = add_planned(session, client, kind, starts, location, actor, now)
    session.commit()
    return Onboarded(client, welcome, first, notices)


@dataclass
class CareSummary:
    open_tasks: list[TaskRow]
    check_ins: Paged[CheckIn]
    upcoming: Paged[Appointment]


def care_summary(
    session: Session,
    client_id: int,
    now: datetime,
    kinds: frozenset[AppointmentKind] | None = None,
    *,
    checkins_page: int = 1,
    appointments_page: int = 1,
) -> CareSummary:
    """Open tasks, a page of check-ins (newest first, up to the next two days), a page of
    the appointments to come (of ``kinds``, or every kind), soonest first."""
    open_tasks = session.scalars(
        select(Task)
        .where(Task.client_id == client_id, Task.status == TaskStatus.OPEN)
        .order_by(Task.created_at, Task.id)
    ).all()
    check_ins = paged(
        session,
        select(CheckIn)
        .where(CheckIn.client_id == client_id, CheckIn.due_at <= now + timedelta(days=2))
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc()),
        checkins_page,
        CHECKINS_SHOWN,
    )
    upcoming = paged(
        session,
        select(Appointment)
        .where(
            Appointment.kind.in_(sorted(kinds)) if kinds is not None else true(),
            Appointment.client_id == client_id,
            Appointment.starts_at > now,
            Appointment.status.in_(COMING),
        )
        .order_by(Appointment.starts_at, Appointment.id),
        appointments_page,
        APPOINTMENTS_SHOWN,
    )
    return CareSummary(task_rows(session, list(open_tasks)), check_ins, upcoming)
