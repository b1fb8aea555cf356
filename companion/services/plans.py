"""The relapse-prevention plan's pages: its versions, and saving a new one.

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.care.plan import PARTS, reminder_lines
from companion.care.roles import Action, check
from companion.models import Client, PlanVersion, StaffUser
from companion.services import audit, planning


def versions(session: Session, client_id: int) -> list[PlanVersion]:
    """Every saved version of the client's plan, newest first."""
    return list(
        session.scalars(
            select(PlanVersion)
            .where(PlanVersion.client_id == client_id)
            .order_by(PlanVersion.version.desc())
        )
    )


def version(session: Session, client_id: int, number: int) -> PlanVersion | None:
    """Version ``number`` of the client's plan, if there is one."""
    return session.scalars(
        select(PlanVersion).where(PlanVersion.client_id == client_id, PlanVersion.version == number)
    ).first()


@dataclass
class Saved:
    """What came of a save: the new number, or that someone saved meanwhile (``newest``)."""

    number: int | None = None
    conflict: bool = False
    newest: PlanVersion | None = None
    unchanged: bool = False


def save_plan(
    session: Session,
    client: Client,
    content: dict[str, Any],
    review_date: date | None,
    base_version: str,
    actor: StaffUser,
    now: datetime,
) -> Saved:
    """Save ``content`` (already checked) as the next version, unless someone saved since
    ``base_version`` (the version the editor was opened on) or nothing changed; commits."""
    check(actor.role, Action.EDIT_PLAN)  # the role policy (care/roles.py)
    latest = planning.latest_plan(session, client.id)
    if latest is not None and str(latest.version) != base_version:
        # Someone saved since this page was opened: show theirs before overwriting it.
        return Saved(conflict=True, newest=latest)
    if latest is not None and latest.content == content and latest.review_date == review_date:
        return Saved(unchanged=True)
    number = (latest.version if latest else 0) + 1
    session.add(
        PlanVersion(
            client_id=client.id,
            version=number,
            content=content,
            review_date=review_date,
            created_by_id=actor.id,
            created_at=now,
        )
    )
    audit.record(
        session,
        "plan.saved",
        now=now,
        actor=actor,
        subject=client,
        details={
            "version": number,
            "items": {p.key: len(content[p.key]) for p in PARTS},
            "ok_to_text": len(reminder_lines(content)),
        },
    )
    if latest is None:
        # A first plan is what turns plan reminders on (planning.plan_clients).
        planning.replan(session, client, now, "first plan saved")
    try:
        session.commit()
    except IntegrityError:
        # The same number saved by someone else at the same moment.
        session.rollback()
        return Saved(conflict=True, newest=planning.latest_plan(session, client.id))
    return Saved(number=number)
