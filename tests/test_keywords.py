"""Compliance keywords in every shipped language, and what they do to consent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.care.consent import decide
from companion.messaging import words
from companion.messaging.i18n import shipped_languages
from companion.messaging.keywords import Keyword, classify, fold
from companion.models import Consent

TABLE = words.section("keywords")


def test_every_shipped_language_has_keywords():
    for language in shipped_languages():
        assert set(TABLE[language]) >= {"opt_out", "opt_in", "help"}, language


@pytest.mark.parametrize("language", sorted(TABLE))
def test_each_listed_word_is_recognised_in_any_case_with_punctuation(language):
    for key, expected in (
        ("opt_out", Keyword.OPT_OUT),
        ("opt_in", Keyword.OPT_IN),
        ("help", Keyword.HELP),
    ):
        for word in TABLE[language][key]:
            assert classify(word) == expected, word
            assert classify(f"  {word.upper()}!! ") == expected, word


@pytest.mark.parametrize(
    "text",
    [
        "Alto.",
        "¡PARAR!",
        "Dừng",
        "DUNG",
        "ngừng",
        "stop texting me pls",
        "No más mensajes por favor",
        "đừng nhắn tin nữa",
    ],
)
def test_opt_outs_across_languages(text):
    assert classify(text) == Keyword.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "I stopped drinking",
        "cancel my appointment",
        "end of the day",
        "help me understand the schedule",
        "7",
        "yes",
        "sí",
        "",
    ],
)
def test_ordinary_sentences_are_not_keywords(text):
    assert classify(text) is None


def test_yes_and_si_only_re_enroll_someone_who_opted_out():
    assert classify("YES", opted_out=True) == Keyword.OPT_IN
    assert classify("Sí", opted_out=True) == Keyword.OPT_IN
    assert classify("có", opted_out=True) == Keyword.OPT_IN
    assert classify("YES") is None


def test_fold_strips_case_accents_and_punctuation():
    assert fold("¡Dừng lại!") == "dung lai"
    assert fold("Don't  TEXT me.") == "dont text me"


@given(
    st.sampled_from(sorted({w for lang in TABLE.values() for w in lang["opt_out"]})),
    st.sampled_from(["", " ", ".", "!", "!!", "?"]),
    st.booleans(),
)
def test_opt_out_words_survive_noise(word, tail, upper):
    text = (word.upper() if upper else word) + tail
    assert classify(text) == Keyword.OPT_OUT


@given(st.text(max_size=200))
def test_classify_never_crashes(text):
    assert classify(text) in (None, Keyword.OPT_OUT, Keyword.OPT_IN, Keyword.HELP)


@pytest.mark.parametrize(
    "current,keyword,new,reply",
    [
        (Consent.OPTED_IN, Keyword.OPT_OUT, Consent.OPTED_OUT, "opt_out_confirm"),
        (Consent.OPTED_OUT, Keyword.OPT_OUT, Consent.OPTED_OUT, None),
        (Consent.OPTED_OUT, Keyword.OPT_IN, Consent.OPTED_IN, "opt_in_confirm"),
        (Consent.OPTED_OUT, Keyword.HELP, Consent.OPTED_OUT, "help"),
        (Consent.OPTED_OUT, None, Consent.OPTED_OUT, None),
        (Consent.OPTED_IN, None, Consent.OPTED_IN, "received"),
        (Consent.NOT_ASKED, Keyword.OPT_IN, Consent.OPTED_IN, "opt_in_confirm"),
    ],
)
def test_consent_decisions(current, keyword, new, reply):
    decision = decide(current, keyword)
    assert decision.new_consent == new
    assert decision.reply_kind == reply
    assert decision.changed == (new != current)
