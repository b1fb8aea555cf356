"""Every shipped language, end to end: a day of texts, and the words it reads back.

For each language: the texts of an ordinary day (plan reminder, check-in, its
reminder, the clarifying reply, every crisis reply, appointment notices, the
opt-out confirmation) render in that language with no English left over, with
the day and time in the client's timezone and the language's own forms, and
within budget. Then the language's own example replies (``examples`` in
``translations/<lang>/words.json``, written as clients text them) are read the
way the language's speakers mean them: acute messages alert, ordinary ones do
not, yes/no/ratings read, keywords opt out or ask for help.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from companion.messaging import words
from companion.messaging.acute import Acute, detect
from companion.messaging.answers import Expects, Parsed, Question, parse_answer
from companion.messaging.compose import format_when, render
from companion.messaging.i18n import shipped_languages
from companion.messaging.keywords import Keyword, classify
from companion.messaging.texts import KINDS

LANGUAGES = shipped_languages()
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]
EXAMPLES = words.section("examples")

# 18:30 UTC on a Wednesday is 11:30 in Los Angeles.
AT = "2026-09-30T18:30:00+00:00"
ZONE = "America/Los_Angeles"
PEOPLE = {"name": "Maximiliano", "phone": "(213) 555-0100", "program": "Companion"}
APPOINTMENT = {"at": AT, "timezone": ZONE, "location": "Suite 210"}
CONTACT_LINE = {
    "line_template": "support",
    "line_words": {"contact": "Daniel", "contact_phone": "+12135550142"},
}

URGE_CONTACT = "crisis_urge_contact"
# One ordinary day, in the order the client would get it.
DAY: list[tuple[str, dict]] = [
    ("plan_reminder", CONTACT_LINE),
    ("checkin_prompt", {"topic": "urges"}),
    ("checkin_reminder", {"topic": "urges"}),
    ("clarify_rating", {"low": 0, "high": 10}),
    ("clarify_yes_no", {}),
    *[(kind, {}) for kind in sorted(KINDS) if kind.startswith("crisis_") and kind != URGE_CONTACT],
    (URGE_CONTACT, {"contact": "Daniel", "contact_phone": "+12135550142"}),
    ("appt_day_before", APPOINTMENT),
    ("appt_same_day", APPOINTMENT),
    ("opt_out_confirm", {}),
]

# Words that may stay as they are in any language: names, numbers, the product.
KEPT = {"companion", "maximiliano", "daniel", "suite", "ok", "plan", "text", "texts"}


def _english_words() -> set[str]:
    """Every word of four letters or more in the English day."""
    found: set[str] = set()
    for kind, params in DAY:
        body = render(kind, "en", PEOPLE | params).body
        found |= {w for w in re.findall(r"[a-z]+", body.lower()) if len(w) >= 4}
    return found - KEPT


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_day_of_texts_has_no_english_left(language):
    english = _english_words()
    for kind, params in DAY:
        body = render(kind, language, PEOPLE | params).body
        left = {w for w in re.findall(r"[a-z]+", body.lower()) if w in english}
        assert not left, f"{language} {kind}: English {sorted(left)} in {body!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_day_of_texts_fits_its_budget_and_is_discreet(language):
    forbidden = {*words.section("discretion")["en"], *words.section("discretion").get(language, [])}
    for kind, params in DAY:
        rendered = render(kind, language, PEOPLE | params)
        assert rendered.language == language
        assert rendered.segments <= KINDS[kind].budget, (kind, rendered.segments, rendered.body)
        assert not [w for w in forbidden if w in rendered.body.lower()], (kind, rendered.body)
        assert "%(" not in rendered.body, (kind, rendered.body)


@pytest.mark.parametrize("language", LANGUAGES)
def test_appointment_notices_give_the_local_day_and_time_in_the_language(language):
    local = datetime.fromisoformat(AT).astimezone(ZoneInfo(ZONE))
    locale = words.formats(language).get("locale", language)
    weekday = format_date(local, "EEEE", locale=locale)
    when, clock = format_when(datetime.fromisoformat(AT), ZONE, language)
    assert weekday.lower() in when.lower()
    assert "11:30" in clock  # Los Angeles time, not the UTC 18:30
    assert "18:30" not in when and "6:30" not in when
    day_before = render("appt_day_before", language, PEOPLE | APPOINTMENT).body
    same_day = render("appt_same_day", language, PEOPLE | APPOINTMENT).body
    assert when in day_before and "Suite 210" in day_before
    assert clock in same_day
    if language != "en":
        assert "Wednesday" not in day_before


# -- the language's own examples, read back -------------------------------------------

LANGUAGES_WITH_EXAMPLES = sorted(EXAMPLES)
RATING = Question(Expects.RATING, 0, 10)
YES_NO = Question(Expects.YES_NO)


def test_every_shipped_language_has_examples():
    assert set(LANGUAGES) <= set(EXAMPLES)


def _cases(section: str, key: str) -> list[tuple[str, str]]:
    return [
        (language, text)
        for language in LANGUAGES_WITH_EXAMPLES
        for text in EXAMPLES[language].get(section, {}).get(key, [])
    ]


@pytest.mark.parametrize("category", [c.value for c in Acute])
@pytest.mark.parametrize("language", LANGUAGES_WITH_EXAMPLES)
def test_acute_examples_alert(language, category):
    examples = EXAMPLES[language]["acute"][category]
    assert len(examples) >= 3
    for text in examples:
        assert Acute(category) in detect(text, language), text


@pytest.mark.parametrize("language", LANGUAGES_WITH_EXAMPLES)
def test_ordinary_examples_alert_no_one(language):
    examples = EXAMPLES[language]["acute"]["ordinary"]
    assert len(examples) >= 6
    for text in examples:
        assert detect(text, language) == [], text


@pytest.mark.parametrize("language", LANGUAGES_WITH_EXAMPLES)
def test_answer_examples_read_as_meant(language):
    answers = EXAMPLES[language]["answers"]
    for value in ("yes", "no"):
        assert len(answers[value]) >= 3
        for text in answers[value]:
            assert parse_answer(text, YES_NO, language) == Parsed(value), text
    for text in answers["unsure"]:
        assert parse_answer(text, YES_NO, language).value is None, text
    assert len(answers["ratings"]) >= 4
    for text, value in answers["ratings"].items():
        assert parse_answer(text, RATING, language) == Parsed(str(value)), text


@pytest.mark.parametrize("language", LANGUAGES_WITH_EXAMPLES)
def test_keyword_examples_do_what_they_say(language):
    keywords = EXAMPLES[language]["keywords"]
    for key, expected in (
        ("opt_out", Keyword.OPT_OUT),
        ("opt_in", Keyword.OPT_IN),
        ("help", Keyword.HELP),
    ):
        for text in keywords[key]:
            assert classify(text) == expected, text
    for text in keywords["not_keywords"]:
        assert classify(text) is None, text
