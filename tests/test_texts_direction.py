"""Right-to-left texts (issue 16, item 3): in Farsi and Arabic every placeholder value
and every run of Latin letters or digits sits inside direction isolates, so phone
numbers, times and names do not jump around on a right-to-left screen."""

from __future__ import annotations

import re

import pytest

from companion.messaging.budgets import APPOINTMENT, CONTACT, LINE_WORDS, SAMPLE, samples
from companion.messaging.compose import FSI, LRI, PDI, is_right_to_left, render
from companion.messaging.i18n import shipped_languages

RTL = [lang for lang in shipped_languages() if is_right_to_left(lang)]
LATIN = re.compile(r"[A-Za-z0-9]")


def _bare(text: str) -> list[int]:
    """Positions of Latin letters and ASCII digits outside any isolate; checks nesting too."""
    depth, bare = 0, []
    for at, ch in enumerate(text):
        if ch in (LRI, FSI):
            depth += 1
        elif ch == PDI:
            assert depth > 0, f"unopened isolate at {at}: {text!r}"
            depth -= 1
        elif depth == 0 and LATIN.match(ch):
            bare.append(at)
    assert depth == 0, f"isolate left open: {text!r}"
    return bare


def test_farsi_and_arabic_are_the_right_to_left_languages():
    assert set(RTL) == {"fa", "ar"}
    assert not is_right_to_left("en") and not is_right_to_left("he_XX_bogus")


@pytest.mark.parametrize("language", RTL)
def test_every_latin_run_and_number_is_isolated(language):
    for sample in samples(language):
        body = sample.rendered.body
        assert _bare(body) == [], (sample.label, body)


@pytest.mark.parametrize("language", RTL)
def test_every_typed_value_in_every_text_is_isolated(language):
    """Whatever a person typed (a name, a place, a plan line's words, a phone number) sits
    right inside an isolate, in every kind, question and plan line."""
    typed = [v for k, v in LINE_WORDS.items() if k != "contact_phone"]
    values = [SAMPLE["name"], SAMPLE["phone"], CONTACT["contact"], "(213) 555-0142"]
    values += [APPOINTMENT["location"], *typed]
    for sample in samples(language):
        body = sample.rendered.body
        isolated = set(re.findall(f"[{LRI}{FSI}]([^{LRI}{FSI}{PDI}]*){PDI}", body))
        for value in values:
            if value in body:  # as a whole isolated value, or inside a longer typed one
                inside = [c for c in isolated if value in c and c in values]
                assert value in isolated or inside, (sample.label, value, body)


@pytest.mark.parametrize("language", RTL)
def test_every_placeholder_value_is_isolated(language):
    params = {"name": "Maximiliano", "phone": "(213) 555-0100", **CONTACT}
    body = render("crisis_urge_contact", language, params).body
    assert f"{FSI}Maximiliano{PDI}" in body
    assert f"{LRI}(213) 555-0100{PDI}" in body  # a phone number always runs left to right
    assert f"{LRI}(213) 555-0142{PDI}" in body
    assert f"{FSI}Brother Daniel{PDI}" in body
    # A name in the language's own script is isolated too (first-strong: it reads right to left).
    body = render("checkin_thanks", language, {"name": "مریم"}).body
    assert f"{FSI}مریم{PDI}" in body
    appointment = {"at": "2026-09-30T18:30:00+00:00", "timezone": "America/Los_Angeles",
                   "location": "1450 W Harbor Blvd"}  # fmt: skip
    body = render("appt_day_before", language, appointment).body
    assert f"{FSI}1450 W Harbor Blvd{PDI}" in body
    assert re.search(f"{FSI}[^{PDI}]*11:30[^{PDI}]*{PDI}", body), body


def test_left_to_right_languages_carry_no_marks():
    for language in shipped_languages():
        if language in RTL:
            continue
        for sample in samples(language):
            assert not set(sample.rendered.body) & {LRI, FSI, PDI}, (language, sample.label)
