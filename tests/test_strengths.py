"""Strengths, not only risks (issue 16, item 1): approach goals asked in turn with the
topics, protective topics in every language, acknowledgements that fit the answer and
never repeat the last wording."""

from __future__ import annotations

import html
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from companion.care import agenda
from companion.care.acknowledgements import Tone, pick_variant, tone
from companion.care.plan import normalise
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.messaging.compose import render
from companion.messaging.i18n import shipped_languages, translations_for
from companion.messaging.texts import ACKNOWLEDGEMENTS, KINDS, QUESTIONS
from companion.models import CheckIn, CheckInStatus, Client, Direction, Message, RiskLevel, Status
from companion.services import planning
from companion.services.acknowledgements import acknowledge

from factories import PlanVersionFactory
from helpers import MONDAY_9AM, sign_in

PLAN = {
    "coping_strategies": [
        {"trigger": "I feel alone in the evening", "steps": "call my brother", "ok_to_text": True}
    ],
    "support_contacts": [{"name": "Luis", "phone": "(213) 555-0177", "ok_to_text": True}],
    "approach_goals": [
        {
            "good": "work",
            "goal": "finish the forklift course",
            "next_step": "call the school on Monday",
            "ok_to_text": True,
        }
    ],
}
PROTECTIVE = ("good_moment", "step_done", "goal")


def _plan(client: Client, raw: dict = PLAN) -> dict:
    content, errors = normalise(raw)
    assert not errors
    PlanVersionFactory(client=client, content=content)
    return content


# -- which answers are good depends on the topic ------------------------------------------------


def test_the_topic_says_which_way_is_good():
    assert tone("stress", "9") == Tone.HARD and tone("stress", "1") == Tone.GOOD
    assert tone("connected", "9") == Tone.GOOD and tone("connected", "1") == Tone.HARD
    assert tone("stress", "5") == Tone.NEUTRAL  # the middle of a scale is neither
    assert tone("people", "no") == Tone.GOOD and tone("supports", "no") == Tone.HARD
    assert tone("goal", "yes") == Tone.GOOD and tone("goal", "no") == Tone.HARD
    assert tone("coping", "B") == Tone.GOOD  # any step used is a step taken
    assert tone("stuck", "1") == Tone.NEUTRAL and tone("stress", None) == Tone.NEUTRAL


def test_every_topic_has_a_question_and_strengths_are_asked():
    assert set(TOPICS) == set(QUESTIONS)
    assert {t for t, spec in TOPICS.items() if spec.protective} >= {"supports", *PROTECTIVE}


def test_a_variant_is_never_the_one_sent_last():
    for variants in ACKNOWLEDGEMENTS.values():
        history: list[str] = []
        for _ in range(7):
            chosen = pick_variant(variants, history)
            assert not history or chosen != history[0]
            history.insert(0, chosen)
        # Each wording comes round before any comes back.
        assert set(history[: len(variants)]) == set(variants)


@pytest.mark.parametrize("language", [lang for lang in shipped_languages() if lang != "en"])
def test_protective_questions_and_acknowledgements_are_in_every_language(language):
    translate = translations_for(language).gettext
    for topic in PROTECTIVE:
        assert translate(QUESTIONS[topic]) != QUESTIONS[topic], (language, topic)
    for kinds in ACKNOWLEDGEMENTS.values():
        for kind in kinds:
            assert translate(KINDS[kind].template) != KINDS[kind].template, (language, kind)
    # The goal question carries the goal as the provider typed it.
    body = render("checkin_prompt", language, {"name": "Ana", "topic": "goal", "goal": "GED"})
    assert "GED" in body.body and "%(" not in body.body


# -- goals take turns with the topics, within the cadence ----------------------------------------


def test_goals_take_turns_with_the_topics_without_more_texts():
    client = Client(
        id=1,
        risk_level=RiskLevel.IVA,
        timezone="America/Los_Angeles",
        send_window_start=time(8),
        send_window_end=time(21),
        checkin_topics=["stress", "connected"],
    )
    start, end = MONDAY_9AM, MONDAY_9AM + timedelta(days=14)
    today = MONDAY_9AM.date()
    without = agenda.plan_window(planning.schedule_for(client, {}, today), start, end)
    with_goal = agenda.plan_window(
        planning.schedule_for(client, {}, today, has_goals=True), start, end
    )
    assert len(with_goal.check_ins) == len(without.check_ins)
    assert [c.due_at for c in with_goal.check_ins] == [c.due_at for c in without.check_ins]
    topics = [c.topic for c in with_goal.check_ins]
    assert topics.count("goal") >= len(topics) // 3 - 1
    assert {"stress", "connected", "goal"} == set(topics)
    # No topics chosen, no check-ins: a goal does not start them.
    client.checkin_topics = []
    quiet = planning.schedule_for(client, {}, today, has_goals=True)
    assert agenda.plan_window(quiet, start, end).check_ins == []


def test_planning_asks_the_goal_in_the_clients_words(app, make_client):
    client = make_client(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    _plan(client)
    db.session.commit()
    for day in range(4):  # planning fills a day or so ahead at a time
        planning.plan_clients(db.session, MONDAY_9AM + timedelta(days=day))
    topics = db.session.scalars(select(CheckIn.topic).where(CheckIn.client_id == client.id)).all()
    assert "goal" in topics and "stress" in topics
    prompt = db.session.scalars(
        select(Message)
        .join(CheckIn, CheckIn.id == Message.check_in_id)
        .where(CheckIn.topic == "goal", Message.kind == "checkin_prompt")
        .limit(1)
    ).one()
    extra = planning.resolve_params(db.session, prompt, client)
    assert extra is not None and extra["goal"] == "finish the forklift course"
    body = render("checkin_prompt", "en", {**prompt.params, **extra, "name": "Ana"}).body
    assert body == (
        "Ana, quick check-in: Did you take a step toward finish the forklift course today? "
        "Reply YES or NO."
    )


# -- acknowledgements ------------------------------------------------------------------------------


def _answered(client: Client, topic: str, value: str, n: int) -> CheckIn:
    at = MONDAY_9AM + timedelta(days=n)
    check_in = CheckIn(
        client_id=client.id, topic=topic, due_at=at, closes_at=at + timedelta(hours=6),
        status=CheckInStatus.ANSWERED, answer_value=value, answered_at=at, created_at=at,
    )  # fmt: skip
    db.session.add(check_in)
    db.session.flush()
    db.session.add(_outbound(client, "checkin_prompt", f"p{n}", at, check_in.id))
    return check_in


def _outbound(client, kind, key, at, check_in_id=None, params=None):
    return Message(
        direction=Direction.OUTBOUND, kind=kind, dedupe_key=key, client_id=client.id,
        check_in_id=check_in_id, status=Status.SENT, params=params or {}, send_after=at,
        sent_at=at, created_at=at, updated_at=at,
    )  # fmt: skip


def _reply(client: Client, topic: str, value: str, n: int) -> tuple[str, dict]:
    """The acknowledgement of an answer, then queued as the outbox would hold it."""
    kind, params = acknowledge(db.session, _answered(client, topic, value, n))
    at = MONDAY_9AM + timedelta(days=n, minutes=5)
    db.session.add(_outbound(client, kind, f"reply:{n}", at, params=params))
    db.session.flush()
    return kind, params


def test_a_good_answer_is_reinforced_in_words_that_vary(app, make_client):
    client = make_client()
    kinds = [_reply(client, "connected", "9", n)[0] for n in range(6)]
    assert set(kinds) == set(ACKNOWLEDGEMENTS["good"])
    assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False))
    body = render(kinds[0], "en", {"name": "Ana"}).body
    assert body == "Thanks, Ana. Good to hear. Keep it up!"


def test_a_hard_answer_gets_the_clients_own_step_or_contact(app, make_client):
    client = make_client()
    _plan(client)
    first, params = _reply(client, "stress", "9", 0)
    assert first in ACKNOWLEDGEMENTS["hard_step"] and params == {"step": "call my brother"}
    assert render(first, "en", {"name": "Ana", **params}).body == (
        "Thanks for telling us, Ana. Your plan says: call my brother"
    )
    second, params = _reply(client, "connected", "1", 1)  # lonely: the other kind of help
    assert second in ACKNOWLEDGEMENTS["hard_contact"]
    assert "Luis" in render(second, "en", {"name": "Ana", **params}).body
    third, _ = _reply(client, "stress", "10", 2)
    assert third in ACKNOWLEDGEMENTS["hard_step"] and third != first


def test_a_goal_not_stepped_toward_gets_its_next_step(app, make_client):
    client = make_client()
    content = _plan(client)
    goal_id = content["approach_goals"][0]["id"]
    check_in = _answered(client, "goal", "no", 0)
    prompt = db.session.scalars(select(Message).where(Message.check_in_id == check_in.id)).one()
    prompt.params = {"topic": "goal", "item_id": goal_id}
    db.session.flush()
    kind, params = acknowledge(db.session, check_in)
    assert kind in ACKNOWLEDGEMENTS["goal_step"]
    assert params == {"step": "call the school on Monday"}


def test_without_a_plan_a_hard_answer_points_to_the_plan_in_general(app, make_client):
    client = make_client()
    kind, params = _reply(client, "urges", "7", 0)
    assert kind in ACKNOWLEDGEMENTS["hard"] and params == {}
    kind, _ = _reply(client, "stress", "5", 1)
    assert kind in ACKNOWLEDGEMENTS["neutral"]


def test_the_previews_show_the_goal_question_and_every_reply_wording(app, make_client, staff):
    provider = staff("provider", name="Pat Provider")
    client = make_client(language="es", checkin_topics=["stress"], provider_id=provider.id)
    content = _plan(client)
    db.session.commit()
    page = sign_in(app, provider).get(f"/clients/{client.id}/texts").get_data(as_text=True)
    goal_id = content["approach_goals"][0]["id"]
    goal = render("checkin_prompt", "es", {"name": "Ana", "topic": "goal",
                                          "goal": "finish the forklift course"}).body  # fmt: skip
    assert f'id="text-checkin_prompt-goal-{goal_id}"' in page
    assert html.escape(goal, quote=False) in page
    for kinds in ACKNOWLEDGEMENTS.values():
        for kind in kinds:
            assert f'id="text-{kind}"' in page, kind
    step = render("ack_hard_step_2", "es", {"name": "Ana", "step": "call my brother"}).body
    assert html.escape(step, quote=False) in page


def test_goals_are_asked_in_turn_and_the_reminder_repeats_its_prompts_goal(app, make_client):
    client = make_client(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    two_goals = {**PLAN, "approach_goals": [
        {"good": "work", "goal": "finish the forklift course", "next_step": "call the school",
         "ok_to_text": True},
        {"good": "relatedness", "goal": "see my daughter", "next_step": "write to her",
         "ok_to_text": True},
    ]}  # fmt: skip
    _plan(client, two_goals)
    asked, check_ins = [], []
    for n in range(2):
        check_in = CheckIn(client_id=client.id, topic="goal", due_at=MONDAY_9AM,
                           closes_at=MONDAY_9AM + timedelta(hours=6),
                           status=CheckInStatus.OPEN, created_at=MONDAY_9AM)  # fmt: skip
        db.session.add(check_in)
        db.session.flush()
        check_ins.append(check_in.id)
        prompt = _outbound(client, "checkin_prompt", f"g{n}", MONDAY_9AM, check_in.id,
                           {"topic": "goal"})  # fmt: skip
        db.session.add(prompt)
        db.session.flush()
        asked.append(planning.resolve_params(db.session, prompt, client)["goal"])
        db.session.flush()
    assert asked == ["finish the forklift course", "see my daughter"]
    reminder = _outbound(client, "checkin_reminder", "r0", MONDAY_9AM, check_ins[0],
                         {"topic": "goal"})  # fmt: skip
    db.session.add(reminder)
    db.session.flush()
    assert planning.resolve_params(db.session, reminder, client)["goal"] == asked[0]
