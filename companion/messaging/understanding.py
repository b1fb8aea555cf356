"""Understanding a client's reply: risks, keywords, answers (issue 14; docs/understanding.md).

``read`` is the one reading of an inbound text, used by the webhook's flow and
by ``flask --app companion understand``. It is pure: no database, no clock.

What it finds, in this order of importance:

1. **Signals** (``Signal``): what needs a person (DOMAIN.md, "Replies that
   need a person now"), looked for in every message, whatever else it is
   (inside a STOP, in an answer, from an opted-out client). Each signal has a
   ``Route``; ``URGENT`` ones need a person now.
2. **Keywords**: opt-out (STOP, CANCEL ... as the whole message, or a natural
   phrase such as "no quiero más mensajes" anywhere), opt-in, help.
3. **Answers** to the open question (``Expects``): a rating, yes/no, a menu
   choice, or confirm/reschedule for an appointment notice.

Whatever is not fully understood has ``needs_human``: a person must read it.
The phrases and every word list live in data, per language, in
``translations/<lang>/words.json`` (``understanding`` section), with a review
record clinicians keep (``review_status``). How a phrase is found (folding,
spellings, stemming, fuzzy, negation, idioms) is ``reading.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from companion.messaging import words
from companion.messaging.understanding_answers import read_answer, read_appointment
from companion.messaging.understanding_data import (
    Languages,
    compiled,
    read_keyword,
    read_signals,
)

__all__ = [
    "ROUTES",
    "URGENT",
    "Expects",
    "Reading",
    "Route",
    "Signal",
    "read",
    "review_status",
]


class Signal(enum.StrEnum):
    """What a reply says that needs a person (DOMAIN.md, "Replies that need a person now")."""

    SELF_HARM = "self_harm"  # active or passive, plans, means, goodbye letters
    HIGH_URGE = "high_urge"  # urge >= 8/10 in free text, fear of acting
    CHILD_SEXUAL_THOUGHTS = "child_sexual_thoughts"
    CSAM = "csam"  # viewing child sexual abuse material
    MINOR_ACCESS = "minor_access"  # children at home, babysitting, overnight, teens online
    VICTIM_CONTACT = "victim_contact"
    THREAT = "threat"  # threat to a person, staff included
    WEAPON = "weapon"
    SUBSTANCE = "substance"  # relapse on alcohol or drugs
    HOUSING_WORK = "housing_work"  # losing housing or work
    LEAVING_AREA = "leaving_area"  # leaving the area, going missing


class Route(enum.StrEnum):
    """Who hears of a signal, how fast (DOMAIN.md, "what happens")."""

    CRISIS = "crisis"  # crisis reply to the client at once + on-call clinician at once
    CLINICIAN_NOW = "clinician_now"  # clinician now (officer per conditions and release)
    CLINICIAN_AND_OFFICER = "clinician_and_officer"  # both at once (a supervision matter)
    SAME_DAY = "same_day"  # provider the same day


# The order is the order of seriousness: ``Reading.signals`` lists in it.
ROUTES: Mapping[Signal, Route] = {
    Signal.SELF_HARM: Route.CRISIS,
    Signal.HIGH_URGE: Route.CLINICIAN_NOW,  # and the client's own coping step
    Signal.CHILD_SEXUAL_THOUGHTS: Route.CLINICIAN_NOW,
    Signal.CSAM: Route.CLINICIAN_NOW,
    Signal.MINOR_ACCESS: Route.CLINICIAN_AND_OFFICER,
    Signal.VICTIM_CONTACT: Route.CLINICIAN_AND_OFFICER,
    Signal.THREAT: Route.CLINICIAN_NOW,  # duty to protect
    Signal.WEAPON: Route.CLINICIAN_AND_OFFICER,
    Signal.SUBSTANCE: Route.SAME_DAY,
    Signal.HOUSING_WORK: Route.SAME_DAY,
    Signal.LEAVING_AREA: Route.SAME_DAY,
}
URGENT: frozenset[Signal] = frozenset(s for s, r in ROUTES.items() if r != Route.SAME_DAY)

ExpectsType = Literal["rating", "yes_no", "choice", "appointment"]
_TYPES: tuple[str, ...] = ("rating", "yes_no", "choice", "appointment")


@dataclass(frozen=True)
class Expects:
    """What the open question expects; ``None`` instead of an Expects: no open question."""

    type: ExpectsType
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Expects | None:
        """The ``understand`` command's ``expects``; raises ValueError when malformed."""
        if data is None:
            return None
        if not isinstance(data, Mapping) or data.get("type") not in _TYPES:
            raise ValueError(f"expects.type must be one of {', '.join(_TYPES)}")
        low, high = data.get("min"), data.get("max")
        for bound in (low, high):
            if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
                raise ValueError("expects.min and expects.max must be whole numbers")
        choices = data.get("choices") or ()
        if not isinstance(choices, list | tuple) or not all(isinstance(c, str) for c in choices):
            raise ValueError("expects.choices must be a list of strings")
        return cls(type=data["type"], min=low, max=high, choices=tuple(choices))


@dataclass(frozen=True)
class Reading:
    """What a reply says, as far as a machine can tell."""

    keyword: Literal["opt_out", "opt_in", "help"] | None
    answer: str | None  # "7" | "yes" | "no" | "A" | None
    appointment: Literal["confirm", "reschedule"] | None
    signals: tuple[Signal, ...]  # most serious first, no repeats
    urgent: bool  # a person must be told now
    needs_human: bool  # not fully understood, or any signal
    stop_mentioned: bool  # "stop" in a longer text that is not an opt-out

    def as_json(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "answer": self.answer,
            "appointment": self.appointment,
            "signals": [s.value for s in self.signals],
            "urgent": self.urgent,
            "needs_human": self.needs_human,
        }


# Longer than an SMS conversation could be: read only this much (a pasted letter).
LONGEST_READ = 5000


def read(
    text: str,
    lang: str,
    expects: Expects | None = None,
    *,
    opted_out: bool = False,
    conditions: frozenset[str] = frozenset(),
) -> Reading:
    """Read ``text`` from a client whose language is ``lang`` (unknown: every language).

    Never raises for any string. Every language's phrases are looked for in
    every message (people mix languages); ``lang`` decides which language's
    answer words are tried first.
    """
    if not isinstance(text, str):
        text = ""
    text = text[:LONGEST_READ]
    langs = Languages.for_client(lang if isinstance(lang, str) else "")
    found = read_signals(text, conditions)
    signals = tuple(s for s in Signal if s.value in found)
    keyword, stop_mentioned = read_keyword(text, opted_out=opted_out)
    answer: str | None = None
    appointment: Literal["confirm", "reschedule"] | None = None
    if keyword is None and expects is not None:
        if expects.type == "appointment":
            appointment = read_appointment(text, langs)
        else:
            answer = read_answer(text, expects, langs)
    understood = keyword is not None or answer is not None or appointment is not None
    return Reading(
        keyword=keyword,
        answer=answer,
        appointment=appointment,
        signals=signals,
        urgent=any(s in URGENT for s in signals),
        needs_human=bool(signals) or not understood,
        stop_mentioned=stop_mentioned and keyword is None,
    )


def review_status() -> dict[str, dict[str, Any]]:
    """Per language: the clinical review record of its phrases (shown on an admin page).

    ``{"status": "drafted" | "reviewed", "reviewed_by": str | None, "reviewed_at": str | None}``.
    """
    out = {}
    for language, section in words.section("understanding").items():
        review = section.get("review", {})
        out[language] = {
            "status": review.get("status", "drafted"),
            "reviewed_by": review.get("reviewed_by"),
            "reviewed_at": review.get("reviewed_at"),
        }
    return out


def warm() -> None:
    """Compile every language's phrases now (a command or worker may call it at start)."""
    compiled()
