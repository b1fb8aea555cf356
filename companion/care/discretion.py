"""Words a text must not carry, in every shipped language (pure: the lists are passed in).

``care/plan.py`` keeps a hand-tuned English, Spanish and Vietnamese list with
word endings; every language's ``discretion`` list in
``companion/translations/<lang>/words.json`` (loaded by ``messaging/words.py``
and passed in by the web layer) adds the rest, matched the way that language
is read (``matching``): whole words, word starts, or anywhere for scripts
written without spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class WordList:
    """One language's never-use words and how to find them ("words", "prefix", "characters")."""

    words: tuple[str, ...]
    matching: str = "words"


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@lru_cache(maxsize=4096)  # a plan has dozens of lines, each checked against every list
def _pattern(word: str, matching: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in _norm(word).split())
    if matching == "characters":
        return re.compile(body)
    if matching == "prefix":
        return re.compile(r"(?<!\w)" + body)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)")


def indiscreet_words(text: str, lists: Mapping[str, WordList]) -> list[str]:
    """The never-use words found in ``text`` (as typed, in order), from every language's list."""
    source = unicodedata.normalize("NFC", text or "")
    folded = source.casefold()
    if len(folded) != len(source):  # a rare letter that folds to two: quote the folded text
        source = folded
    found: list[tuple[int, str]] = []
    for word_list in lists.values():
        for word in word_list.words:
            match = _pattern(word, word_list.matching).search(folded)
            if match:
                end = match.end()
                if word_list.matching == "prefix":  # quote the whole word as typed
                    while end < len(source) and source[end].isalnum():
                        end += 1
                found.append((match.start(), source[match.start() : end]))
    seen: list[str] = []
    for _, word in sorted(found):
        if word not in seen:
            seen.append(word)
    return seen


def word_lists(
    sections: Mapping[str, Iterable[str]], matching: Mapping[str, str]
) -> dict[str, WordList]:
    """Word lists keyed by language from words.json's ``discretion`` sections."""
    return {
        lang: WordList(tuple(words), matching.get(lang, "words"))
        for lang, words in sections.items()
    }
