"""Recognising the compliance keywords (opt-out, opt-in, help) in any shipped language.

The words live in each language's ``translations/<lang>/words.json``
(``keywords`` section), not in code. Matching is forgiving about case,
accents, punctuation and spacing: "Stop!", "ALTO." and "dừng" all opt out. A
single keyword must be the whole message (so "cancel my appointment" is not an
opt-out); a phrase such as "stop texting me" may appear anywhere in it.
"""

from __future__ import annotations

from functools import cache

from companion.care.consent import Keyword
from companion.messaging import words
from companion.messaging.words import fold

__all__ = ["Keyword", "classify", "fold", "words_for"]


@cache
def _table() -> dict[str, dict[str, frozenset[str]]]:
    table: dict[str, dict[str, frozenset[str]]] = {}
    for lang, entries in words.section("keywords").items():
        how = words.matching(lang)
        table[lang] = {
            key: frozenset(
                words.pad(fold(w), how) if key.endswith("_phrases") else fold(w) for w in listed
            )
            for key, listed in entries.items()
        }
    return table


@cache
def words_for(key: str) -> frozenset[str]:
    """Every shipped language's folded words for ``key`` (e.g. ``"confirm"``)."""
    return frozenset().union(*(entries.get(key, frozenset()) for entries in _table().values()))


def classify(body: str, *, opted_out: bool = False) -> Keyword | None:
    """The compliance keyword ``body`` expresses, if any.

    Keywords of every shipped language count for every client: an opt-out
    must be honoured however it is said. A plain "yes" re-enrolls only a
    client who opted out (otherwise it is an answer to a question).
    """
    folded = fold(body)
    if not folded:
        return None
    if folded in words_for("opt_out"):
        return Keyword.OPT_OUT
    message = words.padded(folded)
    if any(phrase in message for phrase in words_for("opt_out_phrases")):
        return Keyword.OPT_OUT
    if folded in words_for("opt_in"):
        return Keyword.OPT_IN
    if opted_out and folded in words_for("opt_in_when_opted_out"):
        return Keyword.OPT_IN
    if folded in words_for("help"):
        return Keyword.HELP
    return None
