"""The word lists behind ``understanding.read``, compiled, and the readings built on them.

Every language's ``translations/<lang>/words.json`` gives, in its
``understanding`` section (documented in docs/understanding.md):

- ``signals``: phrases per Signal value; ``minor_places``: places where
  children gather (a signal only under the "no_minors_places" condition);
  ``urge_words``: an urge word with a number from 8 to 10 is a high urge;
- ``idioms``: benign idioms masked before any phrase is looked for;
- ``negators``, ``negator_prefixes``, ``after_negators``, ``bridges``: negation;
- ``spellings`` (texting forms), ``stemmer`` (a Snowball algorithm or null);
- ``opt_out_phrases``, ``stop_words``, ``fillers``: natural opt-outs, the
  word "stop" in a sentence, and politeness around a keyword ("STOP please");
- ``confirm_phrases``, ``reschedule_phrases``, ``ordinals``: appointment and
  menu answers;
- ``review``: the clinical review record of the language's phrases.

The ``keywords`` and ``answers`` sections (shared with keywords.py and
answers.py) give the compliance keywords and the answer words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

from companion.messaging import answers, reading, words
from companion.messaging.reading import Lexicon, fold_text

# Supervision conditions that change what a phrase means.
NO_MINORS_PLACES = "no_minors_places"
PLACES = "minor_places"
URGE = "urge_word"
FORBIDDEN = "forbidden"  # "even though I'm not allowed": the client names a broken condition
STAFF = "staff"  # the PO, the therapist: a weapon "for my PO" is a threat
ONLINE = "online_contact"  # chatting, snap, DMs: with a minor's age, minor access
SEXUAL = "sexual"  # fantasies, turned on: with a minor's age, sexual thoughts about a child
CHILD = "child"  # kids, niece, nephew ... (not one's own son or daughter)
DEATH = "death"  # die, be gone, never wake up ... (with a wish word: self-harm)
WISH = "wish"  # I wish, I want, I'd rather, I hope
WEARY = "weary"  # tired of, sick of, done with (with a life word: self-harm)
LIFE = "life"  # life, being alive, existing
DRUG = "drug"  # drink, beer, weed, meth, pills ... (with a relapse word: substance)
RELAPSE = "relapse"  # again, slipped, relapsed, used, caved
EXPLICIT = "explicit"  # porn, nudes, explicit pictures (with a child word: CSAM)
TRAVEL = "travel"  # moving, leaving for, heading to (with another state: leaving the area)
ELSEWHERE = "elsewhere"  # another state, out of town, another country
INTENSE = "intense"  # through the roof, overwhelming (with an urge word: high urge)
MENACE = "menace"  # better watch out, will pay (with a member of staff: a threat)
OWN = "own_children"  # "my kids": the client's own children, not counted with CARE
CARE = "care"  # staying over, babysitting, living with ... (with a child word: minor access)
# Concepts that count together: two words of these kinds in one clause mean the signal,
# unless the clause's child words are all the client's own (``OWN``), where that matters.
# (first kind, second kind, signal, whether the client's own children are left out)
PAIRS: tuple[tuple[str, str, str, bool], ...] = (
    (CHILD, CARE, "minor_access", True),  # "the kids sleep at mine on Friday"
    (CHILD, ONLINE, "minor_access", True),  # "been chatting with a teen on snap"
    (CHILD, SEXUAL, "child_sexual_thoughts", False),  # "fantasies about kids"
    (WISH, DEATH, "self_harm", False),  # "I just wish I could be gone"
    (WEARY, LIFE, "self_harm", False),  # "so tired of life", "cansado de vivir"
    (DRUG, RELAPSE, "substance", False),  # "drank again", "volví a tomar"
    (CHILD, EXPLICIT, "csam", False),  # "downloaded explicit stuff with minors"
    (TRAVEL, ELSEWHERE, "leaving_area", False),  # "me voy a ir a otro estado"
    (URGE, INTENSE, "high_urge", False),  # "urges are through the roof"
    (STAFF, MENACE, "threat", False),  # "my therapist better watch out"
)
CONCEPT_LISTS = {
    CHILD: "child_words",
    CARE: "care_words",
    OWN: "own_children",
    DEATH: "death_words",
    WISH: "wish_words",
    WEARY: "weary_words",
    LIFE: "life_words",
    DRUG: "drug_words",
    RELAPSE: "relapse_words",
    EXPLICIT: "explicit_words",
    TRAVEL: "travel_words",
    ELSEWHERE: "elsewhere_words",
    INTENSE: "intense_words",
    MENACE: "menace_words",
}
# Ages under this are a minor's ("a 15 yo", "15 tuổi", "15歲", "عمرها ١٥").
ADULT_AGE = 18
IDIOM = "idiom"
OPT_OUT = "opt_out"
CONFIRM = "confirm"
RESCHEDULE = "reschedule"
SIGNALS = (
    "self_harm",
    "high_urge",
    "child_sexual_thoughts",
    "csam",
    "minor_access",
    "victim_contact",
    "threat",
    "weapon",
    "substance",
    "housing_work",
    "leaving_area",
)
# An urge rated this high in free text is a high urge (DOMAIN.md: urge >= 8/10).
HIGH_URGE_FROM = 8
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d{1,2})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Compiled:
    lexicons: dict[str, Lexicon]
    idioms: dict[str, Lexicon]
    opt_out: frozenset[str]
    opt_in: frozenset[str]
    opt_in_when_opted_out: frozenset[str]
    help: frozenset[str]
    confirm: frozenset[str]
    reschedule: frozenset[str]
    fillers: frozenset[str]
    stop_words: frozenset[str]
    stop_substrings: tuple[str, ...]  # for scripts without spaces
    ordinals: dict[str, int]
    answer_leads: frozenset[str]


def _folded(listed: list[str]) -> frozenset[str]:
    return frozenset(f for f in (fold_text(w) for w in listed) if f)


@cache
def compiled() -> Compiled:
    keywords = words.section("keywords")
    understanding = words.section("understanding")
    lexicons, idioms = {}, {}
    sets: dict[str, set[str]] = {
        k: set()
        for k in ("opt_out", "opt_in", "opt_in_when_opted_out", "help", "confirm", "reschedule")
    }
    fillers, stop_words, ordinals, leads = set(), set(), {}, set()
    for language in words.languages():
        section: Mapping[str, Any] = understanding.get(language, {})
        kw: Mapping[str, Any] = keywords.get(language, {})
        lex = reading.lexicon(language, section, words.matching(language))
        romanized = section.get("romanized", False)
        for signal in SIGNALS:
            listed = section.get("signals", {}).get(signal, [])
            lex.add(signal, listed)
            if romanized:
                # Many texters write the language in Latin letters ("hochu umeret'").
                lex.add(signal, reading.romanizations(listed))
        lex.add(PLACES, section.get(PLACES, []))
        lex.add(URGE, section.get("urge_words", []))
        lex.add(FORBIDDEN, section.get("forbidden_phrases", []))
        lex.add(STAFF, section.get("staff_words", []))
        lex.add(ONLINE, section.get("online_contact_words", []))
        lex.add(SEXUAL, section.get("sexual_words", []))
        for concept, key in CONCEPT_LISTS.items():
            lex.add(concept, section.get(key, []))
            if romanized:  # "ustal ot zhizni" pairs as "устал" + "жизни" does
                lex.add(concept, reading.romanizations(section.get(key, [])))
        lex.add(OPT_OUT, [*kw.get("opt_out_phrases", []), *section.get("opt_out_phrases", [])])
        lex.add(CONFIRM, section.get("confirm_phrases", []))
        lex.add(RESCHEDULE, section.get("reschedule_phrases", []))
        idiom_lex = reading.lexicon(language, section, words.matching(language))
        # Every language's idioms mask for every language: "nerf gun" is a toy in any text.
        for other in understanding.values():
            idiom_lex.add(IDIOM, other.get("idioms", []))
        lexicons[language] = lex
        idioms[language] = idiom_lex
        for key, found in sets.items():
            found.update(_folded(kw.get(key, [])))
        fillers.update(_folded(section.get("fillers", [])))
        leads.update(_folded(section.get("answer_leads", [])))
        stop_words.update(_folded(section.get("stop_words", [])))
        ordinals.update({fold_text(k): v for k, v in section.get("ordinals", {}).items()})
    # People mix languages ("not suicidal" in a Tagalog text, "no quiero" in English):
    # every language's negators and light words count wherever a phrase is found.
    _share_negation([*lexicons.values(), *idioms.values()])
    return Compiled(
        lexicons=lexicons,
        idioms=idioms,
        opt_out=frozenset(sets["opt_out"]),
        opt_in=frozenset(sets["opt_in"]),
        opt_in_when_opted_out=frozenset(sets["opt_in_when_opted_out"]),
        help=frozenset(sets["help"]),
        confirm=frozenset(sets["confirm"]),
        reschedule=frozenset(sets["reschedule"]),
        fillers=frozenset(fillers),
        stop_words=frozenset(w for w in stop_words if " " not in w and w.isascii()),
        stop_substrings=tuple(w for w in stop_words if not w.isascii()),
        ordinals=ordinals,
        answer_leads=frozenset(leads),
    )


def _share_negation(lexicons: list[Lexicon]) -> None:
    negators = frozenset().union(*(lex.negators for lex in lexicons))
    prefixes = tuple(sorted({p for lex in lexicons for p in lex.negator_prefixes}))
    bridges = frozenset().union(*(lex.bridges for lex in lexicons))
    for lex in lexicons:
        lex.negators, lex.negator_prefixes, lex.bridges = negators, prefixes, bridges


@dataclass(frozen=True)
class Languages:
    """Answer words are tried in the client's language and English first, then the rest."""

    client: str

    @classmethod
    def for_client(cls, lang: str) -> Languages:
        return cls(lang if lang in compiled().lexicons else "")


@lru_cache(maxsize=256)
def scan(text: str) -> frozenset[str]:
    """Every label (signal, place, urge word, opt_out, confirm ...) found in ``text``."""
    folded_clauses = reading.clauses(text)
    if not folded_clauses:
        return frozenset()
    data = compiled()
    labels: set[str] = set()
    # The clauses each concept is found in (only concepts some pair uses).
    together: dict[str, set[int]] = {k: set() for pair in PAIRS for k in pair[:2]} | {OWN: set()}
    for language, lex in data.lexicons.items():
        prepared = reading.prepare(lex, folded_clauses)
        masked = reading.mask_idioms(lex, prepared, data.idioms[language])
        for phrase in reading.find(lex, masked, reading.candidates(lex, masked)):
            labels.add(phrase.label)
            if phrase.label in together:
                together[phrase.label] |= reading.clauses_with(lex, masked, phrase)
    # Two concepts in one clause (wordings no phrase list foresees; see PAIRS). The
    # client's own children ("picked up my kids") are ordinary family life for care and
    # chat; the phrase lists and the clinician judge those.
    for first, second, signal, not_own in PAIRS:
        firsts = together[first] - together[OWN] if not_own else together[first]
        if firsts & together[second]:
            labels.add(signal)
    if CARE in labels and OWN not in labels and _minor_age(text):
        labels.add("minor_access")  # "a 14 yo is staying at mine this weekend"
    return frozenset(labels)


def read_signals(text: str, conditions: frozenset[str]) -> set[str]:
    labels = scan(text)
    found = {label for label in labels if label in SIGNALS}
    if PLACES in labels and (NO_MINORS_PLACES in conditions or FORBIDDEN in labels):
        found.add("minor_access")
    if "weapon" in found and STAFF in labels:
        found.add("threat")
    if (ONLINE in labels or SEXUAL in labels) and _minor_age(text):
        found.add("minor_access" if ONLINE in labels else "child_sexual_thoughts")
    if URGE in labels and _high_number(text):
        found.add("high_urge")
    return found


@cache
def _age_pattern() -> re.Pattern[str]:
    after, before = set(), set()
    for section in words.section("understanding").values():
        after.update(re.escape(fold_text(u)) for u in section.get("age_after", []))
        before.update(re.escape(fold_text(u)) for u in section.get("age_before", []))
    units_after = "|".join(sorted(after, key=len, reverse=True)) or "(?!)"
    units_before = "|".join(sorted(before, key=len, reverse=True)) or "(?!)"
    return re.compile(
        rf"(?<![0-9])(\d{{1,2}})\s*(?:{units_after})(?![a-z])|(?:{units_before})\s*(\d{{1,2}})(?![0-9])"
    )


def _minor_age(text: str) -> bool:
    """Whether ``text`` gives someone's age as under 18 ("15 yo", "15歲", "عمرها 15")."""
    plain = fold_text(answers._plain(text).replace("/", " "))
    for match in _age_pattern().finditer(plain):
        age = int(match.group(1) or match.group(2))
        if 0 < age < ADULT_AGE:
            return True
    return False


def _high_number(text: str) -> bool:
    plain = answers._plain(text)  # ASCII digits, whatever the script
    return any(HIGH_URGE_FROM <= int(n) <= 10 for n in _NUMBER.findall(plain))


def _core(folded: str) -> str:
    """``folded`` without politeness at either end ("stop please" -> "stop")."""
    tokens = folded.split()
    fillers = compiled().fillers
    while tokens and tokens[-1] in fillers:
        tokens.pop()
    while tokens and tokens[0] in fillers:
        tokens.pop(0)
    return " ".join(tokens)


def read_keyword(
    text: str, *, opted_out: bool
) -> tuple[Literal["opt_out", "opt_in", "help"] | None, bool]:
    """(the compliance keyword, whether "stop" is mentioned in a longer text)."""
    data = compiled()
    whole = fold_text(text)
    core = _core(whole)
    clauses = reading.clauses(text)
    # "STOP. im gonna disappear", "..., tigil na": a keyword standing as a sentence of its own.
    ends = {_core(clauses[0]), _core(clauses[-1])} if clauses else set()
    if core in data.opt_out or ends & data.opt_out or OPT_OUT in scan(text):
        return "opt_out", False
    if core in data.opt_in or (opted_out and core in data.opt_in_when_opted_out):
        return "opt_in", False
    if core in data.help:
        return "help", False
    tokens = set(whole.split())
    mentioned = bool(tokens & data.stop_words) or any(
        s in text.casefold() for s in data.stop_substrings
    )
    return None, mentioned
