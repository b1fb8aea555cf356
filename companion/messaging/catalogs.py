"""Catalog health: every shipped catalog is complete, not fuzzy, and keeps the placeholders.

Run as ``python -m companion.messaging.catalogs`` (``make translations-check``,
part of ``make test``): prints ``file:line: problem`` for each fault and
exits 1 if there is any. The template ``translations/messages.pot`` must also
hold every string the code marks, so a string added without running
``make translations-update`` fails here too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from companion.messaging.i18n import TRANSLATIONS_DIR
from companion.messaging.texts import ALERT_EMAILS, KINDS, NUDGE, PLAN_LINES, QUESTIONS, TEAM, WHERE

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def placeholders(text: str) -> list[str]:
    """The named placeholders of ``text``, sorted (``%%`` is not one)."""
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def source_strings() -> set[str]:
    """Every text and alert email source string the code defines."""
    strings = {TEAM, WHERE, NUDGE, *QUESTIONS.values(), *PLAN_LINES.values()}
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


def problems(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Every fault in the catalogs under ``directory``, as ``file:line: what``."""
    found: list[str] = []
    pot_path = directory / "messages.pot"
    if not pot_path.exists():
        return [f"{pot_path}: missing (run make translations-update)"]
    template = _read(pot_path)
    template_ids = {m.id for m in template if m.id}
    for missing in sorted(source_strings() - template_ids):
        found.append(f"{pot_path}: lacks {missing[:50]!r}... (run make translations-update)")

    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        catalog = _read(po_path)
        ids = {m.id for m in catalog if m.id}
        for missing in sorted(template_ids - ids):
            found.append(
                f"{po_path}: lacks {str(missing)[:50]!r}... (run make translations-update)"
            )
        for message in catalog:
            if not message.id:
                continue
            where = f"{po_path}:{message.lineno}"
            msgids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                found.append(f"{where}: fuzzy (review it, then remove the fuzzy flag)")
            if not all(strings):
                found.append(f"{where}: not translated")
                continue
            expected = placeholders(msgids[-1])
            for text in strings:
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
    print("catalogs: complete, no fuzzy entries, placeholders match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
