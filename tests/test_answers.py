"""Reading check-in answers: forgiving, per language, and never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.messaging import words
from companion.messaging.answers import (
    Expects,
    Parsed,
    Problem,
    Question,
    parse_answer,
)
from companion.messaging.i18n import shipped_languages

RATING = Question(Expects.RATING, 0, 10)
YES_NO = Question(Expects.YES_NO)
LETTERS = Question(Expects.CHOICE, choices=("A", "B", "C"))
NUMBERED = Question(Expects.CHOICE, choices=("1", "2"))
LANGUAGES = shipped_languages()
WORDS = words.section("answers")

# What people put around an answer on a phone keyboard.
noise = st.sampled_from(["", " ", "  ", ".", "!", "!!", "?", ",", " :)", "\n", " 👍", "..."])
language = st.sampled_from(LANGUAGES)


def test_every_shipped_language_has_answer_words():
    assert set(LANGUAGES) <= set(WORDS)
    for lang in LANGUAGES:
        assert WORDS[lang]["yes"] and WORDS[lang]["no"] and WORDS[lang]["unsure"]
        assert set(WORDS[lang]["numbers"].values()) >= set(range(0, 11))


@pytest.mark.parametrize(
    "text, lang, value",
    [
        ("7", "en", "7"),
        ("7/10", "en", "7"),
        ("7 out of 10", "en", "7"),
        ("seven", "en", "7"),
        ("Seven!", "en", "7"),
        ("siete", "es", "7"),
        ("7 de 10", "es", "7"),
        ("bảy", "vi", "7"),
        ("bay", "vi", "7"),  # typed without tone marks
        ("7 trên 10", "vi", "7"),
        ("I'm at a 3 today", "en", "3"),
        ("hoy un 4, gracias", "es", "4"),
        ("０", "en", "0"),  # full-width digit
        ("7️⃣", "en", "7"),  # keycap emoji
        ("ten", "es", "10"),  # a Spanish speaker answering in English
        ("diez", "en", "10"),  # and the other way round
    ],
)
def test_ratings_read_in_the_ways_people_write_them(text, lang, value):
    parsed = parse_answer(text, RATING, lang)
    assert (parsed.value, parsed.problem) == (value, None)


@pytest.mark.parametrize(
    "text, lang, value",
    [
        ("yes", "en", "yes"),
        ("Y", "en", "yes"),
        ("YES!", "en", "yes"),
        ("yes I did", "en", "yes"),
        ("sí", "es", "yes"),
        ("si", "es", "yes"),
        ("Si, gracias", "es", "yes"),
        ("có", "vi", "yes"),
        ("Có ạ", "vi", "yes"),
        ("vâng", "vi", "yes"),
        ("no", "en", "no"),
        ("N", "en", "no"),
        ("nope.", "en", "no"),
        ("No, todo bien", "es", "no"),
        ("không", "vi", "no"),
        ("ko", "vi", "no"),
        ("yes", "vi", "yes"),
    ],
)
def test_yes_and_no_in_every_language(text, lang, value):
    parsed = parse_answer(text, YES_NO, lang)
    assert (parsed.value, parsed.problem) == (value, None)


@pytest.mark.parametrize(
    "text, question, value",
    [
        ("b", LETTERS, "B"),
        ("B)", LETTERS, "B"),
        ("(c)", LETTERS, "C"),
        ("a.", LETTERS, "A"),
        ("I did B today", LETTERS, "B"),
        ("2", NUMBERED, "2"),
        ("two", NUMBERED, "2"),
    ],
)
def test_menu_letters_and_numbers(text, question, value):
    parsed = parse_answer(text, question, "en")
    assert (parsed.value, parsed.problem) == (value, None)


@pytest.mark.parametrize(
    "text, question, lang, problem",
    [
        ("12", RATING, "en", Problem.OUT_OF_RANGE),
        ("7 or 8", RATING, "en", Problem.AMBIGUOUS),
        ("7.5", RATING, "en", Problem.AMBIGUOUS),
        ("😀😀", RATING, "en", Problem.UNREADABLE),
        ("   ", RATING, "en", Problem.UNREADABLE),
        ("x" * 1600, RATING, "en", Problem.UNREADABLE),
        ("no sé", YES_NO, "es", Problem.UNREADABLE),  # "I don't know", not "no"
        ("not sure", YES_NO, "en", Problem.UNREADABLE),
        ("không biết", YES_NO, "vi", Problem.UNREADABLE),
        ("yes no", YES_NO, "en", Problem.AMBIGUOUS),
        ("yes", RATING, "en", Problem.UNREADABLE),
        ("D", LETTERS, "en", Problem.OUT_OF_RANGE),
        ("A or B", LETTERS, "en", Problem.AMBIGUOUS),
        ("A walk would be nice", LETTERS, "en", Problem.UNREADABLE),  # the article, not A
    ],
)
def test_what_cannot_be_read_says_why(text, question, lang, problem):
    parsed = parse_answer(text, question, lang)
    assert parsed.value is None
    assert parsed.problem == problem


# -- properties, for every shipped language -------------------------------------------


@settings(max_examples=150)
@given(lang=language, n=st.integers(0, 10), before=noise, after=noise)
def test_any_rating_in_digits_reads_back(lang, n, before, after):
    parsed = parse_answer(f"{before}{n}{after}", RATING, lang)
    assert parsed.value == str(n)


@settings(max_examples=150)
@given(data=st.data(), lang=language, before=noise, after=noise)
def test_every_number_word_of_the_language_reads_as_its_value(data, lang, before, after):
    word, n = data.draw(st.sampled_from(sorted(WORDS[lang]["numbers"].items())))
    shaped = data.draw(st.sampled_from([word, word.upper(), word.capitalize()]))
    parsed = parse_answer(f"{before}{shaped}{after}", RATING, lang)
    assert parsed.value == str(n), (word, parsed)


@settings(max_examples=100)
@given(lang=language, n=st.integers(0, 10), after=noise)
def test_a_rating_with_its_scale_is_one_number(lang, n, after):
    assert parse_answer(f"{n}/10{after}", RATING, lang).value == str(n)


@settings(max_examples=100)
@given(lang=language, n=st.integers(11, 10_000) | st.integers(-1000, -1))
def test_numbers_off_the_scale_are_out_of_range(lang, n):
    parsed = parse_answer(str(n), RATING, lang)
    # "-3" reads as 3 only if the minus is lost; it must never be a silent wrong value.
    assert parsed.problem == Problem.OUT_OF_RANGE or (n < 0 and parsed.value == str(-n))


@settings(max_examples=100)
@given(lang=language, a=st.integers(0, 10), b=st.integers(0, 10), joint=noise)
def test_two_different_numbers_are_ambiguous(lang, a, b, joint):
    parsed = parse_answer(f"{a} {joint} {b}", RATING, lang)
    if a == b:
        assert parsed.value == str(a)
    else:
        assert parsed.problem == Problem.AMBIGUOUS


@settings(max_examples=150)
@given(data=st.data(), lang=language, after=noise)
def test_every_yes_and_no_word_of_the_language_reads(data, lang, after):
    answer = data.draw(st.sampled_from(["yes", "no"]))
    word = data.draw(st.sampled_from(WORDS[lang][answer]))
    shaped = data.draw(st.sampled_from([word, word.upper(), word.capitalize()]))
    assert parse_answer(f"{shaped}{after}", YES_NO, lang).value == answer


@settings(max_examples=100)
@given(data=st.data(), lang=language, after=noise)
def test_unsure_is_never_taken_for_an_answer(data, lang, after):
    phrase = data.draw(st.sampled_from(WORDS[lang]["unsure"]))
    for question in (YES_NO, RATING):
        parsed = parse_answer(f"{phrase}{after}", question, lang)
        assert parsed.value is None and parsed.problem == Problem.UNREADABLE


@settings(max_examples=300)
@given(text=st.text(max_size=2000), lang=language)
def test_any_text_at_all_gives_a_valid_value_or_a_reason(text, lang):
    for question in (RATING, YES_NO, LETTERS, NUMBERED):
        parsed = parse_answer(text, question, lang)
        assert (parsed.value is None) != (parsed.problem is None)
        if parsed.value is not None:
            if question is RATING:
                assert 0 <= int(parsed.value) <= 10
            elif question is YES_NO:
                assert parsed.value in {"yes", "no"}
            else:
                assert parsed.value in question.choices


@pytest.mark.parametrize(
    "text, value",
    [("В", "B"), ("с)", "C"), ("B요", "B"), ("Я выбрал А)", "A")],
)
def test_menu_letters_from_other_keyboards(text, value):
    # A Russian keyboard gives Cyrillic А/В/С; Korean adds a polite ending to the letter.
    assert parse_answer(text, LETTERS, "ru") == Parsed(value)
