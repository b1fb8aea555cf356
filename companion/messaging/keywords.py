"""Recognising the compliance keywords (opt-out, opt-in, help) in any shipped language.

The words live in ``keywords.json`` beside this file, per language, not in code.
Matching is forgiving about case, accents, punctuation and spacing: "Stop!",
"ALTO." and "dừng" all opt out. A single keyword must be the whole message
(so "cancel my appointment" is not an opt-out); a phrase such as "stop
texting me" may appear anywhere in it.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from functools import cache
from pathlib import Path

KEYWORDS_FILE = Path(__file__).with_name("keywords.json")


class Keyword(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: "¡Dừng!" -> "dung"."""
    text = text.casefold().replace("đ", "d").replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    no_apostrophes = no_marks.replace("'", "")
    words = re.sub(r"[^\w]+", " ", no_apostrophes)
    return " ".join(words.split())


@cache
def _table() -> dict[str, dict[str, frozenset[str]]]:
    raw = json.loads(KEYWORDS_FILE.read_text(encoding="utf-8"))
    return {
        lang: {key: frozenset(fold(w) for w in words) for key, words in entries.items()}
        for lang, entries in raw.items()
        if not lang.startswith("_")
    }


def _all(key: str) -> frozenset[str]:
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
    if folded in _all("opt_out"):
        return Keyword.OPT_OUT
    padded = f" {folded} "
    if any(f" {phrase} " in padded for phrase in _all("opt_out_phrases")):
        return Keyword.OPT_OUT
    if folded in _all("opt_in"):
        return Keyword.OPT_IN
    if opted_out and folded in _all("opt_in_when_opted_out"):
        return Keyword.OPT_IN
    if folded in _all("help"):
        return Keyword.HELP
    return None
