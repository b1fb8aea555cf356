"""Two separate caseloads for the security probes (IDOR, CSRF, XSS), and a database snapshot.

``two_caseloads(...)`` builds, for each of two teams (provider, officer, examiner), one
client with everything a staff page can show: a plan, an appointment, a task from an
inbound text and an open alert. ``snapshot()`` reads every table, so a probe can show that
a refused request changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from companion.care.ladder import Reason
from companion.extensions import db
from companion.models import (
    Appointment,
    Client,
    Direction,
    Escalation,
    Message,
    PlanVersion,
    StaffUser,
    Status,
    Task,
    TaskStatus,
)
from companion.models.base import Base
from companion.runtime import escalation_settings
from companion.services.escalations import open_escalation

from factories import (
    AppointmentFactory,
    ClientFactory,
    MessageFactory,
    PlanVersionFactory,
    StaffUserFactory,
)
from helpers import MONDAY_9AM


@dataclass
class Caseload:
    """One team and its one client, with a row of every kind a page can show."""

    provider: StaffUser
    officer: StaffUser
    examiner: StaffUser
    client: Client
    plan: PlanVersion
    appointment: Appointment
    inbound: Message
    task: Task
    escalation: Escalation
    staff: dict[str, StaffUser] = field(default_factory=dict)


def caseload(
    tag: str,
    phones: tuple[str, str, str],
    client_phone: str,
    *,
    name: str = "Ana",
    words: str = "plain words",
) -> Caseload:
    """A team (``tag`` in the staff names and emails) and one client carrying ``words``
    in every free-text field a page shows: plan lines, place, task note, inbound text."""
    provider = StaffUserFactory(
        role="provider", name=f"Provider {tag}", email=f"provider-{tag}@example.test",
        phone=phones[0],
    )  # fmt: skip
    officer = StaffUserFactory(
        role="officer", name=f"Officer {tag}", email=f"officer-{tag}@example.test",
        phone=phones[1],
    )  # fmt: skip
    examiner = StaffUserFactory(
        role="examiner", name=f"Examiner {tag}", email=f"examiner-{tag}@example.test",
        phone=phones[2],
    )  # fmt: skip
    client = ClientFactory(
        display_name=name,
        phone=client_phone,
        provider_id=provider.id,
        officer_id=officer.id,
        examiner_id=examiner.id,
    )
    plan = PlanVersionFactory(
        client=client,
        content={
            "warning_signs": [{"id": "ws1", "sign": words, "response": words, "ok_to_text": False}],
            "coping_strategies": [
                {"id": "cs1", "trigger": words, "steps": words, "ok_to_text": False}
            ],
        },
    )
    appointment = AppointmentFactory(client=client, location=words)
    inbound = MessageFactory(
        client=client,
        direction=Direction.INBOUND,
        kind="inbound",
        status=Status.RECEIVED,
        body=words,
        from_number=client.phone,
        sent_at=None,
        send_after=MONDAY_9AM - timedelta(hours=2),
    )
    task = Task(
        client_id=client.id,
        kind="unmatched_reply",
        status=TaskStatus.OPEN,
        message_id=inbound.id,
        note=words,
        created_at=MONDAY_9AM - timedelta(hours=1),
    )
    db.session.add(task)
    escalation = open_escalation(
        db.session, client, Reason.MISSED_CHECKINS, MONDAY_9AM - timedelta(minutes=30),
        escalation_settings(), details={"consecutive misses": 2},
    )  # fmt: skip
    db.session.commit()
    return Caseload(
        provider, officer, examiner, client, plan, appointment, inbound, task, escalation,
        staff={"provider": provider, "officer": officer, "examiner": examiner},
    )  # fmt: skip


# Rows every request may touch without changing what anyone sees: sign-in sessions
# (last seen) and the audit trail (a refused request may well be recorded).
NOT_COMPARED = {"staff_sessions", "audit_events"}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the ones above), as committed right now."""
    db.session.rollback()
    db.session.expire_all()
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_COMPARED:
            continue
        query = table.select().order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(query)]
    db.session.rollback()
    return rows


def changed_tables(before: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    after = snapshot()
    return [name for name in before if before[name] != after[name]]
