"""Gettext catalogs for texts and pages, loaded straight from the ``.po`` files.

Catalogs are read from ``companion/translations/<lang>/LC_MESSAGES/messages.po``
(package data, found relative to the package so an installed copy works) and
compiled in memory when first used, so a stale ``.mo`` can never be served.
Fuzzy entries are left out, exactly as ``pybabel compile`` would.
"""

from __future__ import annotations

import gettext
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, don't translate"
    """Mark a string for extraction without translating it here."""
    return message


def shipped_languages() -> list[str]:
    """Languages with a catalog, English (the source language) first."""
    return list(_shipped())


@cache
def _shipped() -> tuple[str, ...]:
    # Read once per process, like the catalogs themselves (translations_for):
    # supported() runs for every text sent, and a directory walk per text was a
    # tenth of the dispatcher's own time (docs/performance.md).
    found = sorted(p.parent.parent.name for p in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def supported(language: str | None) -> str:
    """``language`` if a catalog ships for it, otherwise English."""
    if language and language in _shipped():
        return language
    return SOURCE_LANGUAGE


@cache
def translations_for(language: str, domain: str = "messages") -> gettext.NullTranslations:
    """The translations for ``language`` (English and unknown languages: identity).

    ``domain`` is ``messages`` for texts and alerts (every shipped language)
    or ``web`` for the staff pages (English and Spanish).
    """
    po = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if language == SOURCE_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def language_name(language: str) -> str:
    """The language's own name for itself, e.g. "español"."""
    try:
        return Locale.parse(language).get_display_name(language) or language
    except (ValueError, LookupError):
        return language


# -- review status --------------------------------------------------------------------------

REVIEW_FILE = TRANSLATIONS_DIR / "review.json"


@dataclass(frozen=True)
class Review:
    """Who vouches for a language's catalog: drafted, or reviewed by a named translator."""

    language: str
    status: str  # "source", "drafted" or "reviewed"
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    notes: str = ""

    @property
    def reviewed(self) -> bool:
        """English (the source), or signed off by a named translator on a date."""
        if self.status == "source":
            return True
        return self.status == "reviewed" and bool(self.reviewed_by and self.reviewed_on)


@cache
def _reviews() -> dict[str, dict]:
    raw = json.loads(REVIEW_FILE.read_text(encoding="utf-8"))
    return {lang: entry for lang, entry in raw.items() if not lang.startswith("_")}


def review_of(language: str) -> Review:
    """The review status of ``language``'s catalog ("drafted" when nothing is recorded)."""
    entry = _reviews().get(language, {})
    status = "source" if language == SOURCE_LANGUAGE else entry.get("status", "drafted")
    return Review(
        language=language,
        status=status,
        reviewed_by=entry.get("reviewed_by"),
        reviewed_on=entry.get("reviewed_on"),
        notes=entry.get("notes", ""),
    )


def sending_language(language: str | None, *, hold_unreviewed: bool) -> str:
    """The language a client's texts go out in.

    Their own when a catalog ships for it and, if ``hold_unreviewed`` (the
    ``HOLD_UNREVIEWED_LANGUAGES`` setting), a qualified translator has
    reviewed it; English otherwise (the client page says so).
    """
    chosen = supported(language)
    if hold_unreviewed and not review_of(chosen).reviewed:
        return SOURCE_LANGUAGE
    return chosen
