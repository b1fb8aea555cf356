"""Budgets (issue 16, item 4): what each text costs in every language, at its realistic
worst (companion/messaging/budgets.py): check-ins, reminders and notices one segment in
a GSM-7 language and two in a UCS-2 one, crisis replies two at most everywhere.

A text added later (another kind, another check-in topic, another language) is covered at
once: the kinds are grouped by name, and every sample is rendered in every shipped
language. docs/texts.md holds the table (``python -m companion.messaging.budgets``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.messaging.budgets import budget, over_budget, samples, table
from companion.messaging.i18n import shipped_languages
from companion.messaging.texts import KINDS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "texts.md"


@pytest.mark.parametrize("language", shipped_languages())
def test_no_text_is_over_its_budget(language):
    found = over_budget(language)
    assert found == [], "over budget (shorten the translation):\n" + "\n".join(found)


@pytest.mark.parametrize("language", shipped_languages())
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
