"""Formatting through Babel only (issue 16, item 5): every template in every language,
rendered with random dates, times and names, reads clean: no doubled punctuation, no
word said twice in a row, no placeholder left over, no English label in another
language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from companion.messaging.budgets import LINE_WORDS, params_for
from companion.messaging.catalogs import source_strings
from companion.messaging.compose import ISOLATES, format_when, render
from companion.messaging.i18n import shipped_languages
from companion.messaging.texts import KINDS, PLAN_LINES, QUESTIONS

LANGUAGES = shipped_languages()
# (kind, extra params) for every template: each kind, each check-in question, each plan line.
TEMPLATES = [
    *((kind, {}) for kind in sorted(KINDS)),
    *(("checkin_prompt", {"topic": topic}) for topic in sorted(QUESTIONS)),
    *(("checkin_prompt", {"topic": topic, "simple": True, "nudge": True}) for topic in QUESTIONS),
    *(("plan_reminder", {"line_template": line, "line_words": LINE_WORDS}) for line in PLAN_LINES),
]
NAMES = ["Ana", "Maximiliano", "José Luis", "Nguyễn", "Мария", "مریم", "민수", "小明", "Ani-Mari"]
PLACES = ["1450 W Harbor Blvd, Suite 210", "Room 3", "Clinica Sol"]
ZONES = ["America/Los_Angeles", "America/New_York", "Pacific/Honolulu"]

# Latin words a translation keeps on purpose: the keywords and letters the software reads
# (docs/translating.md), 988 and 911, and the program's own name.
KEPT_LATIN = {"stop", "help", "start", "yes", "no", "ok", "a", "b", "c", "r", "companion", "msg",
              "sms", "data"}  # fmt: skip
ENGLISH = {
    w.lower()
    for text in source_strings()
    for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"%\(\w+\)s", " ", text))
} - KEPT_LATIN
# Words that are also the language's own: Spanish "plan", Tagalog "may" (there is).
COGNATES = {
    "es": {"plan", "alcohol", "portal", "total", "no"},
    "tl": {"may", "plan", "portal", "alcohol"},
}
# Words some languages rightly say twice: Vietnamese "từ từ" (slowly) and the like.
REDUPLICATION = {"từ", "dahan"}

DOUBLED = re.compile(r"([.,;:!?،。、])\s*\1")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _instants():
    day = st.dates(min_value=datetime(2026, 1, 1).date(), max_value=datetime(2028, 12, 31).date())
    # Midnight, noon and month ends come up often: they are where formats go wrong.
    minute = st.sampled_from([0, 0, 30, 59])
    hour = st.one_of(st.sampled_from([0, 12, 23]), st.integers(0, 23))
    return st.builds(
        lambda d, h, m: datetime(d.year, d.month, d.day, h, m, tzinfo=UTC), day, hour, minute
    )


def _check(language: str, body: str, typed: list[str]) -> None:
    plain = "".join(ch for ch in body if ch not in ISOLATES)
    assert not DOUBLED.search(plain.replace("...", "")), plain
    # A phone number "(213) 555-0100" in brackets reads as "((213) 555-0100)".
    assert not re.search(r"[(（]\s*\(", plain), plain
    assert "%(" not in plain and "{" not in plain and "}" not in plain, plain
    # Leave out what the provider or client typed: names and places are theirs.
    for value in sorted(typed, key=len, reverse=True):
        plain = plain.replace(value, " ")
    words = [w.lower() for w in WORD.findall(plain)]
    for first, second in zip(words, words[1:], strict=False):
        assert first != second or first in REDUPLICATION, (first, plain)
    if language != "en":
        english = [w for w in words if w in ENGLISH - COGNATES.get(language, set())]
        assert english == [], (english, plain)


@settings(max_examples=200, deadline=None)
@given(
    language=st.sampled_from(LANGUAGES),
    template=st.sampled_from(TEMPLATES),
    instant=_instants(),
    zone=st.sampled_from(ZONES),
    name=st.sampled_from(NAMES),
    place=st.sampled_from(PLACES),
    with_phone=st.booleans(),
)
@example(language="es", template=("appt_same_day", {}), instant=datetime(2026, 9, 29, 19, 0,
         tzinfo=UTC), zone="America/Los_Angeles", name="Ana", place="Room 3",
         with_phone=True)  # fmt: skip
def test_every_template_renders_clean(language, template, instant, zone, name, place, with_phone):
    kind, extra = template
    params = params_for(kind) | extra | {"name": name}
    if "at" in params:
        params |= {"at": instant.isoformat(), "timezone": zone}
    if "location" in params:
        params["location"] = place
    if not with_phone:
        params.pop("phone", None)
    body = render(kind, language, params).body
    typed = [name, place, *LINE_WORDS.values(), "Brother Daniel"]
    _check(language, body, typed)


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_and_times_read_once_each(language):
    """The weekday is said once, the time is inside the date line, noon and midnight read."""
    for hour in (0, 7, 12, 19):
        instant = datetime(2026, 11, 30, hour, 0, tzinfo=UTC) + timedelta(hours=8)
        when, time = format_when(instant, "America/Los_Angeles", language)
        assert when.endswith(time), (when, time)
        words = WORD.findall(when)
        assert len(words) == len(set(words)) or language in ("zh_Hant",), when
        assert ".." not in when and ",," not in when, when


def test_spanish_times_end_the_sentence_with_one_full_stop():
    appointment = {"at": "2026-09-29T19:00:00+00:00", "timezone": "America/Los_Angeles"}
    body = render("appt_same_day", "es", appointment).body
    assert "p.m.." not in body and "p.m." in body, body


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_at_its_worst_renders_clean(language):
    """The same checks, deterministically, over every text of budgets.samples()."""
    from companion.messaging.budgets import APPOINTMENT, CONTACT, SAMPLE, samples

    typed = [str(SAMPLE["name"]), APPOINTMENT["location"], *LINE_WORDS.values(), CONTACT["contact"]]
    for sample in samples(language):
        _check(language, sample.rendered.body, typed)
