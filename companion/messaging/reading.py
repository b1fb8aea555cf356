"""Finding listed phrases in a client's text, forgivingly (issue 14, item 3).

``understanding.read`` asks one question of a message many times: does this
phrase appear in it, meant the way it is listed? This module answers it, for
any language's phrases, after making the message and the phrase comparable:

- Unicode NFKC and case folding, accents and tone marks removed (``words.fold``),
  then any Latin-script word transliterated to plain ASCII (``anyascii``), so
  "suicída", "SUICIDA" and "suicida" are one word;
- texting forms and misspellings respelled through the language's ``spellings``
  ("wanna" -> "want to", "kiero" -> "quiero", "ko" -> "khong");
- Snowball stemming where the language has a stemmer ("pills" = "pill");
- from the start of a word for languages that attach endings (``words.Matching``);
- fuzzy for longer words (rapidfuzz, 6 letters or more, a high threshold), so
  "suicdal" is "suicidal" but "kids" is never "kiss".

A phrase is found as a sequence of words within one clause, allowing one extra
word between two of its words ("want to f***ing die"). Two things make a found
phrase not count:

- a benign idiom covers it ("killing it at work", "me muero de risa"): idioms
  are masked before any phrase is looked for;
- a negation governs it ("not suicidal", "no drinking", "haven't been using"):
  a negator right before the phrase, or separated from it only by light words
  ("been", "going to", "any"). A phrase that is itself negative ("don't want to
  live", "no reason to live", "can't go on") is never negated away.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import snowballstemmer
from anyascii import anyascii
from rapidfuzz import fuzz, process

from companion.messaging import words
from companion.messaging.words import Matching

# Fuzzy matching only for words this long (short words are too alike: "kid", "kit").
FUZZY_FROM = 6
# rapidfuzz ratio (0-100) two long words need to count as one: "suicdal" ~ "suicidal" is 93.
FUZZY_AT_LEAST = 88
# A stem shorter than this says too little: Spanish "recaida" and "rec" share "rec".
SHORTEST_STEM = 4
# Words allowed between two words of a phrase ("want to really die").
GAP = 1
# How far before a phrase a negator may stand, light words between.
NEGATION_REACH = 4

# Where a clause ends: negation and phrases never reach across these.
_CLAUSE = re.compile(
    r"[.!?;:\n\r,，。！？；、]+|\s-\s|\b(?:but|pero|nhưng|но|բայց|ولی|اما)\b|但是|可是|不過|不过"
)
_LATIN = re.compile(r"^[\x00-\u024f\u1e00-\u1eff]+$")
_MASK = "\u2063"  # a token no phrase contains: where an idiom was
# Labels a negation never cancels: "no, stop texting me" is still an opt-out.
IMMUNE = frozenset({"opt_out"})
# Labels found only word for word: "my kids" is not "my cousin's kids".
EXACT = frozenset({"own_children"})


def fold_text(text: str) -> str:
    """NFKC, case-folded, accents and punctuation gone, Latin words in ASCII."""
    folded = words.fold(unicodedata.normalize("NFKC", text.translate(_APOSTROPHES)))
    return " ".join(anyascii(t) if _LATIN.match(t) else t for t in folded.split())


_APOSTROPHES = str.maketrans(dict.fromkeys("‘’ʼ´`′", "'"))


# How texters write in Latin letters differs from anyascii's spelling: "khochu" is
# "hochu", Armenian "owzowm" is "uzum", "kh" and "gh" are often "x".
_ROMAN_VARIANTS = (
    (("ow", "u"), ("rr", "r"), ("'", "")),
    (("ow", "u"), ("rr", "r"), ("'", ""), ("kh", "h")),
    (("ow", "u"), ("rr", "r"), ("'", ""), ("kh", "x"), ("gh", "x")),
)


def romanizations(listed: Iterable[str]) -> list[str]:
    """Latin-letter spellings of phrases written in another script (Cyrillic, Armenian)."""
    out: list[str] = []
    for text in listed:
        if _LATIN.match(text.replace(" ", "")):
            continue
        base = anyascii(text).casefold()
        if " " not in base and len(base) < FUZZY_FROM:
            continue  # one short Latin word is too often another language's word ("paran")
        for variant in _ROMAN_VARIANTS:
            spelled = base
            for old, new in variant:
                spelled = spelled.replace(old, new)
            if spelled not in out:
                out.append(spelled)
    return out


@dataclass(frozen=True)
class Phrase:
    """One listed phrase of one language, folded and respelled."""

    label: str  # what it says (a Signal value, "opt_out", "idiom" ...)
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    negative: bool  # contains a negator itself: negation never cancels it
    text: str  # as listed, for explanations and tests
    cjk: bool = False  # one run of characters, found anywhere (Chinese)


@dataclass
class Lexicon:
    """One language's matching rules and phrases, ready to search."""

    language: str
    how: Matching
    spellings: Mapping[str, str]
    negators: frozenset[str]
    negator_prefixes: tuple[str, ...]
    after_negators: tuple[str, ...]
    bridges: frozenset[str]
    stemmer: object | None
    phrases: list[Phrase] = field(default_factory=list)
    # first token (stemmed) -> phrases starting with it; characters languages use ``phrases``.
    by_first: dict[str, list[Phrase]] = field(default_factory=dict)
    long_firsts: list[str] = field(default_factory=list)
    cjk_phrases: list[Phrase] = field(default_factory=list)
    _stems: dict[str, str] = field(default_factory=dict)

    def stem(self, token: str) -> str:
        if self.stemmer is None:
            return token
        stem = self._stems.get(token)
        if stem is None:
            stem = self._stems[token] = _stem(self.stemmer, token)
        return stem

    def tokens(self, folded: str) -> list[str]:
        out: list[str] = []
        for token in folded.split():
            out.extend(self.spellings.get(token, token).split())
        return out

    def add(self, label: str, listed: Iterable[str]) -> None:
        for text in listed:
            folded = fold_text(text)
            if self.how == Matching.CHARACTERS:
                tokens = (folded.replace(" ", ""),) if _has_cjk(folded) else tuple(folded.split())
            else:
                tokens = tuple(self.tokens(folded))
            if not tokens or not tokens[0]:
                continue
            negative = any(self.is_negator(t) for t in tokens) or (
                self.how == Matching.CHARACTERS and any(n in tokens[0] for n in self.negators)
            )
            cjk = self.how == Matching.CHARACTERS and _has_cjk(tokens[0])
            stems = tuple(self.stem(t) for t in tokens)
            phrase = Phrase(label, tokens, stems, negative, text, cjk)
            self.phrases.append(phrase)
            if cjk:
                self.cjk_phrases.append(phrase)
                continue
            first = self.stem(tokens[0])
            if first not in self.by_first and len(first) >= FUZZY_FROM:
                self.long_firsts.append(first)
            self.by_first.setdefault(first, []).append(phrase)

    def is_negator(self, token: str) -> bool:
        return token in self.negators or token.startswith(self.negator_prefixes)


@cache
def _stemmer(name: str | None) -> object | None:
    return snowballstemmer.stemmer(name) if name else None


def _stem(stemmer: object, token: str) -> str:
    return stemmer.stemWord(token)  # type: ignore[attr-defined]


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def _has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def lexicon(language: str, section: Mapping, how: Matching) -> Lexicon:
    """A language's ``understanding`` section of words.json, compiled (phrases added by callers)."""
    spellings = {fold_text(k): fold_text(v) for k, v in section.get("spellings", {}).items()}
    return Lexicon(
        language=language,
        how=how,
        spellings=spellings,
        negators=frozenset(fold_text(w) for w in section.get("negators", [])),
        negator_prefixes=tuple(fold_text(w) for w in section.get("negator_prefixes", [])),
        after_negators=tuple(fold_text(w) for w in section.get("after_negators", [])),
        bridges=frozenset(fold_text(w) for w in section.get("bridges", [])),
        stemmer=_stemmer(section.get("stemmer")),
    )


# -- the message -----------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """One clause of the message as a language reads it."""

    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    joined: str  # for characters languages: the clause without spaces


def clauses(text: str) -> list[str]:
    """The message cut where a sentence or clause ends (folded, non-empty)."""
    parts = _CLAUSE.split(unicodedata.normalize("NFKC", text).casefold())
    return [f for f in (fold_text(p) for p in parts) if f]


def prepare(lex: Lexicon, folded_clauses: list[str]) -> list[Clause]:
    out = []
    for folded in folded_clauses:
        tokens = tuple(lex.tokens(folded))
        out.append(Clause(tokens, tuple(lex.stem(t) for t in tokens), folded.replace(" ", "")))
    return out


def mask_idioms(lex: Lexicon, prepared: list[Clause], idiom_lex: Lexicon) -> list[Clause]:
    """Each clause with the words of any benign idiom replaced by a mask."""
    if not idiom_lex.phrases:
        return prepared
    idioms = candidates(idiom_lex, prepared)
    if not idioms:
        return prepared
    out = []
    for clause in prepared:
        tokens = list(clause.tokens)
        joined = clause.joined
        for idiom in idioms:
            if idiom.cjk:
                joined = joined.replace(idiom.tokens[0], _MASK)
                continue
            for start, end in _spans(lex, clause, idiom):
                for i in range(start, end):
                    tokens[i] = _MASK
        stems = tuple(_MASK if t == _MASK else s for t, s in zip(tokens, clause.stems, strict=True))
        out.append(Clause(tuple(tokens), stems, joined))
    return out


def _token_matches(lex: Lexicon, token: str, stem: str, wanted: str, wanted_stem: str) -> bool:
    if token == _MASK:
        return False
    if token == wanted or (stem == wanted_stem and len(stem) >= SHORTEST_STEM):
        return True
    if lex.how == Matching.PREFIX and token.startswith(wanted) and _prefix_long_enough(wanted):
        return True
    return (
        len(wanted) >= FUZZY_FROM
        and len(token) >= FUZZY_FROM
        and fuzz.ratio(token, wanted, score_cutoff=FUZZY_AT_LEAST) > 0
    )


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _prefix_long_enough(wanted: str) -> bool:
    """Two letters say too little as a word start ("آب", water, starts "آبجو", beer);
    two Korean syllables say enough ("자살")."""
    return len(wanted) >= 3 or bool(_HANGUL.search(wanted))


def _spans(lex: Lexicon, clause: Clause, phrase: Phrase) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs in ``clause``: (first index, one past last)."""
    found = []
    n = len(clause.tokens)
    for start in range(n):
        first, first_stem = phrase.tokens[0], phrase.stems[0]
        if not _token_matches(lex, clause.tokens[start], clause.stems[start], first, first_stem):
            continue
        at = start + 1
        ok = True
        for wanted, wanted_stem in zip(phrase.tokens[1:], phrase.stems[1:], strict=True):
            for skip in range((0 if phrase.label in EXACT else GAP) + 1):
                i = at + skip
                if i < n and _token_matches(
                    lex, clause.tokens[i], clause.stems[i], wanted, wanted_stem
                ):
                    at = i + 1
                    break
            else:
                ok = False
                break
        if ok:
            found.append((start, at))
    return found


def _negated(lex: Lexicon, clause: Clause, start: int, end: int) -> bool:
    """Whether a negator governs the words ``clause.tokens[start:end]``."""
    for back in range(1, NEGATION_REACH + 1):
        i = start - back
        if i < 0:
            break
        token = clause.tokens[i]
        if lex.is_negator(token):
            return True
        if token not in lex.bridges:
            break
    if lex.after_negators:
        after = clause.tokens[end : end + 3]
        return any(t.startswith(lex.after_negators) for t in after)
    return False


def find(lex: Lexicon, prepared: list[Clause], phrases: Iterable[Phrase]) -> list[Phrase]:
    """The phrases found in the (idiom-masked) clauses and not negated away."""
    hits: list[Phrase] = []
    for phrase in phrases:
        if _found_one(lex, prepared, phrase):
            hits.append(phrase)
    return hits


def _found_one(lex: Lexicon, prepared: list[Clause], phrase: Phrase) -> bool:
    return any(_found_in(lex, clause, phrase) for clause in prepared)


def clauses_with(lex: Lexicon, prepared: list[Clause], phrase: Phrase) -> set[int]:
    """The indexes of the clauses ``phrase`` is found in (for words that count together)."""
    return {i for i, clause in enumerate(prepared) if _found_in(lex, clause, phrase)}


def _found_in(lex: Lexicon, clause: Clause, phrase: Phrase) -> bool:
    if phrase.cjk:
        return _found_in_characters(lex, clause.joined, phrase)
    for start, end in _spans(lex, clause, phrase):
        if phrase.negative or phrase.label in IMMUNE or not _negated(lex, clause, start, end):
            return True
    return False


def _found_in_characters(lex: Lexicon, joined: str, phrase: Phrase) -> bool:
    wanted = phrase.tokens[0]
    at = joined.find(wanted)
    while at >= 0:
        before = joined[max(0, at - NEGATION_REACH) : at]
        if phrase.negative or phrase.label in IMMUNE or not any(n in before for n in lex.negators):
            return True
        at = joined.find(wanted, at + 1)
    return False


def candidates(lex: Lexicon, prepared: list[Clause]) -> list[Phrase]:
    """Phrases that could occur (their first word is in the message): a cheap pre-filter."""
    seen: dict[int, Phrase] = {}
    if lex.cjk_phrases:
        joined = "\n".join(clause.joined for clause in prepared)
        for phrase in lex.cjk_phrases:
            if phrase.tokens[0] in joined:
                seen[id(phrase)] = phrase
    for clause in prepared:
        for token, stem in zip(clause.tokens, clause.stems, strict=True):
            keys = {token, stem}
            if lex.how == Matching.PREFIX:
                keys.update(token[:k] for k in range(1, len(token)))
            for key in keys:
                for phrase in lex.by_first.get(key, ()):
                    seen[id(phrase)] = phrase
            if len(token) >= FUZZY_FROM and lex.long_firsts:
                for first, _score, _i in process.extract(
                    token,
                    lex.long_firsts,
                    scorer=fuzz.ratio,
                    score_cutoff=FUZZY_AT_LEAST,
                    limit=None,
                ):
                    for phrase in lex.by_first[first]:
                        seen[id(phrase)] = phrase
    return list(seen.values())
