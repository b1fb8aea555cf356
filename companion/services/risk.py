"""Dynamic risk: a stale ACUTE-2007, the 90-day plan review, and every step of the schedule.

- ACUTE-2007 carries its assessment date (``clients.acute_date``) and goes stale after
  ACUTE_STALE_DAYS (30: ACUTE is meant to be re-scored at each supervision contact, at
  least monthly, and a month-old "low" says little about this week). ``acute_freshness``
  is what the client page shows; the provider gets one task to re-score it per stale date.
- The plan is reviewed every PLAN_REVIEW_DAYS (90, DOMAIN.md): one task per due date.
- Every change of the level the schedule is derived from (an ACUTE result, the end of the
  first 90 days after release: the step-down, a new Static-99R level) and every override
  is logged with who or what rule and why: a ``cadence_changes`` row, shown on the
  client's timeline, and an audit event.

The worker's pass runs ``review`` at most once an hour. Functions take a session, their
inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.care import agenda
from companion.care.cadence import LEVELS
from companion.care.local_time import local_instant
from companion.models import (
    CadenceChange,
    Client,
    ClientStatus,
    PlanVersion,
    StaffUser,
    Task,
    TaskStatus,
    WorkerHeartbeat,
)
from companion.services import audit, planning

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)
WORKER_ROW = "dynamic_risk"
RESCORE_TASK = "rescore_acute"
PLAN_REVIEW_TASK = "plan_review"


@dataclass(frozen=True)
class RiskSettings:
    """Settings.risk(): when an ACUTE-2007 is stale and how often the plan is reviewed."""

    acute_stale_days: int = 30
    plan_review_days: int = 90


# -- what the client page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class AcuteFreshness:
    level: str | None  # "low" | "moderate" | "high", or None: never scored
    scored_on: date | None
    stale_on: date | None  # the day it goes (or went) stale
    stale: bool


def acute_freshness(client: Client, now: datetime, settings: RiskSettings) -> AcuteFreshness:
    """The client's ACUTE-2007, its date and whether it is stale (the client page shows it)."""
    if client.acute_level is None or client.acute_date is None:
        return AcuteFreshness(client.acute_level.value if client.acute_level else None,
                              client.acute_date, None, client.acute_level is not None)  # fmt: skip
    today = agenda.local_date(now, ZoneInfo(client.timezone))
    stale_on = client.acute_date + timedelta(days=settings.acute_stale_days)
    return AcuteFreshness(client.acute_level.value, client.acute_date, stale_on, today >= stale_on)


def plan_review_due(
    session: Session, client: Client, settings: RiskSettings, latest: PlanVersion | None = None
) -> date | None:
    """When the client's plan is next due for review (its review date, or 90 days after it
    was saved); None without a plan."""
    latest = latest or planning.latest_plan(session, client.id)
    if latest is None:
        return None
    if latest.review_date is not None:
        return latest.review_date
    saved = latest.created_at.astimezone(ZoneInfo(client.timezone)).date()
    return saved + timedelta(days=settings.plan_review_days)


# -- the worker's pass -------------------------------------------------------------------------


def review_hourly(session: Session, now: datetime, settings: RiskSettings) -> int:
    """``review`` for the worker's pass: at most once an hour."""
    last = session.get(WorkerHeartbeat, WORKER_ROW)
    if last is not None and last.beat_at <= now < last.beat_at + EVERY:
        return 0
    done = review(session, now, settings)
    if last is None:
        last = WorkerHeartbeat(name=WORKER_ROW, beat_at=now)
        session.add(last)
    last.beat_at = now
    last.summary = f"dynamic risk: {done} change(s) or task(s)"
    try:
        session.commit()
    except IntegrityError:  # a second worker's very first pass recorded it at the same moment
        session.rollback()
    return done


def review(session: Session, now: datetime, settings: RiskSettings) -> int:
    """Tasks for stale ACUTE scores and plans due for review, and the schedule steps the
    calendar made (the end of the first 90 days after release); how many were written."""
    done = 0
    clients = list(
        session.scalars(
            select(Client).where(Client.status != ClientStatus.DISCHARGED).order_by(Client.id)
        )
    )
    # Three statements for the whole caseload, then per client only what is due.
    levels = _last_levels(session)
    plans = _latest_plans(session)
    for client in clients:
        done += _rescore_task(session, client, now, settings)
        done += _plan_review_task(session, client, now, settings, plans.get(client.id))
        today = agenda.local_date(now, ZoneInfo(client.timezone))
        if planning.derived_level(client, today).level != levels.get(client.id):
            done += int(log_step(session, client, now) is not None)
    session.commit()
    return done


def _last_levels(session: Session) -> dict[int, str]:
    newest = select(func.max(CadenceChange.id)).group_by(CadenceChange.client_id)
    return dict(
        session.execute(
            select(CadenceChange.client_id, CadenceChange.to_level).where(
                CadenceChange.id.in_(newest)
            )
        ).all()
    )


def _latest_plans(session: Session) -> dict[int, PlanVersion]:
    newest = select(func.max(PlanVersion.id)).group_by(PlanVersion.client_id)
    return {p.client_id: p for p in session.scalars(select(PlanVersion).where(
        PlanVersion.id.in_(newest)))}  # fmt: skip


def _task_once(session: Session, client: Client, kind: str, due: date, note: str,
               now: datetime) -> int:  # fmt: skip
    """One open-or-done task of ``kind`` per client per due date."""
    due_at = local_instant(due, time(9, 0), ZoneInfo(client.timezone))
    exists = session.scalar(
        select(func.count()).where(
            Task.client_id == client.id, Task.kind == kind, Task.due_at == due_at
        )
    )
    if exists:
        return 0
    session.add(Task(client_id=client.id, kind=kind, status=TaskStatus.OPEN, note=note,
                     created_at=now, due_at=due_at))  # fmt: skip
    audit.record(session, "task.created", now=now, actor_kind="system", subject=client,
                 details={"kind": kind, "due": due.isoformat()})  # fmt: skip
    return 1


def _rescore_task(session: Session, client: Client, now: datetime, settings: RiskSettings) -> int:
    fresh = acute_freshness(client, now, settings)
    if not fresh.stale or fresh.stale_on is None:
        return 0
    note = (f"ACUTE-2007 scored {fresh.scored_on.isoformat() if fresh.scored_on else '?'} is "
            f"over {settings.acute_stale_days} days old: re-score it.")  # fmt: skip
    return _task_once(session, client, RESCORE_TASK, fresh.stale_on, note, now)


def _plan_review_task(
    session: Session,
    client: Client,
    now: datetime,
    settings: RiskSettings,
    latest: PlanVersion | None,
) -> int:
    if latest is None:
        return 0
    due = plan_review_due(session, client, settings, latest)
    if due is None or agenda.local_date(now, ZoneInfo(client.timezone)) < due:
        return 0
    note = f"The relapse-prevention plan is due for review ({due.isoformat()})."
    return _task_once(session, client, PLAN_REVIEW_TASK, due, note, now)


# -- schedule steps -----------------------------------------------------------------------------


def last_step(session: Session, client_id: int) -> CadenceChange | None:
    return session.scalars(
        select(CadenceChange)
        .where(CadenceChange.client_id == client_id)
        .order_by(CadenceChange.at.desc(), CadenceChange.id.desc())
        .limit(1)
    ).first()


def log_step(
    session: Session,
    client: Client,
    now: datetime,
    *,
    by: StaffUser | None = None,
    why: str = "",
    force: bool = False,
) -> CadenceChange | None:
    """Log the client's schedule level if it moved since the last entry (or ``force``: a
    staff change that kept the level, such as an override); the row, or None.

    Without ``by`` the change is the calendar's: the rule is named from the derived
    level's reasons (the first 90 days after release ending is the step-down).
    """
    today = agenda.local_date(now, ZoneInfo(client.timezone))
    derived = planning.derived_level(client, today)
    previous = last_step(session, client.id)
    was = previous.to_level if previous is not None else None
    if was == derived.level and not force:
        return None
    if was is None:
        direction = "first"
    elif was == derived.level:
        direction = "same"
    else:
        up = LEVELS.index(derived.level) > LEVELS.index(was)
        direction = "up" if up else "down"
    rule = "staff" if by is not None else _rule(derived.reasons, direction, client)
    because = why or "; ".join(str(r) for r in derived.reasons) or (
        f"Static-99R level {client.risk_level.value}, no modifier in force")  # fmt: skip
    step = CadenceChange(client_id=client.id, at=now, from_level=was, to_level=derived.level,
                         direction=direction, by_id=by.id if by else None, rule=rule[:60],
                         why=because[:300])  # fmt: skip
    session.add(step)
    audit.record(session, "client.cadence_changed", now=now, actor=by,
                 actor_kind=None if by else "system", subject=client,
                 details={"from": was, "to": derived.level, "direction": direction,
                          "rule": rule})  # fmt: skip
    log.info("client %d: schedule level %s -> %s (%s)", client.id, was, derived.level, rule)
    return step


def _rule(reasons: tuple[str, ...], direction: str, client: Client) -> str:
    if direction == "first":
        return "first recorded"
    if direction == "down" and client.release_date is not None:
        return "90 days after release ended"
    return "derived level" if not reasons else "ACUTE-2007 or release modifier"


def steps(session: Session, client_id: int) -> list[CadenceChange]:
    """The client's schedule steps, newest first (the client page or report may list them)."""
    return list(
        session.scalars(
            select(CadenceChange)
            .where(CadenceChange.client_id == client_id)
            .order_by(CadenceChange.at.desc(), CadenceChange.id.desc())
        )
    )


def as_dict(step: CadenceChange) -> dict[str, Any]:
    return {"at": step.at, "from": step.from_level, "to": step.to_level,
            "direction": step.direction, "rule": step.rule, "why": step.why}  # fmt: skip
