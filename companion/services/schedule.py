"""A client's risk and schedule: what the schedule page reads, and its two changes.

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.care.cadence import Cadence, Derived, effective_cadence
from companion.care.roles import Action, check
from companion.models import Client, ScheduleOverride, StaffUser
from companion.services import audit, planning, risk

# Changes to these move the schedule: texts not yet sent are re-planned.
MOVES_SCHEDULE = frozenset(
    {"risk_level", "acute_level", "release_date", "checkin_topics", "checkin_times"}
)


@dataclass
class SchedulePage:
    """What the schedule page shows: derived level, overrides in force and their history."""

    derived: Derived
    in_force: dict[str, Any]
    effective: Cadence
    history: list[ScheduleOverride]  # newest first


def in_force(
    session: Session, client: Client, today: date
) -> tuple[Derived, dict[str, Any], Cadence]:
    """The derived level on ``today``, the overrides in force and the cadence they make."""
    derived = planning.derived_level(client, today)
    overrides = planning.overrides_for(session, [client.id]).get(client.id, {})
    return derived, overrides, effective_cadence(derived, overrides)


def schedule_page(session: Session, client: Client, today: date) -> SchedulePage:
    """The schedule page's data for the client's ``today``."""
    derived, overrides, effective = in_force(session, client, today)
    history = list(
        session.scalars(
            select(ScheduleOverride)
            .where(ScheduleOverride.client_id == client.id)
            .order_by(ScheduleOverride.set_at.desc(), ScheduleOverride.id.desc())
        )
    )
    return SchedulePage(derived, overrides, effective, history)


def save_risk(
    session: Session, client: Client, values: dict[str, Any], actor: StaffUser, now: datetime
) -> list[str]:
    """Set the client's risk fields to ``values``; the names that changed (none: nothing
    is written). Re-plans when a change moves the schedule; audited; commits."""
    check(actor.role, Action.EDIT_SCHEDULE)  # the role policy (care/roles.py)
    changes = [name for name, value in values.items() if getattr(client, name) != value]
    if not changes:
        return []
    for name in changes:
        setattr(client, name, values[name])
    client.updated_at = now
    audit.record(
        session,
        "client.risk_updated",
        now=now,
        actor=actor,
        subject=client,
        details={"fields": changes},
    )
    if MOVES_SCHEDULE & set(changes):
        planning.replan(session, client, now, "risk or check-in settings changed")
    # A new level (an ACUTE result, a release date, Static-99R) is a step of the schedule.
    risk.log_step(session, client, now, by=actor, why=f"{', '.join(changes)} recorded")
    session.commit()
    return changes


def set_override(
    session: Session,
    client: Client,
    part: str,
    value: Any,
    reason: str,
    actor: StaffUser,
    now: datetime,
) -> None:
    """Override one part of the schedule (``value`` None: back to derived), re-plan, commit."""
    check(actor.role, Action.EDIT_SCHEDULE)  # the role policy (care/roles.py)
    planning.record_override(session, client, part, value, reason, actor, now)
    planning.replan(session, client, now, "schedule overridden")
    what = "back to derived" if value is None else f"set to {value}"
    risk.log_step(session, client, now, by=actor, why=f"{part} {what}: {reason}", force=True)
    session.commit()
