"""Check-in topics at onboarding: what to suggest, what the questions will read like, and
which clients have none (so are never asked anything).

The client page and the provider's home warn about a client without a topic; guided
onboarding suggests topics from the client's needs and shows each question as the
client's phone will (``previews``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from companion.care.topic_choice import suggest_topics
from companion.care.topics import TOPICS
from companion.messaging.compose import render
from companion.models import Client, ClientStatus

__all__ = ["has_check_in_topics", "previews", "suggest_topics", "without_topics"]


def has_check_in_topics(client: Client) -> bool:
    """Whether the client has at least one topic the planner knows (else: never asked)."""
    return any(topic in TOPICS for topic in (client.checkin_topics or []))


def without_topics(session: Session, caseload: Select[tuple[Client]]) -> list[Client]:
    """The caseload's active clients who have no check-in topic, by name."""
    ids = caseload.with_only_columns(Client.id).scalar_subquery()
    found = session.scalars(
        select(Client)
        .where(Client.id.in_(ids), Client.status != ClientStatus.DISCHARGED)
        .order_by(Client.display_name, Client.id)
    )
    return [c for c in found if not has_check_in_topics(c)]


@dataclass(frozen=True)
class Preview:
    """One topic's question as the client's phone will show it."""

    topic: str
    need: str  # staff-facing (translated by the page)
    body: str
    language: str
    segments: int


def previews(topics: list[str], name: str, language: str, simple: bool) -> list[Preview]:
    """The check-in question of each known topic, rendered in the client's language."""
    shown: list[Preview] = []
    for topic in topics:
        if topic not in TOPICS:
            continue
        params: dict[str, Any] = {"name": name or "…", "topic": topic, "simple": simple}
        text = render("checkin_prompt", language, params)
        shown.append(Preview(topic, TOPICS[topic].need, text.body, text.language, text.segments))
    return shown
