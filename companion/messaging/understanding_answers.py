"""Answers to the open question: ratings, yes/no, menu choices, appointment replies.

Part of ``understanding.read`` (see understanding_data.py for the word lists). The
check-in answer parser (``answers.parse_answer``) reads first; these fallbacks catch
what people text besides: hedged ratings ("mga 6 siguro"), misspelt number words
("sevn"), counters ("三分", "팔점"), a time word first ("today no"), a menu letter
opening a sentence ("a, went for a walk"), a choice by position ("the first one").
"""

from __future__ import annotations

import re
from typing import Any, Literal

from rapidfuzz import fuzz

from companion.messaging import answers, reading, words
from companion.messaging.reading import fold_text
from companion.messaging.understanding_data import (
    _NUMBER,
    CONFIRM,
    RESCHEDULE,
    Languages,
    _core,
    compiled,
    scan,
)

# A misspelt number word ("sevn", "limaa") is read if this close (rapidfuzz ratio).
FUZZY_NUMBER = 85


def read_answer(text: str, expects: Any, langs: Languages) -> str | None:
    """The normalised answer to a rating, yes/no or choice question, or None."""
    kind = {
        "rating": answers.Expects.RATING,
        "yes_no": answers.Expects.YES_NO,
        "choice": answers.Expects.CHOICE,
    }[expects.type]
    question = answers.Question(
        expects=kind,
        low=expects.min if expects.min is not None else 0,
        high=expects.max if expects.max is not None else 10,
        choices=tuple(expects.choices),
    )
    if kind == answers.Expects.CHOICE:
        by_order = _ordinal_choice(text, question.choices)
        if by_order is not None:
            return by_order
    parsed = answers.parse_answer(text, question, langs.client)
    if parsed.ok:
        return parsed.value
    if parsed.problem != answers.Problem.UNREADABLE:
        return None  # out of range or two answers: a person asks again
    if kind == answers.Expects.YES_NO:
        return _yes_no_fallback(text, question, langs)
    if kind == answers.Expects.RATING:
        return _rating_fallback(text, question)
    return _choice_fallback(text, question.choices)


def _without_lead(text: str) -> str:
    """``text`` without a leading time word ("today no", "hôm nay không", "今天沒有")."""
    folded = fold_text(text)
    for lead in sorted(compiled().answer_leads, key=len, reverse=True):
        if folded.startswith(lead) and folded != lead:
            return folded[len(lead) :].strip()
    return folded


def _yes_no_fallback(text: str, question: answers.Question, langs: Languages) -> str | None:
    for attempt in (
        re.sub(r"(\w)\1+", r"\1", text),  # "yesss", "nooo": letters held down
        _without_lead(text),
    ):
        parsed = answers.parse_answer(attempt, question, langs.client)
        if parsed.ok:
            return parsed.value
    return None


def _number_words() -> dict[str, int]:
    return {
        fold_text(w): n
        for entries in words.section("answers").values()
        for w, n in entries.get("numbers", {}).items()
    }


def _rating_fallback(text: str, question: answers.Question) -> str | None:
    """Hedged or misspelt ratings: "mga 6 siguro", "tres mas o menos", "sevn", "今天三分"."""
    numbers = {int(n) for n in _NUMBER.findall(answers._plain(text))}
    if not numbers:
        tokens = _without_lead(text).split()
        table = _number_words()
        if tokens and tokens[0] in table:
            numbers = {table[tokens[0]]}
        elif len(tokens) <= 2 and tokens:
            near = [
                table[w]
                for t in tokens
                if len(t) >= 4
                for w in table
                if len(w) >= 4 and fuzz.ratio(t, w, score_cutoff=FUZZY_NUMBER)
            ]
            numbers = set(near)
        if not numbers and tokens:
            numbers = _counted(tokens[0], table)
    if len(numbers) != 1:
        return None
    value = numbers.pop()
    return str(value) if question.low <= value <= question.high else None


# Korean and Chinese attach a counter to the number: "팔점", "三分", "八吧".
_COUNTERS = ("점", "分", "點", "点", "吧", "啦", "요")


def _counted(token: str, table: dict[str, int]) -> set[int]:
    for word in sorted(table, key=len, reverse=True):
        if not word.isascii() and token.startswith(word):
            rest = token[len(word) :]
            if not rest or rest.startswith(_COUNTERS):
                return {table[word]}
    return set()


def _choice_fallback(text: str, choices: tuple[str, ...]) -> str | None:
    """A menu letter opening the reply: "a, went for a walk", "b po", "a 산책했어요"."""
    tokens = fold_text(text).split()
    offered = {c.casefold(): c for c in choices}
    if not tokens or tokens[0] not in offered:
        return None
    clauses = reading.clauses(text)
    rest = tokens[1:]
    # English "a" is also the article: only alone in its clause or before another script.
    if (
        tokens[0] != "a"
        or (clauses and clauses[0] == "a")
        or not rest
        or not rest[0].isascii()
        or rest[0] in compiled().fillers
    ):
        return offered[tokens[0]]
    return None


def _ordinal_choice(text: str, choices: tuple[str, ...]) -> str | None:
    """A menu choice given by position: "the first one", "2", "segunda", "第二"."""
    if not choices or any(c.isdigit() for c in choices):
        return None
    folded = fold_text(text)
    ordinals = compiled().ordinals
    picked = {n for word, n in ordinals.items() if _has_words(folded, word)}
    tokens = folded.split()
    if len(tokens) <= 3:
        picked |= {int(t) for t in tokens if t.isdigit() and 1 <= int(t) <= len(choices)}
    if len(picked) != 1:
        return None
    n = picked.pop()
    return choices[n - 1] if 1 <= n <= len(choices) else None


def _has_words(folded: str, phrase: str) -> bool:
    if not phrase.isascii() and " " not in folded and " " not in phrase:
        return phrase in folded  # scripts without spaces
    return f" {phrase} " in f" {folded} "


def read_appointment(text: str, langs: Languages) -> Literal["confirm", "reschedule"] | None:
    """Confirm or reschedule, read from a reply to an appointment notice."""
    data = compiled()
    labels = scan(text)
    if RESCHEDULE in labels:
        return "reschedule"
    core = _core(fold_text(text))
    first = core.split()[0] if core else ""
    if core in data.reschedule or first in data.reschedule:
        return "reschedule"
    if CONFIRM in labels or core in data.confirm or first in data.confirm:
        return "confirm"
    question = answers.Question(expects=answers.Expects.YES_NO)
    parsed = answers.parse_answer(text, question, langs.client)
    if parsed.ok:
        return "confirm" if parsed.value == "yes" else "reschedule"
    return None
