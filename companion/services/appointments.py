"""Appointments and tasks as staff manage them: add, change, cancel, record what became
of one, mark a task done, and what the appointments and tasks pages read.

Functions take a session, the inputs and ``now``; none imports Flask. The caller
checks the input (times, places) and says it in the staff member's words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.care.ladder import Reason
from companion.care.roles import Action, check
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Client,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    StaffUser,
    Status,
)
from companion.services import appointment_outcomes, audit, planning
from companion.services.appointment_outcomes import Recorded
from companion.services.escalations import EscalationSettings, note, open_escalation

OUTCOMES = {"kept": AppointmentStatus.KEPT, "missed": AppointmentStatus.MISSED}
# A missed treatment session or polygraph exam goes to the officer (and the provider):
# DOMAIN.md's ladder. Supervision meetings and court dates are the officer's own.
ESCALATE_WHEN_MISSED = frozenset(
    {AppointmentKind.TREATMENT_GROUP, AppointmentKind.INDIVIDUAL, AppointmentKind.POLYGRAPH}
)


def is_open(appointment: Appointment, now: datetime) -> bool:
    """Upcoming and not cancelled: the only appointments that can still change."""
    return appointment.starts_at > now and appointment.status not in (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.KEPT,
        AppointmentStatus.MISSED,
    )


def can_record(appointment: Appointment, now: datetime) -> bool:
    """An outcome can be recorded once the start has passed, unless it was cancelled."""
    return appointment.starts_at <= now and appointment.status != AppointmentStatus.CANCELLED


def client_appointment(session: Session, client: Client, appointment_id: int) -> Appointment | None:
    """The client's appointment ``appointment_id`` (None if it is not theirs)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.client_id != client.id:
        return None
    return appointment


def new_appointment(
    session: Session,
    client_id: int,
    kind: AppointmentKind,
    starts: datetime,
    location: str | None,
    actor: StaffUser,
    now: datetime,
) -> Appointment:
    """A scheduled appointment added by ``actor`` (the caller plans notices and commits).

    The appointments page, guided onboarding and the CSV import all add them this way.
    """
    appointment = Appointment(
        client_id=client_id,
        kind=kind,
        starts_at=starts,
        location=(location or "").strip(),
        status=AppointmentStatus.SCHEDULED,
        revision=1,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    return appointment


def add_appointment(
    session: Session,
    client: Client,
    kind: AppointmentKind,
    starts: datetime,
    location: str | None,
    actor: StaffUser,
    now: datetime,
) -> int:
    """Add one appointment, plan its notices, audit; commits. The number of notices queued."""
    check(actor.role, Action.MANAGE_APPOINTMENTS)  # the role policy (care/roles.py)
    _appointment, queued = add_planned(session, client, kind, starts, location, actor, now)
    session.commit()
    return queued


def add_planned(
    session: Session,
    client: Client,
    kind: AppointmentKind,
    starts: datetime,
    location: str | None,
    actor: StaffUser,
    now: datetime,
) -> tuple[Appointment, int]:
    """Add one appointment, plan its notices and audit it, without committing (guided
    onboarding adds the client in the same transaction); the appointment and its notices."""
    appointment = new_appointment(session, client.id, kind, starts, location, actor, now)
    session.flush()
    queued = planning.plan_appointment(session, appointment, now)
    audit.record(
        session,
        "appointment.created",
        now=now,
        actor=actor,
        subject=appointment,
        details={"client_id": client.id, "kind": appointment.kind.value, "notices": queued},
    )
    return appointment, queued


@dataclass
class Changed:
    """What an edit changed, and (if moved) the old start, the notices now queued and
    whether the client is texted the new time (they had been told the old one)."""

    fields: list[str]
    before: datetime | None = None
    queued: int = 0
    moved_text: bool = False


def change_appointment(
    session: Session,
    appointment: Appointment,
    kind: AppointmentKind,
    starts: datetime,
    location: str,
    actor: StaffUser,
    now: datetime,
) -> Changed:
    """Change an open appointment; a new time withdraws unsent notices, plans new ones
    and texts the client the new time if they had been told the old one. Other fields
    re-plan nothing (notices read the place when they are sent). Commits when something
    changed."""
    check(actor.role, Action.MANAGE_APPOINTMENTS)  # the role policy (care/roles.py)
    changed = Changed(fields=[])
    if kind != appointment.kind:
        appointment.kind = kind
        changed.fields.append("kind")
    if location != appointment.location:
        # Notices read the place when they are sent, so pending ones show the new one.
        appointment.location = location
        changed.fields.append("location")
    if starts != appointment.starts_at:
        changed.before = appointment.starts_at
        changed.moved_text = planning.reschedule_appointment(session, appointment, starts, now)
        changed.fields.append("time")
        # The old notices are withdrawn, so what is pending now is the new ones.
        changed.queued = len(
            session.scalars(
                select(Message.id).where(
                    Message.appointment_id == appointment.id,
                    Message.status == Status.PENDING,
                    Message.kind.in_(planning.NOTICE_KINDS),
                )
            ).all()
        )
    if not changed.fields:
        return changed
    appointment.updated_at = now
    audit.record(
        session,
        "appointment.updated",
        now=now,
        actor=actor,
        subject=appointment,
        details={
            "client_id": appointment.client_id,
            "fields": changed.fields,
            "moved_text": changed.moved_text,
        },
    )
    session.commit()
    return changed


def cancel_appointment(
    session: Session, appointment: Appointment, actor: StaffUser, now: datetime
) -> bool:
    """Cancel: unsent notices withdrawn; True if a cancellation text was queued (a notice
    or a moved text had already gone). Audited; commits."""
    check(actor.role, Action.MANAGE_APPOINTMENTS)  # the role policy (care/roles.py)
    texted = planning.cancel_appointment(session, appointment, now)
    audit.record(
        session,
        "appointment.cancelled",
        now=now,
        actor=actor,
        subject=appointment,
        details={"client_id": appointment.client_id, "cancellation_text": texted},
    )
    session.commit()
    return texted


# -- what became of an appointment ----------------------------------------------------------


@dataclass
class Outcome:
    """What recording an outcome did besides: the alert it opened or joined, if any."""

    already_alerted: bool = False  # recorded missed before, so the team was alerted then
    escalated: bool = False  # an alert was asked for (None below: the client is paused)
    escalation: Escalation | None = None
    recorded_only: bool = False  # missed, but the officer's own meeting or court date


def record_outcome(
    session: Session,
    client: Client,
    appointment: Appointment,
    outcome: AppointmentStatus,
    actor: StaffUser,
    now: datetime,
    settings: EscalationSettings,
    *,
    what: str,
    when: str,
) -> Outcome:
    """Record that a past appointment was kept or missed: who and when, audited; commits.

    A missed treatment session or polygraph exam alerts the officer (and the provider)
    through the escalation ladder, once: changing the outcome back and forth does not
    alert again. ``what`` and ``when`` (English kind, local start) are kept with the alert.
    """
    check(actor.role, Action.RECORD_ATTENDANCE)  # the role policy (care/roles.py)
    alerted_before = appointment_outcomes.missed_before(appointment)
    before = appointment_outcomes.record(session, appointment, outcome, actor, now)
    result = Outcome()
    if outcome == AppointmentStatus.MISSED and appointment.kind in ESCALATE_WHEN_MISSED:
        if alerted_before:
            result.already_alerted = True
        else:
            result.escalated = True
            result.escalation = open_escalation(
                session, client, Reason.MISSED_APPOINTMENT, now, settings,
                appointment_id=appointment.id,
                details={"missed": f"{what.lower()} of {when}", "recorded by": actor.name},
            )  # fmt: skip
    elif outcome == AppointmentStatus.MISSED:
        result.recorded_only = True
    elif before == AppointmentStatus.MISSED:
        _note_correction(session, appointment, what, when, actor, now)
    session.commit()
    return result


def _note_correction(
    session: Session,
    appointment: Appointment,
    what: str,
    when: str,
    actor: StaffUser,
    now: datetime,
) -> None:
    """Missed, then kept after all: the open alert about it says so (and stays open)."""
    for escalation in session.scalars(
        select(Escalation).where(
            Escalation.appointment_id == appointment.id,
            Escalation.status == EscalationStatus.OPEN,
        )
    ):
        note(
            session, escalation, now, "corrected",
            f"{what.lower()} of {when} recorded as kept after all by {actor.name}",
            actor,
        )  # fmt: skip


# -- the appointments page ---------------------------------------------------------------


@dataclass
class AppointmentsPage:
    upcoming: list[Appointment]
    past: list[Appointment]
    texts: dict[int, list[Message]]  # the notices of each appointment
    recorded: dict[int, Recorded]


def appointments_page(
    session: Session,
    client_id: int,
    now: datetime,
    kinds: frozenset[AppointmentKind] | None = None,
) -> AppointmentsPage:
    """The client's latest 200 appointments (of ``kinds``, or every kind), open ones first,
    with their notices."""
    query = select(Appointment).where(Appointment.client_id == client_id)
    if kinds is not None:
        query = query.where(Appointment.kind.in_(sorted(kinds)))
    appointments = list(
        session.scalars(query.order_by(Appointment.starts_at.desc()).limit(200))
    )
    upcoming = sorted((a for a in appointments if is_open(a, now)), key=lambda a: a.starts_at)
    past = [a for a in appointments if not is_open(a, now)]
    recorded = appointment_outcomes.recorded(
        session, [a.id for a in past if a.status in OUTCOMES.values()]
    )
    texts: dict[int, list[Message]] = defaultdict(list)
    if appointments:
        for message in session.scalars(
            select(Message)
            .where(
                Message.appointment_id.in_([a.id for a in appointments]),
                Message.direction == Direction.OUTBOUND,
            )
            .order_by(Message.send_after, Message.id)
        ):
            texts[message.appointment_id or 0].append(message)
    return AppointmentsPage(upcoming, past, texts, recorded)
