"""The relapse-prevention plan: its parts, validation, and the lines that may be texted.

(About 450 lines: the plan's seven parts, their fields and their validation read best side by
side; splitting them would scatter one form's rules.)

A plan version's content is a dict of part -> list of items (dicts). Every
item has a stable ``id`` and an ``ok_to_text`` flag: only items the provider
marked may ever appear in a text. The offense chain is a clinician-only note:
no code path reads it into a text.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from companion.care.discretion import WordList, indiscreet_words
from companion.care.labels import W_
from companion.care.phones import to_e164

MAX_FIELD = 300  # one short line; a text has to carry it
MAX_ITEMS = 30


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    required: bool = True
    kind: str = "text"  # "text" | "phone" | "choice" | "bool"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartSpec:
    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    texted_by_default: bool = True


GOODS = (
    "relatedness",
    "community",
    "work",
    "knowledge",
    "inner peace",
    "health",
    "creativity",
    "pleasure",
    "agency",
    "spirituality",
    "life",
)

PARTS: tuple[PartSpec, ...] = (
    PartSpec(
        "warning_signs",
        W_("Warning signs"),
        (
            FieldSpec("sign", W_("Warning sign")),
            FieldSpec("response", W_("Coping step that answers it")),
            FieldSpec("need", W_("Linked need"), required=False),
        ),
    ),
    PartSpec(
        "high_risk_situations",
        W_("High-risk situations"),
        (
            FieldSpec("situation", W_("Situation")),
            FieldSpec(
                "handling", W_("Avoid or manage"), kind="choice", choices=("avoid", "manage")
            ),
            FieldSpec("condition", W_("Related supervision condition"), required=False),
        ),
        texted_by_default=False,
    ),
    PartSpec(
        "thinking_errors",
        W_("Thinking errors"),
        (
            FieldSpec("error", W_("Thinking error")),
            FieldSpec("replacement", W_("Replacement thought")),
        ),
    ),
    PartSpec(
        "coping_strategies",
        W_("Coping strategies"),
        (
            FieldSpec("trigger", W_("When (trigger)")),
            FieldSpec("steps", W_("Steps")),
        ),
    ),
    PartSpec(
        "support_contacts",
        W_("Support contacts"),
        (
            FieldSpec("name", W_("Name")),
            FieldSpec("phone", W_("Phone"), kind="phone"),
            FieldSpec("knows_plan", W_("Knows the plan"), required=False, kind="bool"),
            FieldSpec("may_contact", W_("Team may contact them"), required=False, kind="bool"),
        ),
    ),
    PartSpec(
        "external_controls",
        W_("External controls"),
        (
            FieldSpec("condition", W_("Condition")),
            FieldSpec(
                "source", W_("Set by"), kind="choice", choices=("court", "officer", "provider")
            ),
        ),
        texted_by_default=False,
    ),
    PartSpec(
        "approach_goals",
        W_("Approach goals (Good Lives Model)"),
        (
            FieldSpec("good", W_("The good"), kind="choice", choices=GOODS),
            FieldSpec("goal", W_("Goal")),
            FieldSpec("next_step", W_("Next step")),
        ),
    ),
)
PART_BY_KEY = {p.key: p for p in PARTS}


def empty_content() -> dict[str, Any]:
    return {p.key: [] for p in PARTS} | {"offense_chain_note": ""}


class Problem(str):
    """A validation message in English that the web layer can show in the staff's language.

    It is the English text (a ``str``: compare it, search it, log it), and keeps
    its ``template`` (marked ``W_``) and ``values`` so a page can translate it:
    ``problem.translated(_)``. A ``label`` value is a field label, translated too.
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Problem:
        problem = super().__new__(cls, template % values if values else template)
        problem.template = template
        problem.values = values
        return problem

    def translated(self, translate: Callable[[str], str]) -> str:
        """The message through ``translate`` (e.g. the web layer's ``_``)."""
        values = {k: translate(v) if k == "label" else v for k, v in self.values.items()}
        text = translate(self.template)
        return text % values if values else text


def normalise(raw: Mapping[str, Any], region: str = "US") -> tuple[dict[str, Any], dict[str, str]]:
    """Clean submitted plan content; return it with errors keyed "part.index.field".

    The cleaned content keeps everything typed (also when there are errors),
    so a form can be shown again without losing a word.
    """
    content = empty_content()
    errors: dict[str, Problem] = {}
    for part in PARTS:
        items = list(raw.get(part.key) or [])
        if len(items) > MAX_ITEMS:
            errors[f"{part.key}"] = Problem(W_("At most %(most)s items."), most=MAX_ITEMS)
        for index, item in enumerate(items):
            clean: dict[str, Any] = {"id": str(item.get("id") or uuid.uuid4().hex[:12])}
            clean["ok_to_text"] = bool(item.get("ok_to_text", False))
            for spec in part.fields:
                where = f"{part.key}.{index}.{spec.name}"
                value = item.get(spec.name)
                if spec.kind == "bool":
                    clean[spec.name] = bool(value)
                    continue
                text = " ".join(str(value or "").split())
                clean[spec.name] = text
                if not text:
                    if spec.required:
                        errors[where] = Problem(
                            W_("%(label)s: fill this in, or remove the item."), label=spec.label
                        )
                    continue
                if len(text) > MAX_FIELD:
                    errors[where] = Problem(
                        W_("%(label)s: %(length)s characters; keep it under %(most)s."),
                        label=spec.label,
                        length=len(text),
                        most=MAX_FIELD,
                    )
                elif spec.kind == "phone":
                    e164 = to_e164(text, region)
                    if e164 is None:
                        errors[where] = Problem(
                            W_("%(label)s: not a phone number, e.g. (213) 555-0123."),
                            label=spec.label,
                        )
                    else:
                        clean[spec.name] = e164
                elif spec.kind == "choice" and text not in spec.choices:
                    errors[where] = Problem(
                        W_("%(label)s: choose one of %(choices)s."),
                        label=spec.label,
                        choices=", ".join(spec.choices),
                    )
            content[part.key].append(clean)
    note = str(raw.get("offense_chain_note") or "")
    if len(note) > 5000:
        errors["offense_chain_note"] = Problem(W_("Keep the note under 5,000 characters."))
    content["offense_chain_note"] = note
    return content, errors


@dataclass(frozen=True)
class PlanLine:
    """One line a plan reminder can carry: which template, with what words."""

    item_id: str
    template: str  # a key of messaging.texts.PLAN_LINES
    params: dict[str, str]


def reminder_lines(content: Mapping[str, Any]) -> list[PlanLine]:
    """Every item marked OK to text, as a line, in plan order. Never the offense chain."""
    lines: list[PlanLine] = []
    for item in content.get("warning_signs", []):
        if item.get("ok_to_text") and item.get("response"):
            lines.append(
                PlanLine(
                    item["id"], "warning_sign", {"sign": item["sign"], "step": item["response"]}
                )
            )
    for item in content.get("thinking_errors", []):
        if item.get("ok_to_text"):
            lines.append(PlanLine(item["id"], "thought", {"thought": item["replacement"]}))
    for item in content.get("coping_strategies", []):
        if item.get("ok_to_text"):
            lines.append(
                PlanLine(item["id"], "coping", {"trigger": item["trigger"], "steps": item["steps"]})
            )
    for item in content.get("support_contacts", []):
        if item.get("ok_to_text"):
            lines.append(
                PlanLine(
                    item["id"], "support", {"contact": item["name"], "contact_phone": item["phone"]}
                )
            )
    for item in content.get("approach_goals", []):
        if item.get("ok_to_text"):
            lines.append(
                PlanLine(item["id"], "goal", {"goal": item["goal"], "step": item["next_step"]})
            )
    for item in content.get("high_risk_situations", []):
        if item.get("ok_to_text") and item.get("handling") == "avoid":
            lines.append(PlanLine(item["id"], "avoid", {"situation": item["situation"]}))
    for item in content.get("external_controls", []):
        if item.get("ok_to_text"):
            lines.append(PlanLine(item["id"], "control", {"condition": item["condition"]}))
    return lines


def next_line(lines: list[PlanLine], recently_sent: Iterable[str]) -> PlanLine | None:
    """The next line to send: the first not sent since every line last went out.

    ``recently_sent`` is the item ids of past reminders, newest first. A line
    repeats only after all the others have gone out once more.
    """
    if not lines:
        return None
    ids = {line.item_id for line in lines}
    seen: set[str] = set()
    for item_id in recently_sent:
        if item_id not in ids:
            continue
        if len(seen | {item_id}) == len(ids):
            break  # a full cycle back: everything before this is an older cycle
        seen.add(item_id)
    for line in lines:
        if line.item_id not in seen:
            return line
    return lines[0]


# -- discretion: what an item marked "OK to text" may not say ---------------------------

# The fields of each part that reminder_lines() puts into a text. Only these are
# checked: a staff-facing field (a linked need, a supervision condition) may
# name anything, since it never leaves the page.
TEXTED_FIELDS: dict[str, tuple[str, ...]] = {
    "warning_signs": ("sign", "response"),
    "high_risk_situations": ("situation",),
    "thinking_errors": ("replacement",),
    "coping_strategies": ("trigger", "steps"),
    "support_contacts": ("name",),
    "external_controls": ("condition",),
    "approach_goals": ("goal", "next_step"),
}

# Words a text read on a lock screen or a shared phone must not carry (DOMAIN.md,
# "Texting rules": nothing about sex, offense, probation, court or treatment).
# A trailing "*" matches any ending ("victim*": victims, victimised). English
# and Spanish are matched without accents and case ("victima" = "víctima");
# Vietnamese keeps its tone marks, which tell its words apart.
# Left out on purpose, as too common in harmless sentences: "judge" (as in
# "judge myself"), "conviction", a bare "sex*" (Spanish "sexto" is "sixth"),
# Spanish "corte" (also "a cut", a haircut).
INDISCREET_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "offense*",
        "offence*",
        "offender*",
        "offending",
        "victim*",
        "court",
        "courts",
        "courtroom*",
        "courthouse*",
        "probation*",
        "parole*",
        "treatment*",
        "therap*",
        "sex",
        "sexes",
        "sexual*",
        "sexting",
        "sexy",
        "crime*",
        "criminal*",
        "convicted",
        "polygraph*",
        "jail*",
        "prison*",
        "registrant*",
        "porn*",
        "molest*",
    ),
    "es": (
        "delito*",
        "delincuen*",
        "ofensa*",
        "víctima*",
        "tribunal*",
        "juzgado*",
        "juez",
        "jueza",
        "libertad condicional",
        "probatoria*",
        "tratamiento*",
        "terapia*",
        "terapeuta*",
        "sexo*",
        "sexual*",
        "crimen*",
        "cárcel*",
        "prisión*",
        "polígrafo*",
        "pornograf*",
    ),
    "vi": (
        "tội phạm",
        "phạm tội",
        "nạn nhân",
        "tòa án",
        "toà án",
        "thẩm phán",
        "quản chế",
        "tạm tha",
        "điều trị",
        "trị liệu",
        "tình dục",
        "khiêu dâm",
        "nhà tù",
        "án treo",
    ),
}
_FOLDED_LANGUAGES = ("en", "es")


def _fold_char(char: str, keep_marks: bool) -> str:
    # One character in, one out, so a match's position is also its place in
    # the text as typed (and the error can quote the word as typed).
    low = char.lower()
    if len(low) != 1:
        low = char
    if keep_marks:
        return low
    base = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    return base if len(base) == 1 else low


def _pattern(entry: str, keep_marks: bool) -> re.Pattern[str]:
    prefix = entry.endswith("*")
    words = entry.rstrip("*").split()
    folded = [
        "".join(_fold_char(c, keep_marks) for c in unicodedata.normalize("NFC", w)) for w in words
    ]
    body = r"\s+".join(re.escape(w) for w in folded)
    if prefix:
        body += r"\w*"
    return re.compile(r"(?<!\w)" + body + r"(?!\w)")


_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = tuple(
    (_pattern(entry, lang not in _FOLDED_LANGUAGES), lang not in _FOLDED_LANGUAGES)
    for lang, entries in INDISCREET_WORDS.items()
    for entry in entries
)


def indiscreet_word(text: str, more: Mapping[str, WordList] | None = None) -> str | None:
    """The first word in ``text`` (as typed) that could give the client away, else None.

    ``more``: every shipped language's ``discretion`` list (``messaging.compose.
    discretion_lists()``), checked after the hand-tuned lists above.
    """
    text = unicodedata.normalize("NFC", text or "")
    forms = {keep: "".join(_fold_char(c, keep) for c in text) for keep in (True, False)}
    found: list[tuple[int, int]] = []
    for pattern, keep_marks in _PATTERNS:
        match = pattern.search(forms[keep_marks])
        if match:
            found.append(match.span())
    if not found:
        others = indiscreet_words(text, more) if more else []
        return others[0] if others else None
    start, end = min(found)
    return text[start:end]


def discretion_errors(
    content: Mapping[str, Any], more: Mapping[str, WordList] | None = None
) -> dict[str, str]:
    """Errors keyed "part.index.field" for items marked OK to text that name too much."""
    errors: dict[str, Problem] = {}
    for part_key, field_names in TEXTED_FIELDS.items():
        part = PART_BY_KEY[part_key]
        labels = {spec.name: spec.label for spec in part.fields}
        for index, item in enumerate(content.get(part_key, [])):
            if not item.get("ok_to_text"):
                continue
            for name in field_names:
                word = indiscreet_word(str(item.get(name) or ""), more)
                if word:
                    errors[f"{part_key}.{index}.{name}"] = Problem(
                        W_(
                            '%(label)s: "%(word)s" could give the client away to anyone who '
                            'sees the text. Use neutral words (such as "my appointment", "that '
                            'place", "my plan"), or untick "OK to text".'
                        ),
                        label=labels[name],
                        word=word,
                    )
    return errors


def crisis_contact(content: dict[str, Any]) -> dict[str, str] | None:
    """The support contact a crisis reply may name: the first one cleared for texts.

    Only a contact the provider marked OK to text (so the name already passed
    the discretion check) and with a phone number to call.
    """
    for item in content.get("support_contacts", []):
        if item.get("ok_to_text") and item.get("phone") and item.get("name"):
            return {"contact": item["name"], "contact_phone": item["phone"]}
    return None
