"""The reading goals of issue 14, over the labelled corpus in tests/data/replies/.

Urgent recall >= 0.95 in every language, benign texts raising an alert <= 2%,
answers and keywords read right >= 97% (docs/understanding.md). The corpus is
part of the project: missing files fail this test, they never skip it.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "replies"
LANGUAGES = ("en", "es", "vi", "zh_Hant", "ko", "tl", "hy", "fa", "ru", "ar")

sys.path.insert(0, str(ROOT))
from bench.understanding import load, score  # noqa: E402


@functools.cache
def _scored():
    return score(load(CORPUS))


@pytest.fixture
def scored():
    missing = [lang for lang in LANGUAGES if not (CORPUS / f"{lang}.jsonl").is_file()]
    if missing:
        return None
    return _scored()


def _require(scored):
    if scored is None:
        pytest.fail(f"corpus files missing in {CORPUS}: the goals cannot be checked")
    return scored


@pytest.mark.parametrize("language", LANGUAGES)
def test_urgent_replies_are_caught_in_every_language(scored, language):
    tally = _require(scored)["language"][language]
    assert tally.urgent_expected, f"{language}: no urgent lines in the corpus"
    assert tally.urgent_recall >= 0.95, tally.misses


def test_benign_texts_rarely_raise_an_alert(scored):
    tally = _require(scored)["all"]["all"]
    assert tally.benign and tally.alarm_rate <= 0.02


def test_answers_and_keywords_are_read_right(scored):
    tally = _require(scored)["all"]["all"]
    assert tally.plain and tally.plain_accuracy >= 0.97
