"""How to answer a check-in answer: reinforce a good day, help on a hard one, vary the words.

DOMAIN.md, "Strengths, not only risks": acknowledge what the client says. A good answer
is reinforced; a hard one gets the client's own coping step or support contact from their
plan; the wording varies, never the same words twice in a row. Which answers are good
depends on the topic (``Topic.good``: high stress is bad, high connection is good).
Plain functions of values; the kinds' words are in messaging/texts.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from companion.care.topics import TOPICS

# The top and bottom thirds of a rating's scale count as a clear answer; the middle
# is neither good nor hard and gets the plain thanks.
CLEAR_SHARE = 0.3


class Tone(StrEnum):
    GOOD = "good"
    HARD = "hard"
    NEUTRAL = "neutral"


def tone(topic: str, value: str | None) -> Tone:
    """Whether ``value`` (a check-in's ``answer_value``) is good news for ``topic``."""
    spec = TOPICS.get(topic)
    if spec is None or spec.good is None or value is None:
        return Tone.NEUTRAL
    if spec.good == "any":
        return Tone.GOOD
    if spec.expects == "yes_no":
        if value not in ("yes", "no"):
            return Tone.NEUTRAL
        return Tone.GOOD if value == spec.good else Tone.HARD
    if spec.expects == "rating":
        try:
            number = int(value)
        except ValueError:
            return Tone.NEUTRAL
        span = spec.high - spec.low
        high = number >= spec.high - CLEAR_SHARE * span
        low = number <= spec.low + CLEAR_SHARE * span
        if not (high or low):
            return Tone.NEUTRAL
        return Tone.GOOD if high == (spec.good == "high") else Tone.HARD
    return Tone.NEUTRAL


def pick_variant(variants: Sequence[str], recent: Iterable[str]) -> str:
    """The variant of ``variants`` sent longest ago (or never), so never the last one sent.

    ``recent`` is the acknowledgement kinds sent to the client, newest first. With one
    variant only, that one.
    """
    order = {kind: age for age, kind in reversed(list(enumerate(recent)))}
    never = [kind for kind in variants if kind not in order]
    if never:
        return never[0]
    return max(variants, key=lambda kind: order[kind])
