"""Check-in topics: a neutral question per criminogenic need (DOMAIN.md).

Deviant interests and attitudes toward victims stay in session, never in a text.
The question wording lives in messaging/texts.py (translated); here only what
each topic expects as an answer and which need it watches.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.care.labels import W_


@dataclass(frozen=True)
class Topic:
    key: str
    need: str  # the factor it watches (staff-facing)
    expects: str  # "rating" | "yes_no" | "choice"
    low: int = 0
    high: int = 10
    choices: tuple[str, ...] = ()
    # Which answers are good news (care/acknowledgements.py): "high" or "low" for a
    # rating (high connection is good, high stress is not), "yes" or "no" for a
    # yes/no question, "any" when every answer is a step taken, None for neutral.
    good: str | None = None
    # A protective factor (a strength to reinforce), not a risk to watch.
    protective: bool = False


TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        Topic("connected", W_("loneliness / intimacy deficits"), "rating", 0, 10, good="high"),
        Topic("stress", W_("negative mood"), "rating", 0, 10, good="low"),
        Topic("urges", W_("sexual self-regulation (urges)"), "rating", 0, 10, good="low"),
        Topic(
            "coping",
            W_("coping used"),
            "choice",
            choices=("A", "B", "C"),
            good="any",
            protective=True,
        ),
        Topic("people", W_("social influences"), "yes_no", good="no"),
        Topic("stuck", W_("problem solving"), "choice", choices=("1", "2")),
        Topic("impulsive", W_("impulsivity"), "rating", 0, 10, good="low"),
        Topic("supports", W_("use of supports"), "yes_no", good="yes", protective=True),
        Topic("substances", W_("substance use"), "yes_no", good="no"),
        Topic("appointments", W_("cooperation with supervision"), "yes_no", good="no"),
        Topic("plan_conditions", W_("plan conditions (high-risk situations)"), "yes_no", good="no"),
        # Strengths (DOMAIN.md, "Strengths, not only risks"): what goes well is asked too.
        Topic(
            "good_moment", W_("positive moments (strength)"), "yes_no", good="yes", protective=True
        ),
        Topic(
            "step_done", W_("coping step done (strength)"), "yes_no", good="yes", protective=True
        ),
        # One of the plan's approach goals (Good Lives Model), the goal's own words filled
        # in when the question is sent. Never chosen by hand: a client with an approach goal
        # marked OK to text gets it in turn with their other topics (services/planning.py).
        Topic(
            "goal",
            W_("approach goal step (Good Lives Model)"),
            "yes_no",
            good="yes",
            protective=True,
        ),
    )
}

# Topics planned from the plan itself, not picked on the schedule page.
PLAN_TOPICS = ("goal",)
DEFAULT_TOPICS = ("stress", "connected")
DEFAULT_TIMES = ("10:00",)
EVENING_TIME = "19:00"


# -- STABLE-2007 items to check-in topics ---------------------------------------------------
# STABLE-2007 scores 13 items 0-2 (0 no problem, 1 some, 2 definite), in five domains. An
# item scored 1 or more suggests the check-in topic that watches that need between
# sessions. Emotional identification with children, hostility toward women and deviant
# sexual preference suggest nothing: they stay in session, never in a text (DOMAIN.md).
STABLE_ITEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    # item: (domain, topics it suggests)
    "significant_social_influences": ("significant social influences", ("people",)),
    "capacity_for_relationship_stability": ("intimacy deficits", ("connected",)),
    "emotional_identification_with_children": ("intimacy deficits", ()),
    "hostility_toward_women": ("intimacy deficits", ()),
    "general_social_rejection": ("intimacy deficits", ("connected", "supports")),
    "lack_of_concern_for_others": ("intimacy deficits", ("supports",)),
    "impulsive_acts": ("general self-regulation", ("impulsive",)),
    "poor_problem_solving": ("general self-regulation", ("stuck",)),
    "negative_emotionality": ("general self-regulation", ("stress", "coping")),
    "sex_drive_preoccupation": ("sexual self-regulation", ("urges", "coping")),
    "sex_as_coping": ("sexual self-regulation", ("coping", "stress")),
    "deviant_sexual_preference": ("sexual self-regulation", ()),
    "cooperation_with_supervision": ("cooperation with supervision", ("appointments",)),
}


def topics_for_stable(items: dict[str, int], most: int = 3) -> tuple[str, ...]:
    """Check-in topics the client's STABLE-2007 item scores suggest, most pressing first.

    Items scored 2 come before items scored 1, then in the tool's order; each topic once;
    at most ``most`` (a text a day should stay short). Unknown items are ignored; with
    nothing scored, the defaults.
    """
    order = list(STABLE_ITEMS)
    scored = sorted(
        ((score, name) for name, score in items.items() if name in STABLE_ITEMS and score >= 1),
        key=lambda pair: (-pair[0], order.index(pair[1])),
    )
    found: list[str] = []
    for _score, name in scored:
        for topic in STABLE_ITEMS[name][1]:
            if topic not in found:
                found.append(topic)
    return tuple(found[:most]) or DEFAULT_TOPICS
