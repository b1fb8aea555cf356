"""Render a text in a language, and measure what it costs to send."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time

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
    values = dict(params)
    if not values.get("team"):
        values["team"] = t.gettext(TEAM)
    _fill_derived(values, language, t.gettext)
    template = spec.template
    if not values.get("phone") and spec.no_phone_template:
        template = spec.no_phone_template
    if values.get("simple") and kind in SIMPLE_TEMPLATES:
        template = SIMPLE_TEMPLATES[kind]
    body = t.gettext(template) % values
    if values.get("nudge"):
        body = f"{t.gettext(NUDGE)} {body}"
    body = normalise(body)
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
    between = wanted.get("between", ", ")  # Chinese writes the day and the time without a comma
    return normalise(f"{day}{between}{clock}"), normalise(clock)


def _fill_derived(values: dict[str, Any], language: str, translate: Callable[[str], str]) -> None:
    """Placeholders built from other params, in the text's language.

    - ``topic`` -> ``question`` (the check-in question; ``goal`` fills the goal question);
    - ``line_template`` + its words -> ``line`` (a plan line);
    - ``at`` (ISO instant) + ``timezone`` -> ``when`` and ``time``;
    - ``location`` -> ``where`` (empty when none was typed).
    """
    if "topic" in values and "question" not in values:
        questions = SIMPLE_QUESTIONS if values.get("simple") else QUESTIONS
        values["question"] = translate(questions.get(values["topic"], QUESTIONS[values["topic"]]))
        if "%(goal)s" in values["question"]:
            # An approach goal in the client's own words, as the provider typed it.
            goal = values.get("goal") or translate(GOAL_FALLBACK)
            values["question"] = values["question"] % {"goal": goal}
    if "line_template" in values and "line" not in values:
        words = values.get("line_words") or {}
        if "contact_phone" in words:
            words = {**words, "contact_phone": display_phone(words["contact_phone"])}
        values["line"] = translate(PLAN_LINES[values["line_template"]]) % words
    if values.get("contact_phone"):
        values["contact_phone"] = display_phone(values["contact_phone"])
    if "at" in values and "when" not in values:
        instant = datetime.fromisoformat(values["at"])
        values["when"], values["time"] = format_when(
            instant, values.get("timezone", "UTC"), language
        )
    if "location" in values or "where" not in values:
        location = (values.get("location") or "").strip()
        values["where"] = translate(WHERE) % {"location": location} if location else ""
