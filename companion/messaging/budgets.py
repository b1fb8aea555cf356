"""What each text may cost, and every text rendered at its realistic worst.

Budgets (issue 16, DOMAIN.md "Languages"): a check-in, a plan reminder or an
appointment notice is one segment in a GSM-7 language and two in a UCS-2 one
(70 characters a part); a reply to a crisis is at most two segments in every
language; anything else keeps its kind's own ``budget`` (texts.py). Kinds are
grouped by name, so a kind added later falls under its group's rule at once.

``samples(language)`` renders every kind, every check-in question (plain and
"simple words", with and without the nudge after a missed one), every plan
line, with and without a phone number, using long-ish but realistic values
within the forms' limits. The tests (tests/test_texts_budgets.py) and the
table in docs/texts.md (``python -m companion.messaging.budgets``) read it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

from companion.messaging.compose import Rendered, render
from companion.messaging.i18n import shipped_languages
from companion.messaging.texts import (
    ACKNOWLEDGEMENT_KINDS,
    KINDS,
    PLAN_LINES,
    QUESTIONS,
    SIMPLE_TEMPLATES,
)

# Long-ish, realistic values: an 11-letter first name, a street address with a suite.
SAMPLE: dict[str, object] = {
    "name": "Maximiliano",
    "phone": "(213) 555-0100",
    "program": "Companion",
}
# A Wednesday in September, at 11:30 AM in Los Angeles: the longest weekday and month names.
APPOINTMENT = {
    "at": "2026-09-30T18:30:00+00:00",
    "timezone": "America/Los_Angeles",
    "location": "Suite 4, 210 W Harbor Blvd",  # 26 characters: see docs/texts.md
}
# The words a provider might put in a plan line, at a realistic length.
LINE_WORDS = {
    "sign": "I stop answering my phone",
    "step": "call my brother",
    "thought": "one bad day is not a bad life",
    "trigger": "I feel alone at night",
    "steps": "go for a walk or call my brother",
    "contact": "Brother Daniel",
    "contact_phone": "+12135550142",
    "goal": "get my forklift card",
    "situation": "places I used to drink",
    "condition": "home by 9 PM on weeknights",
}
CONTACT = {"contact": "Brother Daniel", "contact_phone": "+12135550142"}
LINK = "https://companion.example.org/e/123456"
PARAMS_FOR: dict[str, dict[str, object]] = {
    "checkin_prompt": {"topic": "people"},
    "checkin_reminder": {"topic": "people"},
    "clarify_rating": {"low": 0, "high": 10},
    "clarify_choice": {"choices": "A, B, C"},
    "plan_reminder": {"line_template": "goal", "line_words": LINE_WORDS},
    "crisis_urge_contact": CONTACT,
    "staff_alert": {"code": "4821", "link": LINK},
    "staff_alert_urgent": {"code": "4821", "link": LINK},
    "staff_alert_release": {
        "code": "4821",
        "link": LINK,
        "release": "supervision, signed 2026-12-07",
    },
    "staff_alert_urgent_release": {
        "code": "4821",
        "link": LINK,
        "release": "supervision, signed 2026-12-07",
    },
    "staff_ack": {"code": "4821"},
    "staff_channel_change": {"link": LINK},
    "call_back": {"at": APPOINTMENT["at"], "timezone": APPOINTMENT["timezone"]},
    # An acknowledgement names the client's own coping step or support contact.
    **{k: {"step": LINE_WORDS["steps"]} for k in ACKNOWLEDGEMENT_KINDS if "step" in k},
    **{k: CONTACT for k in ACKNOWLEDGEMENT_KINDS if "contact" in k},
}

# Groups of kinds by name: (segments in a GSM-7 language, segments in a UCS-2 one).
ONE_TEXT = (1, 2)
CRISIS = (2, 2)
GROUPS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("crisis_", CRISIS),
    ("checkin_prompt", ONE_TEXT),
    ("checkin_reminder", ONE_TEXT),
    ("plan_reminder", ONE_TEXT),
    ("appt_", ONE_TEXT),
    ("ack_", ONE_TEXT),
    ("checkin_thanks", ONE_TEXT),
)


def params_for(kind: str) -> dict[str, object]:
    """The worst-case values for ``kind``."""
    if kind.startswith("appt_"):
        return {**SAMPLE, **APPOINTMENT}
    return {**SAMPLE, **PARAMS_FOR.get(kind, {})}


def budget(kind: str, encoding: str) -> int:
    """Most segments ``kind`` may cost when its text is in ``encoding``."""
    for prefix, (gsm, ucs) in GROUPS:
        if kind.startswith(prefix):
            return gsm if encoding == "GSM-7" else ucs
    return KINDS[kind].budget


@dataclass(frozen=True)
class Sample:
    label: str  # the kind, or "kind:topic" / "kind:line" for a question or plan line
    kind: str
    rendered: Rendered


def samples(language: str) -> Iterator[Sample]:
    """Every text ``language`` can send, at its realistic worst."""
    for with_phone in (True, False):
        for kind in sorted(KINDS):
            params = params_for(kind)
            if not with_phone:
                if not KINDS[kind].no_phone_template:
                    continue
                params = {k: v for k, v in params.items() if k != "phone"}
            yield Sample(kind, kind, render(kind, language, params))
            if kind in SIMPLE_TEMPLATES and with_phone:
                yield Sample(f"{kind}:simple", kind, render(kind, language, params | {
                    "simple": True}))  # fmt: skip
    for topic in sorted(QUESTIONS):
        for kind in ("checkin_prompt", "checkin_reminder"):
            for simple in (False, True):
                nudges = (False, True) if kind == "checkin_prompt" else (False,)
                for nudge in nudges:
                    label = (
                        f"{kind}:{topic}{':simple' if simple else ''}{':nudge' if nudge else ''}"
                    )
                    params = SAMPLE | {"topic": topic, "simple": simple, "nudge": nudge}
                    yield Sample(label, kind, render(kind, language, params))
    for line in sorted(PLAN_LINES):
        params = SAMPLE | {"line_template": line, "line_words": LINE_WORDS}
        yield Sample(
            f"plan_reminder:{line}", "plan_reminder", render("plan_reminder", language, params)
        )


def over_budget(language: str) -> list[str]:
    """Every sample of ``language`` that costs more than its budget, described."""
    found = []
    for sample in samples(language):
        r = sample.rendered
        most = budget(sample.kind, r.encoding)
        if r.segments > most:
            found.append(
                f"{language} {sample.label} ({r.segments} segments {r.encoding}, "
                f"{len(r.body)} characters, budget {most})"
            )
    return found


def table() -> str:
    """The docs/texts.md table: the most segments each kind costs, per language."""
    languages = shipped_languages()
    worst: dict[str, dict[str, Rendered]] = {}
    for language in languages:
        for sample in samples(language):
            held = worst.setdefault(sample.kind, {}).get(language)
            if held is None or sample.rendered.segments > held.segments:
                worst[sample.kind][language] = sample.rendered
    lines = [
        "| Kind | Budget (GSM-7 / UCS-2) | " + " | ".join(f"`{lang}`" for lang in languages) + " |",
        "|---|---|" + "---|" * len(languages),
    ]
    for kind in sorted(worst):
        cells = []
        for language in languages:
            r = worst[kind][language]
            mark = "G" if r.encoding == "GSM-7" else "U"
            flag = " ⚠" if r.segments > budget(kind, r.encoding) else ""
            cells.append(f"{r.segments} {mark}{flag}")
        limits = f"{budget(kind, 'GSM-7')} / {budget(kind, 'UCS-2')}"
        lines.append(f"| `{kind}` | {limits} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
    sys.exit(0)
