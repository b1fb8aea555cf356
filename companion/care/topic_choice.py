"""Which check-in topics to suggest for a client: from their needs and their risk level.

The needs are the STABLE-2007 domains (DOMAIN.md: the dynamic tool used in California)
plus substance use. Each maps to the neutral topics that watch it (care/topics.py);
deviant interests and attitudes toward victims stay in session, never in a text, so no
domain suggests a topic about them. Pure: the onboarding page asks, this decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from companion.care.labels import W_
from companion.care.topics import DEFAULT_TOPICS, TOPICS

# (key, staff-facing label, the topics that watch it), in the STABLE-2007 order.
NEEDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("social_influences", W_("Significant social influences"), ("people", "supports")),
    ("intimacy_deficits", W_("Intimacy deficits (loneliness, relationships)"), ("connected",)),
    ("general_self_regulation", W_("General self-regulation (impulsivity, problem solving, mood)"),
     ("stress", "impulsive", "stuck")),
    ("sexual_self_regulation", W_("Sexual self-regulation (urges, coping)"), ("urges", "coping")),
    ("cooperation", W_("Cooperation with supervision"), ("appointments", "plan_conditions")),
    ("substances", W_("Alcohol or drug use"), ("substances",)),
)  # fmt: skip
NEED_KEYS = tuple(key for key, _label, _topics in NEEDS)

# A text a day at most on most levels: more topics than this is more than a client answers.
MOST_SUGGESTED = 4


def suggest_topics(needs: Iterable[str], risk_level: str) -> list[str]:
    """The topics to start with: the needs' topics first, then the level's, in TOPICS order.

    No need named: the defaults (stress and connection). At IVa and IVb, unwanted urges
    are always asked about, and at IVb the plan's conditions too.
    """
    wanted = set(needs)
    chosen: list[str] = []
    for key, _label, topics in NEEDS:
        if key in wanted:
            chosen += [t for t in topics if t not in chosen]
    if not chosen:
        chosen = list(DEFAULT_TOPICS)
    level_topics = {"IVa": ("urges",), "IVb": ("urges", "plan_conditions")}.get(risk_level, ())
    # The level's topics are kept even if the needs suggested more than MOST_SUGGESTED.
    chosen = [t for t in chosen if t not in level_topics][: MOST_SUGGESTED - len(level_topics)]
    chosen += list(level_topics)
    order = list(TOPICS)
    return sorted(dict.fromkeys(chosen), key=order.index)
