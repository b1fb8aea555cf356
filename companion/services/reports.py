"""The monthly containment report: a client's month in figures (page and CSV alike).

The month is the client's own (their time zone): it is their days that are counted.
Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from companion.care.ladder import RULES, Reason
from companion.care.local_time import local_instant
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    Escalation,
    EscalationStatus,
    Message,
    Status,
)


def reason_text(reason: str) -> str:
    """Why an escalation was raised, in English (the CSV, and what the record holds)."""
    try:
        return RULES[Reason(reason)].label
    except ValueError:
        return reason.replace("_", " ").capitalize()


def next_month(first: date) -> date:
    """The first day of the month after the one ``first`` begins."""
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


@dataclass
class Adherence:
    answered: int = 0
    missed: int = 0
    withdrawn: int = 0
    still_open: int = 0

    @property
    def asked(self) -> int:
        return self.answered + self.missed + self.withdrawn

    @property
    def counted(self) -> int:
        """Check-ins that count for or against the client: withdrawn ones do not."""
        return self.answered + self.missed

    @property
    def rate(self) -> float | None:
        return self.answered / self.counted if self.counted else None


@dataclass
class KindRow:
    kind: AppointmentKind
    label: str
    kept: int = 0
    missed: int = 0
    cancelled: int = 0
    no_outcome: int = 0
    upcoming: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.missed + self.cancelled + self.no_outcome + self.upcoming


@dataclass
class ReasonRow:
    reason: str
    label: str
    opened: int = 0
    urgent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    still_open: int = 0
    waits: list[timedelta] = field(default_factory=list)

    @property
    def median_wait(self) -> timedelta | None:
        return median(self.waits) if self.waits else None

    @property
    def longest_wait(self) -> timedelta | None:
        return max(self.waits) if self.waits else None


@dataclass
class Report:
    client: Client
    month: date
    start: datetime
    end: datetime
    complete: bool  # the month is over
    adherence: Adherence
    appointments: list[KindRow]
    reasons: list[ReasonRow]
    escalations: list[Escalation]
    label: str = ""  # the month in the reader's words, set by the page

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"


def _asked(check_in: CheckIn, prompt: Message | None) -> bool:
    """False for a check-in withdrawn before its time came (a re-plan, a pause, an opt-out).

    Such a question was never put to the client: it is neither asked nor
    withdrawn in the report (a re-plan puts a new check-in in the same slot).
    """
    if check_in.status != CheckInStatus.WITHDRAWN:
        return True
    if prompt is None:
        return False
    return not (
        prompt.status == Status.CANCELLED
        and prompt.sent_at is None
        and prompt.updated_at <= check_in.due_at
    )


def build_report(
    session: Session,
    client: Client,
    month: date,
    now: datetime,
    kind_labels: dict[AppointmentKind, str],
) -> Report:
    """The client's month (their time zone): check-ins, appointments by kind, escalations."""
    zone = ZoneInfo(client.timezone)
    start = local_instant(month, time(0, 0), zone)
    end = local_instant(next_month(month), time(0, 0), zone)

    adherence = Adherence()
    check_ins = session.scalars(
        select(CheckIn).where(
            CheckIn.client_id == client.id, CheckIn.due_at >= start, CheckIn.due_at < end
        )
    ).all()
    prompts = (
        {
            m.check_in_id: m
            for m in session.scalars(
                select(Message).where(
                    Message.check_in_id.in_([c.id for c in check_ins]),
                    Message.kind == "checkin_prompt",
                )
            )
        }
        if check_ins
        else {}
    )
    for check_in in check_ins:
        if check_in.status == CheckInStatus.OPEN:
            if check_in.due_at <= now:
                adherence.still_open += 1
        elif check_in.status == CheckInStatus.ANSWERED:
            adherence.answered += 1
        elif check_in.status == CheckInStatus.MISSED:
            adherence.missed += 1
        elif _asked(check_in, prompts.get(check_in.id)):
            adherence.withdrawn += 1

    kinds = {k: KindRow(k, label) for k, label in kind_labels.items()}
    for appointment in session.scalars(
        select(Appointment).where(
            Appointment.client_id == client.id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
    ):
        row = kinds[appointment.kind]
        if appointment.status == AppointmentStatus.KEPT:
            row.kept += 1
        elif appointment.status == AppointmentStatus.MISSED:
            row.missed += 1
        elif appointment.status == AppointmentStatus.CANCELLED:
            row.cancelled += 1
        elif appointment.starts_at > now:
            row.upcoming += 1
        else:
            row.no_outcome += 1

    escalations = list(
        session.scalars(
            select(Escalation)
            .options(selectinload(Escalation.acknowledged_by))
            .where(
                Escalation.client_id == client.id,
                Escalation.opened_at >= start,
                Escalation.opened_at < end,
            )
            .order_by(Escalation.opened_at, Escalation.id)
        )
    )
    reasons: dict[str, ReasonRow] = {}
    for escalation in escalations:
        row = reasons.setdefault(
            escalation.reason, ReasonRow(escalation.reason, reason_text(escalation.reason))
        )
        row.opened += 1
        row.urgent += escalation.urgent
        if escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.outcome:
            row.outcomes[escalation.outcome.value] += 1
            if escalation.acknowledged_at is not None:
                row.waits.append(escalation.acknowledged_at - escalation.opened_at)
        else:
            row.still_open += 1

    return Report(
        client=client,
        month=month,
        start=start,
        end=end,
        complete=end <= now,
        adherence=adherence,
        appointments=list(kinds.values()),
        reasons=sorted(reasons.values(), key=lambda r: (-r.opened, r.label)),
        escalations=escalations,
    )
