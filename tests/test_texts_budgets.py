"""Budgets (issue 16, item 4): what each text costs in every language, at its realistic
worst (companion/messaging/budgets.py): check-ins, reminders and notices one segment in
a GSM-7 language and two in a UCS-2 one, crisis replies two at most everywhere.

Texts not yet shortened are listed in tests/data/texts_over_budget.txt, a list that may
only shrink: a new text over budget fails, and so does a listed text that now fits (take
it off the list). docs/texts.md holds the table (``python -m companion.messaging.budgets``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.messaging.budgets import budget, over_budget, samples, table
from companion.messaging.i18n import shipped_languages
from companion.messaging.texts import KINDS

KNOWN = Path(__file__).parent / "data" / "texts_over_budget.txt"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "texts.md"


def _known(language: str) -> set[str]:
    lines = KNOWN.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line.startswith(f"{language} ")}


def _labels(found: list[str]) -> set[str]:
    return {line.split(" (")[0] for line in found}


@pytest.mark.parametrize("language", shipped_languages())
def test_no_text_is_over_its_budget(language):
    found = over_budget(language)
    new = sorted(line for line in found if line.split(" (")[0] not in _known(language))
    assert new == [], "over budget (shorten the translation):\n" + "\n".join(new)
    fixed = sorted(_known(language) - _labels(found))
    assert fixed == [], f"now within budget: take these off {KNOWN.name}: {fixed}"


@pytest.mark.parametrize("language", ["en", "es", "tl", "zh_Hant", "ko"])
def test_crisis_replies_are_two_segments_at_most(language):
    for sample in samples(language):
        if sample.kind.startswith("crisis_"):
            assert sample.rendered.segments <= 2, (sample.label, sample.rendered.body)


def test_the_budget_rules():
    assert budget("crisis_urge", "GSM-7") == 2 and budget("crisis_urge", "UCS-2") == 2
    assert budget("checkin_prompt", "GSM-7") == 1 and budget("checkin_prompt", "UCS-2") == 2
    assert budget("appt_day_before", "GSM-7") == 1 and budget("plan_reminder", "UCS-2") == 2
    assert budget("welcome", "UCS-2") == KINDS["welcome"].budget


def test_spanish_check_ins_stay_gsm7():
    """Plain forms instead of accented ones where they read fine: a Spanish check-in is one
    160-character text, not two 70-character ones."""
    for sample in samples("es"):
        if sample.kind in ("checkin_prompt", "checkin_reminder"):
            assert sample.rendered.encoding == "GSM-7", (sample.label, sample.rendered.body)


def test_the_docs_table_is_current():
    assert table() in DOCS.read_text(encoding="utf-8"), (
        "docs/texts.md is stale: python -m companion.messaging.budgets"
    )
