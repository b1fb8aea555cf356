"""What the team pages read: a client's timeline, an examiner's clients, the audit log.

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, true, type_coerce, union_all
from sqlalchemy.orm import Session, selectinload

from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    CadenceChange,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    StaffUser,
    Status,
    UTCDateTime,
)
from companion.services import audit

TIMELINE_PAGE = 100
AUDIT_PAGE = 50

# Outbound rows that are part of the record; pending or withdrawn (cancelled) ones are not.
SHOWN_OUTBOUND = (
    Status.SENDING,
    Status.SENT,
    Status.DELIVERED,
    Status.UNDELIVERED,
    Status.FAILED,
    Status.EXPIRED,
)


# -- the client's timeline ----------------------------------------------------------------


@dataclass
class Entry:
    at: datetime
    source: str  # "message" | "check_in" | "appointment" | "escalation" | "cadence"
    item: Any


def _timeline_sources(client_id: int, now: datetime):  # type: ignore[no-untyped-def]
    """One UNION ALL of (source, id, at) over everything the timeline shows."""
    message_at = func.coalesce(Message.sent_at, Message.updated_at)
    messages = select(
        literal("message").label("source"),
        Message.id.label("id"),
        type_coerce(message_at, UTCDateTime()).label("at"),
    ).where(
        Message.client_id == client_id,
        Message.staff_user_id.is_(None),
        or_(
            Message.direction == Direction.INBOUND,
            Message.status.in_(SHOWN_OUTBOUND),
        ),
    )
    check_ins = select(
        literal("check_in"),
        CheckIn.id,
        type_coerce(func.coalesce(CheckIn.answered_at, CheckIn.closes_at), UTCDateTime()),
    ).where(
        CheckIn.client_id == client_id,
        CheckIn.status.in_([CheckInStatus.ANSWERED, CheckInStatus.MISSED]),
    )
    appointments = select(
        literal("appointment"),
        Appointment.id,
        type_coerce(Appointment.starts_at, UTCDateTime()),
    ).where(Appointment.client_id == client_id, Appointment.starts_at <= now)
    steps = (
        select(
            literal("escalation"),
            EscalationEvent.id,
            type_coerce(EscalationEvent.at, UTCDateTime()),
        )
        .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
        .where(Escalation.client_id == client_id)
    )
    cadence = select(
        literal("cadence"),
        CadenceChange.id,
        type_coerce(CadenceChange.at, UTCDateTime()),
    ).where(CadenceChange.client_id == client_id)
    return union_all(messages, check_ins, appointments, steps, cadence).subquery("timeline")


def _load(session: Session, model: Any, ids: list[int], *options: Any) -> dict[int, Any]:
    if not ids:
        return {}
    rows = session.scalars(select(model).where(model.id.in_(ids)).options(*options))
    return {row.id: row for row in rows}


def timeline(session: Session, client_id: int, now: datetime, page: int) -> tuple[list[Entry], int]:
    """Page ``page`` (from 1) of everything that happened with the client, newest first,
    and how many entries there are in all."""
    sources = _timeline_sources(client_id, now)
    total = session.scalar(select(func.count()).select_from(sources)) or 0
    keys = session.execute(
        select(sources.c.source, sources.c.id, sources.c.at)
        .order_by(sources.c.at.desc(), sources.c.source, sources.c.id.desc())
        .limit(TIMELINE_PAGE)
        .offset((page - 1) * TIMELINE_PAGE)
    ).all()
    wanted: dict[str, list[int]] = defaultdict(list)
    for source, item_id, _at in keys:
        wanted[source].append(item_id)
    found = {
        "message": _load(session, Message, wanted["message"]),
        "check_in": _load(session, CheckIn, wanted["check_in"]),
        "appointment": _load(session, Appointment, wanted["appointment"]),
        "escalation": _load(
            session,
            EscalationEvent,
            wanted["escalation"],
            selectinload(EscalationEvent.escalation),
            selectinload(EscalationEvent.staff_user),
        ),
        "cadence": _load(session, CadenceChange, wanted["cadence"], selectinload(CadenceChange.by)),
    }
    entries = [
        Entry(at=at, source=source, item=found[source][item_id])
        for source, item_id, at in keys
        if item_id in found[source]
    ]
    return entries, total


# -- a polygraph examiner's clients --------------------------------------------------------


@dataclass
class Assigned:
    clients: list[Client]
    upcoming: dict[int, Appointment]  # each client's next appointment
    alerts: Counter[int]  # open alerts per client


def assigned(
    session: Session,
    caseload: Select[tuple[Client]],
    now: datetime,
    kinds: frozenset[AppointmentKind] | None = None,
) -> Assigned:
    """The caseload's clients by name, each one's next appointment (of ``kinds``, or any)
    and open alerts."""
    clients = list(session.scalars(caseload.order_by(Client.display_name)))
    ids = [c.id for c in clients]
    upcoming: dict[int, Appointment] = {}
    alerts: Counter[int] = Counter()
    if ids:
        for appointment in session.scalars(
            select(Appointment)
            .where(
                Appointment.client_id.in_(ids),
                Appointment.starts_at > now,
                Appointment.status != AppointmentStatus.CANCELLED,
                Appointment.kind.in_(sorted(kinds)) if kinds is not None else true(),
            )
            .order_by(Appointment.starts_at)
        ):
            upcoming.setdefault(appointment.client_id, appointment)
        alerts.update(
            dict(
                session.execute(
                    select(Escalation.client_id, func.count())
                    .where(
                        Escalation.client_id.in_(ids),
                        Escalation.status == EscalationStatus.OPEN,
                    )
                    .group_by(Escalation.client_id)
                ).all()
            )
        )
    return Assigned(clients, upcoming, alerts)


# -- the audit log -------------------------------------------------------------------------


def actions_in_log(session: Session) -> list[str]:
    """Every action the audit log holds."""
    return list(session.scalars(select(AuditEvent.action).distinct()))


def all_staff(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.name)))


@dataclass
class AuditFilter:
    """What the audit log is filtered by (``since`` and ``until`` are instants: from, before)."""

    action: str = ""
    actor: str = ""  # "system", "client", a staff id, or "" for anyone
    client_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query: Any, wanted: AuditFilter) -> Any:
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    actor = wanted.actor
    if actor in ("system", "client"):
        query = query.where(AuditEvent.actor_kind == actor, AuditEvent.actor_id.is_(None))
    elif actor:
        query = query.where(AuditEvent.actor_id == int(actor))
    if wanted.client_id:
        client_id = wanted.client_id
        query = query.where(
            or_(
                and_(AuditEvent.subject_type == "Client", AuditEvent.subject_id == client_id),
                AuditEvent.details["client_id"].as_integer() == client_id,
            )
        )
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at < wanted.until)
    return query


def audit_events(
    session: Session, wanted: AuditFilter | None, page: int
) -> tuple[list[AuditEvent], int]:
    """Page ``page`` of the log, newest first, filtered (None: unfiltered); and the total."""
    query = select(AuditEvent)
    if wanted is not None:
        query = _filtered(query, wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE)
        .offset((page - 1) * AUDIT_PAGE)
    ).all()
    return list(events), total


def record_audit_view(
    session: Session, actor: StaffUser, filters: list[str], now: datetime
) -> None:
    """Audit that ``actor`` read the audit log (with which filters); commits."""
    audit.record(session, "audit.viewed", now=now, actor=actor, details={"filters": filters})
    session.commit()
