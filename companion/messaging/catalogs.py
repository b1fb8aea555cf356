"""Catalog health: every shipped catalog is complete, not fuzzy, and keeps the placeholders.

Texts (the ``messages`` domain) must also carry no never-use word of any
language (``words.json`` ``discretion``), in the source or a translation.

Run as ``python -m companion.messaging.catalogs`` (``make translations-check``,
part of ``make test``): prints ``file:line: problem`` for each fault and
exits 1 if there is any. The template ``companion/translations/messages.pot`` must
also hold every string the code marks, and ``web.pot`` beside it every string
the staff pages mark, so a string added without running
``make translations-update`` fails here too. Two domains: ``messages``
(texts and alerts, every shipped language) and ``web`` (staff pages, the
languages with a ``web.po``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from companion.care.discretion import indiscreet_words
from companion.messaging.compose import discretion_lists
from companion.messaging.i18n import TRANSLATIONS_DIR
from companion.messaging.texts import (
    ALERT_EMAILS,
    GOAL_FALLBACK,
    KINDS,
    NUDGE,
    PLAN_LINES,
    QUESTIONS,
    SIMPLE_QUESTIONS,
    SIMPLE_TEMPLATES,
    TEAM,
    WHERE,
)

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def placeholders(text: str) -> list[str]:
    """The named placeholders of ``text``, sorted (``%%`` is not one)."""
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def source_strings() -> set[str]:
    """Every text and alert email source string the code defines."""
    strings = {TEAM, WHERE, NUDGE, GOAL_FALLBACK, *QUESTIONS.values(), *PLAN_LINES.values()}
    strings |= {*SIMPLE_QUESTIONS.values(), *SIMPLE_TEMPLATES.values()}
    for email in ALERT_EMAILS.values():
        strings |= {email.subject, email.body}
    for spec in KINDS.values():
        strings.add(spec.template)
        if spec.no_phone_template:
            strings.add(spec.no_phone_template)
    return strings


def _read(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def web_strings() -> set[str]:
    """Every string the staff pages mark (``_``, ``L_``, ``ngettext``, ``{% trans %}``,
    and ``W_`` for labels defined in the domain)."""
    package = Path(__file__).resolve().parents[1]
    found: set[str] = set()
    keywords = {"_": None, "L_": None, "W_": None, "gettext": None, "ngettext": (1, 2)}
    for folder, method_map in (
        ("web", [("**.py", "python"), ("templates/**.html", "jinja2")]),
        ("care", [("**.py", "python")]),
        ("models", [("message.py", "python")]),
    ):
        for _, _, message, _, _ in extract_from_dir(
            package / folder, method_map, keywords=keywords
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def problems(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Every fault in the catalogs under ``directory``, as ``file:line: what``."""
    found: list[str] = []
    for domain, strings in (("messages", source_strings()), ("web", web_strings())):
        found += _domain_problems(directory, domain, strings)
    return found


def _domain_problems(directory: Path, domain: str, strings: set[str]) -> list[str]:
    found: list[str] = []
    pot_path = directory / f"{domain}.pot"
    if not pot_path.exists():
        return [f"{pot_path}: missing (run make translations-update)"]
    template = _read(pot_path)
    template_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    for missing in sorted(strings - template_ids):
        found.append(f"{pot_path}: lacks {missing[:50]!r}... (run make translations-update)")

    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{domain}.po")):
        catalog = _read(po_path)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        for missing in sorted(template_ids - ids):
            found.append(
                f"{po_path}: lacks {str(missing)[:50]!r}... (run make translations-update)"
            )
        for message in catalog:
            if not message.id:
                continue
            where = f"{po_path}:{message.lineno}"
            msgids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings_ = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                found.append(f"{where}: fuzzy (review it, then remove the fuzzy flag)")
            if not all(strings_):
                found.append(f"{where}: not translated")
                continue
            if domain == "messages":  # what a client reads: discreet in every language
                for text in (*msgids, *strings_):
                    words = indiscreet_words(text, discretion_lists())
                    if words:
                        found.append(f"{where}: never-use word(s) {words} (words.json discretion)")
            expected = placeholders(msgids[-1])
            for text in strings_:
                got = placeholders(text)
                if got != expected:
                    found.append(f"{where}: placeholders {got} differ from the source's {expected}")
    return found


def main() -> int:
    faults = problems()
    for line in faults:
        print(line)
    if faults:
        print(f"{len(faults)} catalog problem(s)")
        return 1
    print("catalogs: complete, no fuzzy entries, placeholders match, no never-use words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
