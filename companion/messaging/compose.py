"""Render a text in a language, and measure what it costs to send."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time

from companion.care.discretion import WordList, word_lists
from companion.care.phones import display_phone
from companion.messaging import words
from companion.messaging.i18n import supported, translations_for
from companion.messaging.segments import segment_info
from companion.messaging.texts import (
    GOAL_FALLBACK,
    KINDS,
    NUDGE,
    PLAN_LINES,
    QUESTIONS,
    SIMPLE_QUESTIONS,
    SIMPLE_TEMPLATES,
    TEAM,
    WHERE,
)

# Babel and CLDR put narrow/no-break spaces in times ("10:00 a. m."); one such
# character would turn a whole text into UCS-2 and double its cost.
_SPACE_LIKE = {0x202F: " ", 0x00A0: " ", 0x2009: " ", 0x2007: " "}


# Unicode direction isolates (UAX #9): in a right-to-left text a phone number, a time or a
# Latin name otherwise takes its neighbours' direction and its parts jump around on screen.
LRI = "\u2066"  # left-to-right isolate: phone numbers, codes, links
FSI = "\u2068"  # first-strong isolate: names, places, dates (their own letters decide)
PDI = "\u2069"  # pop directional isolate: closes either
ISOLATES = (LRI, FSI, PDI)
# Placeholders always written left to right, whatever the text's language.
_LEFT_TO_RIGHT = frozenset({"phone", "contact_phone", "code", "link", "low", "high"})
# Placeholders filled with a whole translated sentence (isolated inside, not around).
_SENTENCES = frozenset({"question", "line", "where"})
# A run of Latin letters or ASCII digits in a translated template ("STOP", "988", "C"),
# never a placeholder, which is isolated with its value.
_LATIN_RUN = re.compile(r"%\(\w+\)[sd]|([A-Za-z0-9](?:[A-Za-z0-9&'.\-]*[A-Za-z0-9])?)")
# "a las 10:00 p.m.." when a value ends in the punctuation the sentence adds: keep one
# (an isolate's closing mark may sit between the two).
_DOUBLED = re.compile(r"([.!?。])([\u2066\u2068\u2069]*)\1(?!\1)")


@cache
def is_right_to_left(language: str) -> bool:
    """True for languages written right to left (Farsi, Arabic), by Babel's locale data."""
    try:
        return Locale.parse(language).character_order == "right-to-left"
    except (ValueError, LookupError, UnknownLocaleError):
        return False


def isolate(value: object, *, left_to_right: bool = False) -> str:
    """``value`` between direction isolates (an empty value stays empty)."""
    text = str(value)
    if not text:
        return text
    return f"{LRI if left_to_right else FSI}{text}{PDI}"


def isolate_latin(template: str) -> str:
    """Every Latin or digit run of a translated right-to-left template, isolated."""
    return _LATIN_RUN.sub(
        lambda m: isolate(m.group(1), left_to_right=True) if m.group(1) else m.group(0),
        template,
    )


def _fill(template: str, values: Mapping[str, Any], rtl: bool) -> str:
    """``template % values``, with each value isolated in a right-to-left language."""
    if not rtl:
        return template % values
    isolated = {
        key: value
        if key in _SENTENCES or not isinstance(value, str | int) or isinstance(value, bool)
        else isolate(value, left_to_right=key in _LEFT_TO_RIGHT)
        for key, value in values.items()
    }
    return isolate_latin(template) % isolated


def tidy(text: str) -> str:
    """No doubled full stop (or ! ?) where a value's own ends the sentence."""
    return _DOUBLED.sub(r"\2\1", text)


@dataclass(frozen=True)
class Rendered:
    body: str
    language: str
    encoding: str
    segments: int


def normalise(text: str) -> str:
    """Replace look-alike spaces with plain ones and trim."""
    return text.translate(_SPACE_LIKE).strip()


def render(kind: str, language: str, params: Mapping[str, Any]) -> Rendered:
    """Render text ``kind`` in ``language`` (English when no catalog ships for it).

    ``params`` may leave out ``team`` (the translated "your care team" is used)
    and ``phone`` (the kind's no-phone variant is used). A true ``nudge`` puts
    the kind words for a missed check-in before the text; a true ``simple``
    picks the "simple words" variant where the kind or question has one.
    """
    spec = KINDS[kind]
    language = supported(language)
    t = translations_for(language)
    rtl = is_right_to_left(language)
    values = dict(params)
    if not values.get("team"):
        values["team"] = t.gettext(TEAM)
    _fill_derived(values, language, t.gettext, rtl)
    template = spec.template
    if not values.get("phone") and spec.no_phone_template:
        template = spec.no_phone_template
    if values.get("simple") and kind in SIMPLE_TEMPLATES:
        template = SIMPLE_TEMPLATES[kind]
    body = _fill(t.gettext(template), values, rtl)
    if values.get("nudge"):
        nudge = t.gettext(NUDGE)
        body = f"{isolate_latin(nudge) if rtl else nudge} {body}"
    body = tidy(normalise(body))
    info = segment_info(body)
    return Rendered(body=body, language=language, encoding=info.encoding, segments=info.segments)


def format_when(instant: datetime, zone: str, language: str) -> tuple[str, str]:
    """("Tuesday, November 24, 10:00 AM", "10:00 AM") in the language's own forms.

    The language's ``words.json`` may name the Babel locale to format with
    (``es_US``: clients here read 12-hour times, "10:00 a. m."), patterns
    for the day (``date``) and the clock (``time``), and what goes between
    them (``between``, ", " by default), where CLDR's defaults are not what
    people customarily write in a text.
    """
    local = instant.astimezone(ZoneInfo(zone))
    wanted = words.formats(language)
    locale = wanted.get("locale", language)
    if "date" in wanted:
        day = format_date(local, wanted["date"], locale=locale)
    else:
        # Weekday and date separately: the "MMMMEEEEd" skeleton abbreviates the weekday in Spanish.
        weekday = format_date(local, "EEEE", locale=locale)
        day = f"{weekday}, {format_skeleton('MMMMd', local, locale=locale)}"
    clock = format_time(local, wanted.get("time", "short"), locale=locale)
    # Chinese writes the day and the time without a comma; Arabic script has its own comma.
    between = wanted.get("between", "\u060c " if is_right_to_left(language) else ", ")
    return normalise(f"{day}{between}{clock}"), normalise(clock)


def _fill_derived(
    values: dict[str, Any], language: str, translate: Callable[[str], str], rtl: bool = False
) -> None:
    """Placeholders built from other params, in the text's language.

    - ``topic`` -> ``question`` (the check-in question; ``goal`` fills the goal question);
    - ``line_template`` + its words -> ``line`` (a plan line);
    - ``at`` (ISO instant) + ``timezone`` -> ``when`` and ``time``;
    - ``location`` -> ``where`` (empty when none was typed).
    """
    if "topic" in values and "question" not in values:
        questions = SIMPLE_QUESTIONS if values.get("simple") else QUESTIONS
        question = translate(questions.get(values["topic"], QUESTIONS[values["topic"]]))
        if "%(goal)s" in question:
            # An approach goal in the client's own words, as the provider typed it.
            goal = values.get("goal") or translate(GOAL_FALLBACK)
            question = question % {"goal": goal}
        values["question"] = isolate_latin(question) if rtl else question
    if "line_template" in values and "line" not in values:
        words = values.get("line_words") or {}
        if "contact_phone" in words:
            words = {**words, "contact_phone": display_phone(words["contact_phone"])}
        values["line"] = _fill(translate(PLAN_LINES[values["line_template"]]), words, rtl)
    if values.get("contact_phone"):
        values["contact_phone"] = display_phone(values["contact_phone"])
    if "at" in values and "when" not in values:
        instant = datetime.fromisoformat(values["at"])
        values["when"], values["time"] = format_when(
            instant, values.get("timezone", "UTC"), language
        )
    if "location" in values or "where" not in values:
        location = (values.get("location") or "").strip()
        values["where"] = _fill(translate(WHERE), {"location": location}, rtl) if location else ""


@cache
def discretion_lists() -> dict[str, WordList]:
    """Every shipped language's never-use words (words.json ``discretion``), for the
    discretion checks of what a provider types (care/plan.py ``indiscreet_word``)."""
    sections = words.section("discretion")
    return word_lists(sections, {lang: str(words.matching(lang)) for lang in sections})
