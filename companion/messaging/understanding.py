"""Reading a client's text once: keyword, answer, appointment reply, risk signals.

The one entry point of issue 14 (``/work/wt/UNDERSTANDING_API.md`` fixes the interface).
This is a MINIMAL version, written on the ``screening`` branch so the inbound flow and
its tests run: it is built on the existing readers (``acute.detect``,
``keywords.classify``, ``answers.parse_answer``), and the full engine (branch
``understand``) replaces it at merge with the same names, fields and meanings.

Pure: no database, no Flask.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from companion.messaging import answers, keywords, words
from companion.messaging.acute import Acute, detect
from companion.messaging.words import fold


class Signal(enum.StrEnum):
    """Risk categories (DOMAIN.md, "Replies that need a person now")."""

    SELF_HARM = "self_harm"
    HIGH_URGE = "high_urge"
    CHILD_SEXUAL_THOUGHTS = "child_sexual_thoughts"
    CSAM = "csam"
    MINOR_ACCESS = "minor_access"
    VICTIM_CONTACT = "victim_contact"
    THREAT = "threat"
    WEAPON = "weapon"
    SUBSTANCE = "substance"
    HOUSING_WORK = "housing_work"
    LEAVING_AREA = "leaving_area"


class Route(enum.StrEnum):
    CRISIS = "crisis"  # crisis reply at once + on-call clinician at once
    CLINICIAN_NOW = "clinician_now"  # clinician now (officer per conditions and release)
    CLINICIAN_AND_OFFICER = "clinician_and_officer"  # both at once (supervision matter)
    SAME_DAY = "same_day"  # provider the same day


ROUTES: Mapping[Signal, Route] = MappingProxyType(
    {
        Signal.SELF_HARM: Route.CRISIS,
        Signal.HIGH_URGE: Route.CLINICIAN_NOW,
        Signal.CHILD_SEXUAL_THOUGHTS: Route.CLINICIAN_NOW,
        Signal.CSAM: Route.CLINICIAN_NOW,
        Signal.MINOR_ACCESS: Route.CLINICIAN_AND_OFFICER,
        Signal.VICTIM_CONTACT: Route.CLINICIAN_AND_OFFICER,
        Signal.THREAT: Route.CLINICIAN_NOW,
        Signal.WEAPON: Route.CLINICIAN_AND_OFFICER,
        Signal.SUBSTANCE: Route.SAME_DAY,
        Signal.HOUSING_WORK: Route.SAME_DAY,
        Signal.LEAVING_AREA: Route.SAME_DAY,
    }
)
URGENT: frozenset[Signal] = frozenset(s for s, r in ROUTES.items() if r != Route.SAME_DAY)


@dataclass(frozen=True)
class Expects:
    """What the open question expects; None (no Expects) = no open question."""

    type: Literal["rating", "yes_no", "choice", "appointment"]
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Expects | None:
        if data is None:
            return None
        kind = data.get("type")
        if kind not in ("rating", "yes_no", "choice", "appointment"):
            raise ValueError(f"unknown expects type {kind!r}")
        low, high = data.get("min"), data.get("max")
        if kind == "rating":
            low = 0 if low is None else int(low)
            high = 10 if high is None else int(high)
        return cls(kind, low, high, tuple(str(c) for c in data.get("choices") or ()))


@dataclass(frozen=True)
class Reading:
    keyword: Literal["opt_out", "opt_in", "help"] | None
    answer: str | None
    appointment: Literal["confirm", "reschedule"] | None
    signals: tuple[Signal, ...]
    urgent: bool
    needs_human: bool
    stop_mentioned: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "answer": self.answer,
            "appointment": self.appointment,
            "signals": [str(s) for s in self.signals],
            "urgent": self.urgent,
            "needs_human": self.needs_human,
        }


# Most serious first (the order ``Reading.signals`` keeps).
_ORDER: tuple[Signal, ...] = tuple(Signal)

# The stub's split of the old categories (the engine has a phrase list per category).
_SUBSTANCE_WORDS = frozenset(
    [
        "drink",
        "drinking",
        "drank",
        "drunk",
        "drugs",
        "drug",
        "using",
        "used",
        "high",
        "relapsed",
        "relapse",
        "ua",
        "wagon",
        "beber",
        "bebi",
        "tome",
        "drogas",
    ]
)
_CHILD_WORDS = frozenset(
    [
        "kid",
        "kids",
        "child",
        "children",
        "nephew",
        "niece",
        "teen",
        "teens",
        "minor",
        "minors",
        "babysit",
        "babysitting",
        "nino",
        "nina",
        "ninos",
        "sobrino",
        "sobrina",
    ]
)
_STOP_WORDS = frozenset({"stop"})


def _signals(text: str, language: str) -> tuple[Signal, ...]:
    tokens = set(fold(text).split())
    found: set[Signal] = set()
    for acute in detect(text, language):
        if acute == Acute.SELF_HARM:
            found.add(Signal.SELF_HARM)
        elif acute == Acute.HIGH_URGE:
            found.add(Signal.HIGH_URGE)
        elif acute == Acute.THREAT:
            found.add(Signal.THREAT)
        elif acute == Acute.VICTIM_ACCESS:
            found.add(Signal.MINOR_ACCESS if tokens & _CHILD_WORDS else Signal.VICTIM_CONTACT)
        else:  # LIFE_EVENT
            found.add(Signal.SUBSTANCE if tokens & _SUBSTANCE_WORDS else Signal.HOUSING_WORK)
    return tuple(s for s in _ORDER if s in found)


def _question(expects: Expects) -> answers.Question:
    if expects.type == "rating":
        low = 0 if expects.min is None else expects.min
        high = 10 if expects.max is None else expects.max
        return answers.Question(answers.Expects.RATING, low, high)
    if expects.type == "choice":
        return answers.Question(answers.Expects.CHOICE, choices=expects.choices)
    return answers.Question(answers.Expects.YES_NO)


def read(
    text: str,
    lang: str,
    expects: Expects | None = None,
    *,
    opted_out: bool = False,
    conditions: frozenset[str] = frozenset(),
) -> Reading:
    """Everything a reply says, read once. Pure; never raises on any string."""
    if not isinstance(text, str):
        text = ""
    if not isinstance(lang, str):
        lang = ""
    found = keywords.classify(text, opted_out=opted_out)
    keyword = found.value if found is not None else None
    signals = _signals(text, lang)
    answer: str | None = None
    appointment: Literal["confirm", "reschedule"] | None = None
    if keyword is None and expects is not None:
        if expects.type == "appointment":
            word = fold(text)
            if word in keywords.words_for("confirm"):
                appointment = "confirm"
            elif word in keywords.words_for("reschedule"):
                appointment = "reschedule"
            parsed = answers.parse_answer(text, _question(expects), lang)
            if parsed.ok:
                answer = parsed.value
                if appointment is None and answer == "yes":
                    appointment = "confirm"
        else:
            parsed = answers.parse_answer(text, _question(expects), lang)
            answer = parsed.value if parsed.ok else None
    tokens = fold(text).split()
    stop_mentioned = keyword is None and len(tokens) > 1 and bool(_STOP_WORDS & set(tokens))
    understood = keyword is not None or answer is not None or appointment is not None
    return Reading(
        keyword=keyword,  # type: ignore[arg-type]
        answer=answer,
        appointment=appointment,
        signals=signals,
        urgent=any(s in URGENT for s in signals),
        needs_human=bool(signals) or not understood,
        stop_mentioned=stop_mentioned,
    )


def review_status() -> dict[str, dict[str, Any]]:
    """Each language's phrase review: {"status", "reviewed_by", "reviewed_at"} (from the
    ``review`` entry of its words.json when there is one, else a draft nobody reviewed),
    with ``phrases``: how many phrases it has per risk category."""
    status: dict[str, dict[str, Any]] = {}
    acute = words.section("acute")
    reviews = words.section("review")
    for language in words.languages():
        review = reviews.get(language) or {}
        phrases = {
            key: len(listed)
            for key, listed in (acute.get(language) or {}).items()
            if not key.startswith("_") and key != "spellings" and isinstance(listed, list)
        }
        status[language] = {
            "status": review.get("status", "drafted"),
            "reviewed_by": review.get("reviewed_by"),
            "reviewed_at": review.get("reviewed_at"),
            "phrases": phrases,
        }
    return status
