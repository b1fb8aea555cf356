"""Dynamic risk (issue 15): a stale ACUTE-2007, the plan review every 90 days, and every
step of the schedule logged with who or what rule and why, on the client's timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from companion.care.topics import TOPICS, topics_for_stable
from companion.extensions import db
from companion.models import AcuteLevel, AuditEvent, CadenceChange, RiskLevel, Task
from companion.services import risk, schedule, team
from companion.services.risk import RiskSettings

from factories import PlanVersionFactory

LA = ZoneInfo("America/Los_Angeles")
SETTINGS = RiskSettings(acute_stale_days=30, plan_review_days=90)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=LA)


def tasks(kind: str) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.kind == kind)))


def test_an_acute_score_goes_stale_after_the_setting_and_asks_once_to_re_score(
    app, make_client
):
    client = make_client(acute_level=AcuteLevel.LOW, acute_date=date(2026, 11, 1))
    fresh = risk.acute_freshness(client, noon(date(2026, 11, 30)), SETTINGS)
    assert (fresh.scored_on, fresh.stale_on, fresh.stale) == (
        date(2026, 11, 1), date(2026, 12, 1), False)  # fmt: skip
    risk.review(db.session, noon(date(2026, 11, 30)), SETTINGS)
    assert tasks(risk.RESCORE_TASK) == []
    for day in range(1, 4):  # stale from 1 December: one task, not one a day
        risk.review(db.session, noon(date(2026, 12, day)), SETTINGS)
    [task] = tasks(risk.RESCORE_TASK)
    assert "2026-11-01" in task.note
    assert risk.acute_freshness(client, noon(date(2026, 12, 1)), SETTINGS).stale


def test_a_plan_review_task_once_per_due_date(app, make_client):
    client = make_client()
    saved = noon(date(2026, 9, 1))
    PlanVersionFactory(client=client, created_at=saved, review_date=None)
    assert risk.plan_review_due(db.session, client, SETTINGS) == date(2026, 11, 30)
    risk.review(db.session, noon(date(2026, 11, 29)), SETTINGS)
    assert tasks(risk.PLAN_REVIEW_TASK) == []
    risk.review(db.session, noon(date(2026, 11, 30)), SETTINGS)
    risk.review(db.session, noon(date(2026, 12, 5)), SETTINGS)
    [task] = tasks(risk.PLAN_REVIEW_TASK)
    assert "2026-11-30" in task.note


def test_the_step_down_after_the_first_90_days_is_logged_with_its_rule_and_shown(
    app, make_client
):
    released = date(2026, 9, 1)
    client = make_client(risk_level=RiskLevel.III, release_date=released)
    risk.review(db.session, noon(date(2026, 11, 1)), SETTINGS)  # IVa: one level up
    risk.review(db.session, noon(date(2026, 11, 2)), SETTINGS)  # nothing moved: no row
    risk.review(db.session, noon(released + timedelta(days=90)), SETTINGS)
    first, down = db.session.scalars(select(CadenceChange).order_by(CadenceChange.id)).all()
    assert (first.direction, first.to_level) == ("first", "IVa")
    assert (down.direction, down.from_level, down.to_level) == ("down", "IVa", "III")
    assert down.rule == "90 days after release ended" and down.by_id is None
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "client.cadence_changed")
    )
    entries, _total = team.timeline(db.session, client.id, noon(date(2026, 12, 1)), 1)
    assert [e.item.direction for e in entries if e.source == "cadence"] == ["down", "first"]


def test_a_new_acute_result_recorded_by_staff_is_a_step_up_by_that_person(
    app, make_client, provider
):
    client = make_client(risk_level=RiskLevel.II)
    now = noon(date(2026, 11, 23))
    risk.review(db.session, now, SETTINGS)
    schedule.save_risk(db.session, client,
                       {"acute_level": AcuteLevel.MODERATE, "acute_date": now.date()},
                       provider, now)  # fmt: skip
    step = risk.steps(db.session, client.id)[0]
    assert (step.direction, step.from_level, step.to_level) == ("up", "II", "III")
    assert step.by_id == provider.id and "acute_level" in step.why


def test_stable_items_suggest_topics_and_never_ones_that_stay_in_session():
    suggested = topics_for_stable({"impulsive_acts": 1, "sex_as_coping": 2,
                                   "deviant_sexual_preference": 2})  # fmt: skip
    assert suggested == ("coping", "stress", "impulsive")
    assert all(topic in TOPICS for topic in suggested)
    assert topics_for_stable({"emotional_identification_with_children": 2}) == (
        "stress", "connected")  # the defaults  # fmt: skip
