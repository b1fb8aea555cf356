"""Recognising replies that need a person now, in any shipped language.

DOMAIN.md ("Replies that need a person now") lists what a client may text that
must reach a person at once: self-harm or hopelessness, an urge they might act
on, contact with a potential victim or a broken avoid-condition, a threat to
someone, and the loss of housing or work or a relapse. ``detect`` finds these
in free text; what happens next (crisis reply, who is alerted, how fast) is
decided by the caller from the categories found.

The phrases live in each language's ``translations/<lang>/words.json``
(``acute`` section, per category), not in code. Matching is forgiving in the same way as the
compliance keywords (``keywords.fold``: case, accents, tone marks,
punctuation), and each word is also respelled through the language's
``spellings`` (texting forms and common misspellings: Vietnamese "ko" and
"hok" for "không", Spanish "kiero" for "quiero", English "wanna" for
"want to"), so each phrase is written once. A phrase matches as a sequence of
whole words anywhere in the message (or, where the language's file says so,
from the start of a word, or anywhere at all for languages written without
spaces: see ``words.Matching``): "end it all" is found in "I just want to
END IT ALL!!" but not in "the weekend it allowed".

This is deliberately a net, not a judge: a person reviews every alert, and a
missed one is worse than a false one. So negations count ("I don't want to
kill myself" is found), every language is checked for every client, and the
phrase lists lean towards inclusion; ``translations/en/words.json`` documents the judgment
calls a clinician may want to revisit.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from companion.messaging import words
from companion.messaging.words import fold

# Per-language key that holds respellings rather than a category.
SPELLINGS = "spellings"

# Apostrophe look-alikes that ``fold`` would otherwise turn into a space or keep
# inside a word ("can´t" -> "can t", "canʼt" -> "canʼt"); made plain so they fold
# like "can't" -> "cant".
_APOSTROPHES = str.maketrans(dict.fromkeys("‘ʼ´`′", "'"))


class Acute(enum.StrEnum):
    """What a reply says that needs a person now."""

    SELF_HARM = "self_harm"  # self-harm, suicide, hopelessness
    HIGH_URGE = "high_urge"  # an urge the client might act on
    VICTIM_ACCESS = "victim_access"  # contact with a potential victim, a broken avoid-condition
    THREAT = "threat"  # a threat to an identifiable person
    LIFE_EVENT = "life_event"  # lost housing or work, relapse


# Most serious first: the order ``detect`` reports in, and the order in which a
# caller should act when a message says more than one thing.
SEVERITY: tuple[Acute, ...] = (
    Acute.SELF_HARM,
    Acute.VICTIM_ACCESS,
    Acute.THREAT,
    Acute.HIGH_URGE,
    Acute.LIFE_EVENT,
)


@dataclass(frozen=True)
class _Language:
    """One language's table, folded and respelled, ready to match."""

    spellings: Mapping[str, str]
    # Each phrase padded (words.pad) so that ``in`` finds it as the language matches.
    phrases: Mapping[Acute, tuple[str, ...]]


def _respell(folded: str, spellings: Mapping[str, str]) -> str:
    """``folded`` with each word replaced by its usual spelling, where one is listed."""
    if not spellings:
        return folded
    return " ".join(spellings.get(word, word) for word in folded.split())


@cache
def _table() -> dict[str, _Language]:
    """The ``acute`` phrases of every language, folded once per process.

    A malformed file (an unknown category, a phrase that folds to nothing)
    raises here, at first use, rather than silently matching less.
    """
    table: dict[str, _Language] = {}
    for language, entries in words.section("acute").items():
        how = words.matching(language)
        spellings = {fold(k): fold(v) for k, v in entries.get(SPELLINGS, {}).items()}
        phrases: dict[Acute, tuple[str, ...]] = {}
        for key, listed in entries.items():
            if key.startswith("_") or key == SPELLINGS:
                continue
            folded = {_respell(fold(w), spellings) for w in listed}
            if "" in folded:
                raise ValueError(f"{words.path_of(language)}: a {key} phrase has no words")
            phrases[Acute(key)] = tuple(words.pad(p, how) for p in sorted(folded))
        table[language] = _Language(spellings=spellings, phrases=phrases)
    return table


def _reading_order(language: str) -> list[str]:
    """The client's language, then English, then every other shipped language."""
    shipped = list(_table())
    first = [lang for lang in dict.fromkeys([language, "en"]) if lang in shipped]
    return first + [lang for lang in shipped if lang not in first]


def detect(text: str, language: str) -> list[Acute]:
    """Every category of ``text`` that needs a person now, most serious first.

    ``language`` is the client's language; it is read first, then English,
    then every other shipped language, because people write in more than one
    (a Spanish speaker may text in English). An unknown or empty ``language``
    is fine: every shipped language is read anyway, so the result does not
    depend on it.

    Negations still count: "I don't want to kill myself", "no quiero
    matarme" and "tôi không muốn tự tử" are all ``SELF_HARM``. A person
    reviews every alert, and a missed one is worse than a false one, so no
    attempt is made to read a phrase away.

    Returns each category once, in ``SEVERITY`` order; an empty list for an
    ordinary message. Never raises, whatever the text (any length, emoji,
    control characters); a non-string gives an empty list.
    """
    if not isinstance(text, str) or not text:
        return []
    folded = fold(text.translate(_APOSTROPHES))
    if not folded:
        return []
    if not isinstance(language, str):
        language = ""
    table = _table()
    found: set[Acute] = set()
    for lang in _reading_order(language):
        entry = table[lang]
        message = words.padded(_respell(folded, entry.spellings))
        for category, phrases in entry.phrases.items():
            if category not in found and any(phrase in message for phrase in phrases):
                found.add(category)
        if len(found) == len(SEVERITY):
            break
    return [category for category in SEVERITY if category in found]
