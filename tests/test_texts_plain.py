"""Plain language (issue 16, item 7): every client text in English reads at or below
grade 6 (Flesch-Kincaid) and in Spanish at or above 70 (Fernández-Huerta), by textstat.

Measured per text, not averaged per kind: a client reads one text at a time, and an
average would let one hard text hide behind easy ones. Each text is rendered with short,
plain values (a short name, a May Monday, a room number): the scores judge our words,
not the client's name or the provider's. Staff texts and emails are left out (staff read
them). Syllables come from Pyphen's hyphenation dictionaries, the same way in both
languages: textstat would otherwise fetch NLTK's CMU dictionary over the network.
"""

from __future__ import annotations

import pytest
import textstat
from textstat.backend.counts import _count_syllables

from companion.messaging.compose import render
from companion.messaging.texts import KINDS, PLAN_LINES, QUESTIONS, SIMPLE_QUESTIONS

PLAIN = {
    "name": "Ana",
    "phone": "(213) 555-0100",
    "program": "Companion",
    "at": "2027-05-03T16:00:00+00:00",  # Monday, May 3, 9:00 AM in Los Angeles
    "timezone": "America/Los_Angeles",
    "location": "Room 3",
    "contact": "Sam",
    "contact_phone": "+12135550142",
    "low": 0,
    "high": 10,
    "choices": "A, B, C",
    "topic": "stress",
    "step": "take a walk",  # an acknowledgement names the client's own coping step
    "goal": "get a job",
}
LINE_WORDS = {
    "sign": "I stay in bed",
    "step": "call Sam",
    "thought": "I can do this",
    "trigger": "I feel down",
    "steps": "take a walk",
    "contact": "Sam",
    "contact_phone": "+12135550142",
    "goal": "get a job",
    "situation": "bars",
    "condition": "home by 9",
}
LIMITS = {
    # language: (score, True if the score must be at most the limit)
    "en": (textstat.flesch_kincaid_grade, 6.0, True),
    "es": (textstat.fernandez_huerta, 70.0, False),
}


def _client_texts(language: str):
    for kind in sorted(KINDS):
        if kind.startswith("staff_") or kind == "unknown_sender":
            continue
        params = PLAIN | {"line_template": "goal", "line_words": LINE_WORDS}
        yield kind, render(kind, language, params).body
    for topic in sorted(QUESTIONS):
        for simple in (False, True):
            params = PLAIN | {"topic": topic, "simple": simple}
            yield f"checkin:{topic}", render("checkin_prompt", language, params).body
    for topic in sorted(SIMPLE_QUESTIONS):
        yield f"simple:{topic}", render("checkin_prompt", language, PLAIN | {"topic": topic}).body
    for line in sorted(PLAN_LINES):
        params = PLAIN | {"line_template": line, "line_words": LINE_WORDS}
        yield f"plan:{line}", render("plan_reminder", language, params).body


@pytest.fixture(autouse=True)
def _offline_syllables(monkeypatch):
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: None)
    _count_syllables.count_syllables.cache_clear()


@pytest.mark.parametrize("language", sorted(LIMITS))
def test_every_client_text_reads_plainly(language):
    score, limit, at_most = LIMITS[language]
    textstat.set_lang(language)
    hard = []
    for label, body in _client_texts(language):
        value = score(body)
        if (value > limit) if at_most else (value < limit):
            hard.append(f"{label}: {value:.1f} {body}")
    assert hard == []


def test_the_scores_tell_plain_from_hard():
    textstat.set_lang("en")
    assert textstat.flesch_kincaid_grade("Call us. We can help.") <= 6
    assert (
        textstat.flesch_kincaid_grade(
            "Notwithstanding the aforementioned considerations, participants must "
            "demonstrate satisfactory comprehension of the institutional regulations."
        )
        > 6
    )
