"""The text back for a check-in answer: fitted to the answer, in words not sent last time.

A good answer is reinforced; a hard one gets the client's own step or support contact
from their plan (the words the provider marked OK to text, which passed the discretion
check); an approach goal not stepped toward gets that goal's next step. Which answers are
good is the topic's (care/topics.py ``good``), the choice of wording
``care.acknowledgements.pick_variant`` over what the outbox last sent this client.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.care.acknowledgements import Tone, pick_variant, tone
from companion.care.plan import crisis_contact
from companion.messaging.texts import ACKNOWLEDGEMENT_KINDS, ACKNOWLEDGEMENTS
from companion.models import CheckIn, Client, Direction, Message
from companion.services.planning import asked_goal, goal_lines, latest_plan

# How many past acknowledgements the choice of wording looks at.
RECENT = 12


def acknowledge(session: Session, check_in: CheckIn) -> tuple[str, dict[str, Any]]:
    """The (kind, params) to answer ``check_in``'s recorded answer with."""
    recent = recent_acknowledgements(session, check_in.client_id)
    family, params = _family(session, check_in, recent)
    return pick_variant(ACKNOWLEDGEMENTS[family], recent), params


def recent_acknowledgements(session: Session, client_id: int) -> list[str]:
    """The acknowledgement kinds queued or sent to the client, newest first."""
    return list(
        session.scalars(
            select(Message.kind)
            .where(
                Message.client_id == client_id,
                Message.direction == Direction.OUTBOUND,
                Message.kind.in_(sorted(ACKNOWLEDGEMENT_KINDS)),
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(RECENT)
        )
    )


def _family(session: Session, check_in: CheckIn, recent: list[str]) -> tuple[str, dict[str, Any]]:
    felt = tone(check_in.topic, check_in.answer_value)
    if felt == Tone.GOOD:
        return "good", {}
    if felt == Tone.NEUTRAL:
        return "neutral", {}
    version = latest_plan(session, check_in.client_id)
    content = version.content if version is not None else {}
    if check_in.topic == "goal":
        wanted = asked_goal(session, check_in.id)
        for line in goal_lines(content):
            if line.item_id == wanted and line.params.get("step"):
                return "goal_step", {"step": line.params["step"]}
    step = own_step(content)
    contact = crisis_contact(content)
    # Both in the plan: the step and the contact take turns.
    last = recent[0] if recent else ""
    if step and (contact is None or last not in ACKNOWLEDGEMENTS["hard_step"]):
        return "hard_step", {"step": step}
    if contact is not None:
        return "hard_contact", contact
    return "hard", {}


def own_step(content: dict[str, Any]) -> str | None:
    """The client's first coping step marked OK to text: a coping strategy's steps, else
    the step that answers a warning sign."""
    for item in content.get("coping_strategies", []):
        if item.get("ok_to_text") and item.get("steps"):
            return str(item["steps"])
    for item in content.get("warning_signs", []):
        if item.get("ok_to_text") and item.get("response"):
            return str(item["response"])
    return None


def samples(session: Session, client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    """Every acknowledgement the client could get, as (family, kind, params), with the
    words of their own plan where a family carries them (for the text previews). A
    family whose words the plan lacks is left out."""
    version = latest_plan(session, client.id)
    content = version.content if version is not None else {}
    words: dict[str, dict[str, Any] | None] = {
        "neutral": {},
        "good": {},
        "hard_step": {"step": step} if (step := own_step(content)) else None,
        "hard_contact": crisis_contact(content),
        "hard": {},
        "goal_step": next(
            ({"step": line.params["step"]} for line in goal_lines(content) if line.params["step"]),
            None,
        ),
    }
    return [
        (family, kind, params)
        for family, kinds in ACKNOWLEDGEMENTS.items()
        if (params := words[family]) is not None
        for kind in kinds
    ]
