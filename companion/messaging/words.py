"""The words Companion reads and checks, per language:
``companion/translations/<lang>/words.json``.

Each language keeps, beside its gettext catalog, one data file with:

- ``keywords``: opt-out, opt-in, help, confirm and reschedule words (read by
  ``keywords.py`` and ``replies.py``);
- ``answers``: yes, no, "not sure", number words (read by ``answers.py``);
- ``acute``: the phrases that need a person now (read by ``acute.py``);
- ``discretion``: words no client-facing text may contain (checked by the
  catalog tests for every rendered text);
- ``matching``: how a phrase is found in a message (see ``Matching``);
- ``formats`` (optional): the Babel locale and patterns for dates and times.

Keeping a language's words in one file lets a translator (or a helper
drafting a language) own one folder, and keeps every word out of the code.
"""

from __future__ import annotations

import enum
import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from companion.messaging.i18n import TRANSLATIONS_DIR

WORDS_FILE = "words.json"


class Matching(enum.StrEnum):
    """How a folded phrase is looked for in a folded message."""

    # Whole words: "end it all" in "i want to end it all", not in "weekend it allowed".
    WORDS = "words"
    # From the start of a word, any ending: for languages that attach endings
    # and particles to words (Korean "자살" in "자살하고", Russian "убить себя" ...).
    PREFIX = "prefix"
    # Anywhere: for languages written without spaces between words (Chinese).
    CHARACTERS = "characters"


# Letters people type interchangeably: Arabic and Persian keyboards give
# different code points for the same yeh and kaf; Vietnamese đ has no
# decomposition of its own; Arabic texters write ة as ه.
_SAME_LETTER = str.maketrans({"đ": "d", "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "’": "'", "ـ": ""})


def unify(text: str) -> str:
    """Letters people type interchangeably made one (see ``_SAME_LETTER``)."""
    return text.translate(_SAME_LETTER)


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: "¡Dừng!" -> "dung".

    Marks are removed from the decomposed text, then it is recomposed, so
    scripts that decompose without marks (Korean syllables) come back whole.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    no_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Letters are unified after the marks are gone: Arabic "ئ" leaves a "ي" behind.
    recomposed = unicodedata.normalize("NFC", no_marks).translate(_SAME_LETTER).replace("'", "")
    words = re.sub(r"[^\w]+", " ", recomposed)
    return " ".join(words.split())


def pad(phrase: str, matching: Matching) -> str:
    """``phrase`` (folded) padded so that ``in`` a padded message finds it as ``matching`` says."""
    if matching == Matching.CHARACTERS:
        return phrase
    if matching == Matching.PREFIX:
        return f" {phrase}"
    return f" {phrase} "


def padded(folded: str) -> str:
    """A folded message with one space either side, to look phrases up in with ``in``."""
    return f" {folded} "


@cache
def _files() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(TRANSLATIONS_DIR.glob(f"*/{WORDS_FILE}")):
        found[path.parent.name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def languages() -> list[str]:
    """Languages with a words file, English first."""
    return sorted(_files(), key=lambda lang: (lang != "en", lang))


def section(name: str) -> dict[str, Any]:
    """One section (``keywords``, ``answers``, ``acute``, ``discretion``) of every language."""
    return {lang: data[name] for lang, data in _files().items() if name in data}


def matching(language: str) -> Matching:
    """How phrases are found in ``language`` (whole words unless its file says otherwise)."""
    return Matching(_files().get(language, {}).get("matching", Matching.WORDS))


def formats(language: str) -> dict[str, str]:
    """The language's date and time formats: ``locale`` and optional ``time`` pattern."""
    return dict(_files().get(language, {}).get("formats", {}))


def path_of(language: str) -> Path:
    """Where ``language``'s words file lives (for error messages)."""
    return TRANSLATIONS_DIR / language / WORDS_FILE
