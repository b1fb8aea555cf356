"""Importing appointments from a file: the lookups a dry run needs, and the import itself.

The file is read and checked row by row in ``web/imports/views.py`` (its words are the staff
member's); this module finds clients and appointments already there and saves a clean
file in one transaction. Functions take a session, the inputs and ``now``; none imports
Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from companion.care.roles import Action, check
from companion.models import Appointment, AppointmentKind, AppointmentStatus, Client, StaffUser
from companion.services import audit, planning
from companion.services.appointments import new_appointment

CHUNK = 500  # ids per IN (...): well under every database's limit


def clients_named(
    session: Session, caseload: Select[tuple[Client]], ids: list[int], phones: list[str]
) -> list[Client]:
    """The clients of ``caseload`` with one of ``ids`` or ``phones`` (E.164)."""
    found: list[Client] = []
    for chunk in range(0, max(len(ids), len(phones)), CHUNK):
        found.extend(
            session.scalars(
                caseload.where(
                    or_(
                        Client.id.in_(ids[chunk : chunk + CHUNK]),
                        Client.phone.in_(phones[chunk : chunk + CHUNK]),
                    )
                )
            )
        )
    return found


def appointments_between(
    session: Session, client_ids: list[int], earliest: datetime, latest: datetime
) -> list[Appointment]:
    """The clients' appointments (not cancelled) starting from ``earliest`` to ``latest``."""
    found: list[Appointment] = []
    for chunk in range(0, len(client_ids), CHUNK):
        found.extend(
            session.scalars(
                select(Appointment).where(
                    Appointment.client_id.in_(client_ids[chunk : chunk + CHUNK]),
                    Appointment.starts_at >= earliest,
                    Appointment.starts_at <= latest,
                    Appointment.status != AppointmentStatus.CANCELLED,
                )
            )
        )
    return found


def record_dry_run(
    session: Session, clients: Iterable[Client], actor: StaffUser, now: datetime
) -> None:
    """The dry run shows each client found: a view of their record, audited like any; commits."""
    for client in clients:
        audit.record(
            session, "client.viewed", now=now, actor=actor, subject=client,
            details={"page": "appointment import"},
        )  # fmt: skip
    session.commit()


@dataclass
class Line:
    """One clean row of the file, as it is saved."""

    line: int
    client: Client
    kind: AppointmentKind
    starts: datetime
    location: str | None


def save_import(
    session: Session, lines: Sequence[Line], actor: StaffUser, now: datetime, filename: str
) -> int:
    """Add every line's appointment, plan its notices and audit it, in one transaction;
    commits. How many notices were queued."""
    check(actor.role, Action.IMPORT_APPOINTMENTS)  # the role policy (care/roles.py)
    made = [
        (line, new_appointment(
            session, line.client.id, line.kind, line.starts, line.location, actor, now
        ))
        for line in lines
    ]  # fmt: skip
    session.flush()
    # Plan every appointment first, then audit them all: an audit event added between
    # two plannings would be flushed alone by the next one's query.
    queued_each = [planning.plan_appointment(session, a, now) for _line, a in made]
    total = sum(queued_each)
    for (line, appointment), queued in zip(made, queued_each, strict=True):
        audit.record(
            session,
            "appointment.created",
            now=now,
            actor=actor,
            subject=appointment,
            details={
                "client_id": appointment.client_id,
                "kind": appointment.kind.value,
                "notices": queued,
                "imported": True,
                "line": line.line,
            },
        )
    audit.record(
        session,
        "appointments.imported",
        now=now,
        actor=actor,
        details={
            "file": filename,
            "appointments": len(made),
            "clients": len({line.client.id for line, _a in made}),
            "notices": total,
        },
    )
    session.commit()
    return total
