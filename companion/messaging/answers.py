"""Reading a client's text as the answer to a check-in question.

People answer from cheap phones, in their own words: "7", "7/10", "seven",
"siete", "bảy", "yes", "sí", "có", "b)". ``parse_answer`` turns such a text
into a value, or says why it could not (so the client is asked once, kindly,
to answer again). It never raises: whatever arrives is kept by the caller.

Words come from each language's ``translations/<lang>/words.json``
(``answers``). The client's own language and English are read first; the
other shipped languages only when those give nothing (a Spanish speaker may well answer "yes").
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from companion.messaging import words
from companion.messaging.words import fold

# Longer than this and the text is a message to a person, not an answer to parse.
LONGEST_ANSWER = 320
# Number words count only in short answers ("seven", "a seven", "tôi bảy"):
# in a sentence, Vietnamese "ba" is also "dad" and "nam" also "year".
NUMBER_WORDS_UP_TO = 3


class Expects(enum.StrEnum):
    RATING = "rating"
    YES_NO = "yes_no"
    CHOICE = "choice"


class Problem(enum.StrEnum):
    UNREADABLE = "unreadable"  # nothing that answers the question
    OUT_OF_RANGE = "out_of_range"  # a number or letter, but not one offered
    AMBIGUOUS = "ambiguous"  # more than one answer ("7 or 8", "yes no")


@dataclass(frozen=True)
class Question:
    """What a check-in question accepts."""

    expects: Expects
    low: int = 0
    high: int = 10
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parsed:
    """The value read ("7", "yes", "no", "B"), or the problem that stopped it."""

    value: str | None
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Words:
    yes: frozenset[str]
    no: frozenset[str]
    unsure: frozenset[str]
    numbers: dict[str, int]
    out_of: tuple[str, ...]


@cache
def _words() -> dict[str, _Words]:
    table = {}
    for language, entries in words.section("answers").items():
        table[language] = _Words(
            yes=frozenset(fold(w) for w in entries["yes"]),
            no=frozenset(fold(w) for w in entries["no"]),
            unsure=frozenset(fold(w) for w in entries["unsure"]),
            numbers={fold(w): n for w, n in entries["numbers"].items()},
            out_of=tuple(fold(w) for w in entries["out_of"]),
        )
    return table


def _languages(language: str) -> tuple[list[str], list[str]]:
    """(read first, read when those give nothing)."""
    shipped = list(_words())
    first = [lang for lang in dict.fromkeys([language, "en"]) if lang in _words()]
    return first, [lang for lang in shipped if lang not in first]


def _phrases_in(folded: str, phrases: frozenset[str]) -> bool:
    padded = f" {folded} "
    return any(f" {p} " in padded for p in phrases)


def _unsure(folded: str, language: str) -> bool:
    """Whether ``folded`` says "I don't know" in ``language`` (anywhere, for run-on scripts)."""
    unsure = _words()[language].unsure
    if words.matching(language) == words.Matching.CHARACTERS:
        return any(phrase in folded for phrase in unsure)
    return _phrases_in(folded, unsure)


def parse_answer(text: str, question: Question, language: str) -> Parsed:
    """Read ``text`` as an answer to ``question`` from a client who speaks ``language``."""
    if not text or len(text) > LONGEST_ANSWER:
        return Parsed(None, Problem.UNREADABLE)
    folded = fold(text)
    if not folded:
        return Parsed(None, Problem.UNREADABLE)
    first, rest = _languages(language)
    # "I don't know" is an honest answer, never a "no" or a number.
    if any(_unsure(folded, lang) for lang in first):
        return Parsed(None, Problem.UNREADABLE)
    if question.expects == Expects.RATING:
        read = _rating
    elif question.expects == Expects.YES_NO:
        read = _yes_no
    else:
        read = _choice
    parsed = read(text, folded, question, first)
    if parsed.problem == Problem.UNREADABLE and rest:
        fallback = read(text, folded, question, rest)
        if fallback.problem != Problem.UNREADABLE:
            return fallback
    return parsed


# -- ratings -----------------------------------------------------------------

# Digits glued to Latin letters are not a rating: Arabizi writes letters with digits
# ("sab3a" is seven, "3ayez" is "I want"). "7점", "7分" are fine.
_NUMBER = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)?(?![A-Za-z])")


def _rating(text: str, folded: str, question: Question, languages: list[str]) -> Parsed:
    words = [_words()[lang] for lang in languages]
    # "7/10", "7 out of 10", "7 de 10", "7 trên 10": the scale, not a second number.
    scale = "|".join(
        sorted({re.escape(o) for w in words for o in w.out_of} | {"/"}, key=len, reverse=True)
    )
    plain = re.sub(rf"(\d+)\s*(?:{scale})\s*{question.high}\b", r"\1", _plain(text))
    numbers = _NUMBER.findall(plain)
    if numbers:
        return _one_number(numbers, question)
    tokens = folded.split()
    if len(tokens) > NUMBER_WORDS_UP_TO:
        return Parsed(None, Problem.UNREADABLE)
    found = [str(w.numbers[t]) for t in tokens for w in words if t in w.numbers]
    if not found:
        return Parsed(None, Problem.UNREADABLE)
    return _one_number(found, question)


def _plain(text: str) -> str:
    """Lower case, no accents, ASCII digits ("７" -> "7", keycap "7️⃣" -> "7"); punctuation kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    no_marks = "".join(
        str(int(ch)) if ch.isdecimal() else ch for ch in decomposed if not unicodedata.combining(ch)
    )
    # The same letters as fold() makes them, so the scale words ("على") match.
    return words.unify(unicodedata.normalize("NFC", no_marks))


def _one_number(numbers: list[str], question: Question) -> Parsed:
    distinct = list(dict.fromkeys(n.replace(",", ".") for n in numbers))
    if len(distinct) > 1:
        return Parsed(None, Problem.AMBIGUOUS)
    number = distinct[0]
    if "." in number:
        whole, _, fraction = number.partition(".")
        if fraction.strip("0"):
            return Parsed(None, Problem.AMBIGUOUS)  # "7.5": between two answers
        number = whole
    value = int(number)
    if not question.low <= value <= question.high:
        return Parsed(None, Problem.OUT_OF_RANGE)
    return Parsed(str(value))


# -- yes / no ----------------------------------------------------------------

# An opposite word this close to the start makes "yes no" or "no... yes" unclear.
_OPPOSITE_WITHIN = 4


def _yes_no(text: str, folded: str, question: Question, languages: list[str]) -> Parsed:
    yes = frozenset().union(*(_words()[lang].yes for lang in languages))
    no = frozenset().union(*(_words()[lang].no for lang in languages))
    tokens = folded.split()
    answer, used = _leading(tokens, yes, no)
    if answer is None:
        answer, used = _run_on(tokens, languages)
    if answer is None:
        return Parsed(None, Problem.UNREADABLE)
    opposite = no if answer == "yes" else yes
    later = tokens[used : used + _OPPOSITE_WITHIN - 1]
    if any(t in opposite for t in later):
        return Parsed(None, Problem.AMBIGUOUS)
    return Parsed(answer)


def _leading(tokens: list[str], yes: frozenset[str], no: frozenset[str]) -> tuple[str | None, int]:
    """("yes"/"no", words used) when the message starts with such a word or phrase.

    The longest phrase wins: Vietnamese "không có" is one "no", not "no" then "yes".
    """
    longest = max((phrase.count(" ") + 1 for phrase in yes | no), default=1)
    for length in range(min(len(tokens), longest), 0, -1):
        start = " ".join(tokens[:length])
        if start in yes:
            return "yes", length
        if start in no:
            return "no", length
    return None, 0


def _run_on(tokens: list[str], languages: list[str]) -> tuple[str | None, int]:
    """For languages written without spaces: a first word that begins with yes or no.

    Chinese "是的我有" is one folded token; it starts with "是的", a yes.
    """
    if not tokens:
        return None, 0
    first = tokens[0]
    for lang in languages:
        if words.matching(lang) != words.Matching.CHARACTERS:
            continue
        entry = _words()[lang]
        for word in sorted(entry.yes | entry.no, key=len, reverse=True):
            if first.startswith(word):
                return ("yes" if word in entry.yes else "no"), 1
    return None, 0


# -- menu choices ------------------------------------------------------------

# A single letter or digit standing alone: "b", "B)", "(b)", "b.", "option B". Letters of
# other scripts may touch it: Korean "B요" is B with a polite ending.
_LATIN = r"0-9_'A-Za-z\u00C0-\u024F"
_CHOICE = re.compile(rf"(?<![{_LATIN}])([a-z0-9])(?![{_LATIN}])", re.I)


# Cyrillic letters a Russian keyboard gives for the Latin menu letters A, B, C.
_LOOK_ALIKE = str.maketrans({"А": "A", "В": "B", "С": "C", "а": "a", "в": "b", "с": "c"})


def _choice(text: str, folded: str, question: Question, languages: list[str]) -> Parsed:
    text = text.translate(_LOOK_ALIKE)
    folded = folded.translate(_LOOK_ALIKE)
    offered = {c.casefold(): c for c in question.choices}
    tokens = folded.split()
    numbers = {n: str(v) for lang in languages for n, v in _words()[lang].numbers.items()}
    if len(tokens) == 1 and len(tokens[0]) == 1:
        picked = [tokens[0]]
    elif len(tokens) == 1 and tokens[0] in numbers:
        picked = [numbers[tokens[0]]]  # "two", "dos", "hai" for a numbered menu
    else:
        # In a sentence, only marked letters count: "B)", "(b)", or a capital "B".
        picked = [m.group(1).casefold() for m in _CHOICE.finditer(text) if _marked(text, m)]
    if not picked:
        return Parsed(None, Problem.UNREADABLE)
    distinct = list(dict.fromkeys(picked))
    if len(distinct) > 1:
        return Parsed(None, Problem.AMBIGUOUS)
    if distinct[0] not in offered:
        return Parsed(None, Problem.OUT_OF_RANGE)
    return Parsed(offered[distinct[0]])


_JOINERS = frozenset({"or", "and", "o", "y", "hoac", "va", "hay"})


def _marked(text: str, match: re.Match[str]) -> bool:
    letter = match.group(1)
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if letter.isdigit() or after == ")" or before == "(":
        return True
    if not letter.isupper() or letter == "I":
        return False
    # "A" opening a sentence is usually the English article ("A walk helped"),
    # unless what follows joins it to another option ("A or B", "A, B").
    before_text = text[: match.start()].rstrip()
    opens_sentence = not before_text or before_text[-1] in ".!?"
    if letter != "A" or not opens_sentence:
        return True
    following = fold(text[match.end() :]).split()
    return not following or following[0] in _JOINERS or text[match.end() :].lstrip()[:1] in ",/&"
