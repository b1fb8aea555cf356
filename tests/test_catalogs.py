"""Catalog health: complete, not fuzzy, placeholders intact; texts discreet and translated.

Segment budgets are checked in tests/test_texts_budgets.py, discretion in every language in
tests/test_texts_discretion.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from companion.messaging import words
from companion.messaging.catalogs import problems
from companion.messaging.compose import render
from companion.messaging.i18n import TRANSLATIONS_DIR, review_of, shipped_languages
from companion.messaging.texts import (
    ACKNOWLEDGEMENT_KINDS,
    KINDS,
    PLAN_LINES,
    QUESTIONS,
    SIMPLE_QUESTIONS,
    SIMPLE_TEMPLATES,
)

WORST_CASE = {"name": "Maximiliano-Alejandr", "phone": "(213) 555-0100", "program": "Companion"}
# A Wednesday in September: the longest weekday and month names in the shipped languages.
APPOINTMENT = {
    "at": "2026-09-30T18:30:00+00:00",
    "timezone": "America/Los_Angeles",
    "location": "Suite 210, 1450 West Harbor Boulevard",
}
# The words a provider might put in a plan line, at a realistic length.
LINE_WORDS = {
    "sign": "I stop answering my phone",
    "step": "call my sponsor and take a walk",
    "thought": "one bad day does not make me a bad person",
    "trigger": "I feel alone in the evening",
    "steps": "go to the library or call my brother",
    "contact": "Brother Daniel",
    "contact_phone": "+12135550142",
    "goal": "finish the forklift certificate",
    "situation": "parks and school events",
    "condition": "home by 9 PM on weeknights",
}
PARAMS_FOR = {
    "checkin_prompt": {"topic": "people"},
    "checkin_reminder": {"topic": "people"},
    "clarify_rating": {"low": 0, "high": 10},
    "clarify_choice": {"choices": "A, B, C"},
    "plan_reminder": {"line_template": "goal", "line_words": LINE_WORDS},
    "crisis_urge_contact": {"contact": "Brother Daniel", "contact_phone": "+12135550142"},
    "staff_alert": {"code": "4821", "link": "https://companion.example.org/e/123456"},
    "staff_alert_urgent": {"code": "4821", "link": "https://companion.example.org/e/123456"},
    # The longest release an officer's alert names (care/release.py Basis.sms_label).
    "staff_alert_release": {"code": "4821", "link": "https://companion.example.org/e/123456",
                            "release": "supervision, signed 2026-12-07"},
    "staff_alert_urgent_release": {"code": "4821", "link": "https://companion.example.org/e/123456",
                                   "release": "supervision, signed 2026-12-07"},
    "staff_ack": {"code": "4821"},
    "staff_channel_change": {"link": "https://companion.example.org/clients/123456"},
    **{kind: APPOINTMENT for kind in KINDS if kind.startswith("appt_")},
    # The call-back's due time: the longest weekday and month names (no place).
    "call_back": {"at": APPOINTMENT["at"], "timezone": APPOINTMENT["timezone"]},
    # Acknowledgements carrying the client's own step or support contact from the plan.
    **{kind: {"step": LINE_WORDS["steps"]} for kind in ACKNOWLEDGEMENT_KINDS if "step" in kind},
    **{
        kind: {"contact": "Brother Daniel", "contact_phone": "+12135550142"}
        for kind in ACKNOWLEDGEMENT_KINDS
        if "contact" in kind
    },
}
# Per language: its own discretion words and English ones (translations/<lang>/words.json).
DISCRETION = words.section("discretion")


def forbidden_in(language: str) -> list[str]:
    """The words no text in ``language`` may contain."""
    return sorted({*DISCRETION["en"], *DISCRETION.get(language, [])})


def test_shipped_catalogs_are_healthy():
    assert problems() == []


def test_every_shipped_language_has_discretion_words():
    for language in shipped_languages():
        assert len(DISCRETION.get(language, [])) >= 8, language


def test_spanish_and_vietnamese_ship():
    assert {"en", "es", "vi"} <= set(shipped_languages())


@pytest.fixture
def catalogs(tmp_path: Path) -> Path:
    target = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_dropped_placeholder_fails_with_file_and_line(catalogs):
    po = catalogs / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    # Break the first translated %(team)s.
    marker = text.index('msgstr "', text.index("%(team)s"))
    broken = text[:marker] + text[marker:].replace("%(team)s", "%(equipo)s", 1)
    po.write_text(broken, encoding="utf-8")
    found = problems(catalogs)
    assert any("messages.po:" in p and "placeholders" in p for p in found)


def test_a_fuzzy_entry_fails(catalogs):
    po = catalogs / "vi" / "LC_MESSAGES" / "messages.po"
    _edit(po, "#, python-format\n", "#, fuzzy, python-format\n")
    assert any("fuzzy" in p for p in problems(catalogs))


def test_a_missing_translation_fails(catalogs):
    po = catalogs / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('msgid "your care team"')
    line_end = text.index("\n", text.index("msgstr", start))
    po.write_text(
        text[: text.index("msgstr", start)] + 'msgstr ""' + text[line_end:], encoding="utf-8"
    )
    assert any("not translated" in p for p in problems(catalogs))


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_text_is_discreet_and_translated(language, kind):
    params = WORST_CASE | PARAMS_FOR.get(kind, {})
    _assert_fits(kind, language, params)


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("kind", sorted(k for k in KINDS if KINDS[k].no_phone_template))
def test_every_no_phone_variant_is_discreet_and_within_budget(language, kind):
    params = {k: v for k, v in (WORST_CASE | PARAMS_FOR.get(kind, {})).items() if k != "phone"}
    _assert_fits(kind, language, params)


# A US toll-free number in any written form: 1-888-773-8368, (888) 773 8368, 888.PREVENT...
TOLL_FREE = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?1[\s.\-]*)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.\-]*"
    r"[0-9A-Za-z]{3}[\s.\-]*[0-9A-Za-z]{4}(?![0-9A-Za-z])"
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text).removeprefix("1")


def _every_rendering(language: str, params: dict):
    """Every text kind, question and plan line in ``language``, with and without a phone."""
    for with_phone in (True, False):
        values = params if with_phone else {k: v for k, v in params.items() if k != "phone"}
        for kind in sorted(KINDS):
            for simple in (False, True):
                yield kind, render(kind, language, values | PARAMS_FOR.get(kind, {}) | {
                    "simple": simple})  # fmt: skip
        for topic in sorted(QUESTIONS):
            for simple in (False, True):
                yield topic, render("checkin_prompt", language, values | {
                    "topic": topic, "simple": simple, "nudge": True})  # fmt: skip
        for line in sorted(PLAN_LINES):
            yield line, render("plan_reminder", language, values | {
                "line_template": line, "line_words": LINE_WORDS})  # fmt: skip


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("provider_phone", ["(213) 555-0100", "1-800-555-0199"])
def test_no_text_gives_a_help_line_that_names_the_program(language, provider_phone):
    """Stop It Now's 1-888-773-8368 spells 1-888-PREVENT: anyone who looks up a number on a
    lock screen learns what the program is. No text, in any language, gives it or any toll-free
    number but one a provider typed (DOMAIN.md, "Replies that need a person now")."""
    typed = {_digits(provider_phone), _digits(LINE_WORDS["contact_phone"])}
    for what, rendered in _every_rendering(language, WORST_CASE | {"phone": provider_phone}):
        body = rendered.body
        assert "773-8368" not in body and "7738368" not in body, (what, body)
        assert "prevent" not in body.lower(), (what, body)
        for number in TOLL_FREE.findall(body):
            assert _digits(number) in typed, (what, number, body)


def test_the_toll_free_pattern_finds_the_forms_people_write():
    for written in ("1-888-773-8368", "(888) 773-8368", "888.773.8368", "+1 888 PREVENT",
                    "1-800-555-0199", "18446543210"):  # fmt: skip
        assert TOLL_FREE.search(f"call {written} now"), written
    for written in ("(213) 555-0100", "988", "911", "2135550142"):
        assert not TOLL_FREE.search(f"call {written} now"), written


@pytest.mark.parametrize("language", shipped_languages())
def test_the_urge_replies_give_the_care_team_number_and_988(language):
    contact = {"contact": "Brother Daniel", "contact_phone": "+12135550142"}
    for kind, extra in (("crisis_urge", {}), ("crisis_urge_contact", contact)):
        body = render(kind, language, WORST_CASE | extra).body
        assert WORST_CASE["phone"] in body and "988" in body, (kind, body)
        if extra:
            assert "Brother Daniel" in body and "(213) 555-0142" in body, body
        # Without a number to give, the variant still gives 988 and leaves no gap.
        bare = render(kind, language, {"name": "Ana", **extra}).body
        assert "988" in bare and "%(" not in bare and "555-0100" not in bare, (kind, bare)


def test_the_urge_reply_in_english_names_the_care_team_number_and_988():
    body = render("crisis_urge", "en", {"name": "Ana", "phone": "(213) 555-0100"}).body
    assert "To reach them call (213) 555-0100." in body
    assert "If you might hurt yourself, call or text 988." in body
    assert "Use the steps in your plan" in body
    assert "Your team will be told." in body and "Texts are not watched around the clock." in body
    contact = render("crisis_urge_contact", "en", {
        "name": "Ana", "phone": "(213) 555-0100", "contact": "Luis",
        "contact_phone": "+12135550177"}).body  # fmt: skip
    assert "call Luis at (213) 555-0177" in contact
    assert "(213) 555-0100" in contact and "call or text 988" in contact
    bare = render("crisis_urge", "en", {"name": "Ana"}).body
    assert "To reach them" not in bare and "call or text 988" in bare


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("topic", sorted(QUESTIONS))
def test_every_check_in_question_fits(language, topic):
    for kind in ("checkin_prompt", "checkin_reminder"):
        _assert_fits(kind, language, WORST_CASE | {"topic": topic})
    # After a missed one, the question comes with a kind word first: still within budget.
    _assert_fits("checkin_prompt", language, WORST_CASE | {"topic": topic, "nudge": True})


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("topic", sorted(SIMPLE_QUESTIONS))
def test_every_simple_words_question_fits_and_differs(language, topic):
    for kind in ("checkin_prompt", "checkin_reminder"):
        _assert_fits(kind, language, WORST_CASE | {"topic": topic, "simple": True})
    simple = render("checkin_prompt", "en", {"name": "Ana", "topic": topic, "simple": True})
    usual = render("checkin_prompt", "en", {"name": "Ana", "topic": topic})
    assert simple.body != usual.body


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("kind", sorted(SIMPLE_TEMPLATES))
def test_every_simple_words_clarification_fits(language, kind):
    _assert_fits(kind, language, WORST_CASE | PARAMS_FOR.get(kind, {}) | {"simple": True})


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("line", sorted(PLAN_LINES))
def test_every_plan_line_fits(language, line):
    params = WORST_CASE | {"line_template": line, "line_words": LINE_WORDS}
    _assert_fits("plan_reminder", language, params)


def test_appointment_notices_name_the_local_day_and_time():
    body = render("appt_day_before", "es", WORST_CASE | APPOINTMENT).body
    assert "miércoles" in body and "30 de septiembre" in body
    body = render("appt_same_day", "en", WORST_CASE | APPOINTMENT).body
    assert "11:30\u202fAM" in body or "11:30 AM" in body
    assert "Suite 210" in body


def _assert_fits(kind: str, language: str, params: dict) -> None:
    rendered = render(kind, language, params)
    lowered = rendered.body.lower()
    for word in forbidden_in(language):
        assert word not in lowered, (kind, language, word)
    assert "%(" not in rendered.body
    # Segment budgets: tests/test_texts_budgets.py (companion/messaging/budgets.py).
    if language != "en":
        english = render(kind, "en", params).body
        assert rendered.body != english, f"{kind} is still English in {language}"


def test_the_readme_language_table_matches_the_review_record():
    """Each shipped language is in the README with the status review.json gives it."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Languages", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[0].strip("` "): cells[2].strip()
        for line in section.splitlines()
        if line.startswith("| `")
        for cells in [line.strip("|").split("|")]
    }
    assert set(rows) == set(shipped_languages())
    recorded = json.loads((TRANSLATIONS_DIR / "review.json").read_text(encoding="utf-8"))
    assert set(shipped_languages()) <= set(recorded)
    for language, status in rows.items():
        review = review_of(language)
        assert status.startswith(review.status), (language, status, review.status)
        if review.reviewed and review.status == "reviewed":
            assert review.reviewed_by in status, language
