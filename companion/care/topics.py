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


TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        Topic("connected", W_("loneliness / intimacy deficits"), "rating", 0, 10),
        Topic("stress", W_("negative mood"), "rating", 0, 10),
        Topic("urges", W_("sexual self-regulation (urges)"), "rating", 0, 10),
        Topic("coping", W_("coping used"), "choice", choices=("A", "B", "C")),
        Topic("people", W_("social influences"), "yes_no"),
        Topic("stuck", W_("problem solving"), "choice", choices=("1", "2")),
        Topic("impulsive", W_("impulsivity"), "rating", 0, 10),
        Topic("supports", W_("use of supports"), "yes_no"),
        Topic("substances", W_("substance use"), "yes_no"),
        Topic("appointments", W_("cooperation with supervision"), "yes_no"),
        Topic("plan_conditions", W_("plan conditions (high-risk situations)"), "yes_no"),
    )
}

DEFAULT_TOPICS = ("stress", "connected")
DEFAULT_TIMES = ("10:00",)
EVENING_TIME = "19:00"
