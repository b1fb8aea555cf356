"""Discretion in every language (issue 16, item 2): no catalog string, source or
translation, and no rendered text carries a never-use word of any language
(words.json ``discretion``), and the plan form refuses one in any language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from companion.care.discretion import WordList, indiscreet_words
from companion.care.plan import discretion_errors, indiscreet_word
from companion.messaging.budgets import samples
from companion.messaging.compose import discretion_lists
from companion.messaging.i18n import TRANSLATIONS_DIR, shipped_languages

LISTS = discretion_lists()


def _catalog_strings(po: Path):
    with po.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in (*ids, *strings):
            if text:
                yield message.lineno, text


def test_every_shipped_language_has_a_never_use_list():
    for language in shipped_languages():
        assert len(LISTS[language].words) >= 10, language


@pytest.mark.parametrize("language", shipped_languages())
def test_no_catalog_string_carries_a_never_use_word(language):
    po = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en":
        po = TRANSLATIONS_DIR / "messages.pot"
    found = [
        f"{po.name}:{line}: {words} in {text[:60]!r}"
        for line, text in _catalog_strings(po)
        for words in [indiscreet_words(text, LISTS)]
        if words
    ]
    assert found == []


@pytest.mark.parametrize("language", shipped_languages())
def test_no_rendered_text_carries_a_never_use_word(language):
    for sample in samples(language):
        assert indiscreet_words(sample.rendered.body, LISTS) == [], sample.label


def test_the_vietnamese_urges_question_reads_neutral():
    """ "ham muốn" reads as sexual desire: the urges question uses a neutral word."""
    from companion.messaging.compose import render

    body = render("checkin_prompt", "vi", {"name": "Ana", "topic": "urges"}).body
    assert "ham muốn" not in body and "thôi thúc" in body


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Tránh xa tòa án", "tòa án"),
        ("Gọi anh trai khi có ham muốn", "ham muốn"),
        ("Не ходить мимо тюрьмы", "тюрьмы"),
        ("از دادگاه دور بمان", "دادگاه"),
        ("ابتعد عن المحكمة", "المحكمة"),  # the article joins the word: listed with it
        ("遠離法院附近", "法院"),
        ("법원 근처에 가지 않기", "법원"),
        ("Iwasan ang korte", "korte"),
        ("Մի գնա դատարան", "դատարան"),
    ],
)
def test_a_plan_line_in_any_language_is_checked(text, word):
    found = indiscreet_word(text, LISTS)
    assert found == word, (text, found)


def test_harmless_lines_pass_in_every_language():
    for text in ("Call Ana at 6", "Llamar a mi hermano", "Gọi anh trai", "Đi bộ buổi tối",
                 "Позвонить брату", "به برادرم زنگ بزنم", "打電話給哥哥", "형에게 전화하기",
                 "Tawagan si kuya", "Զանգել եղբորս", "اتصل بأخي"):  # fmt: skip
        assert indiscreet_word(text, LISTS) is None, text


def test_the_plan_form_refuses_a_never_use_word_in_another_language():
    content = {
        "warning_signs": [
            {"sign": "Không ngủ được", "response": "Tránh xa tòa án", "ok_to_text": True}
        ]
    }
    errors = discretion_errors(content, LISTS)
    assert "tòa án" in errors["warning_signs.0.response"]
    # Unticked "OK to text": the line never leaves the page, so anything may be said.
    content["warning_signs"][0]["ok_to_text"] = False
    assert discretion_errors(content, LISTS) == {}


def test_matching_follows_the_language():
    lists = {
        "x": WordList(("court",), "words"),
        "y": WordList(("суд",), "prefix"),
        "z": WordList(("法院",), "characters"),
    }
    assert indiscreet_words("a food court nearby", lists) == ["court"]
    assert indiscreet_words("courtesy", lists) == []
    assert indiscreet_words("Иду в суды", lists) == ["суды"]
    assert indiscreet_words("去法院", lists) == ["法院"]


def test_translations_check_names_the_file_and_line_of_a_never_use_word(tmp_path):
    import shutil

    from companion.messaging.catalogs import problems

    target = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, target)
    po = target / "vi" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace("thôi thúc", "ham muốn", 1), encoding="utf-8")
    assert any("vi/LC_MESSAGES/messages.po:" in p and "ham muốn" in p for p in problems(target))
