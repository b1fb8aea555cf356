"""Gettext catalogs for texts and pages, loaded straight from the ``.po`` files.

Catalogs are read from ``translations/<lang>/LC_MESSAGES/messages.po`` and
compiled in memory when first used, so a stale ``.mo`` can never be served.
Fuzzy entries are left out, exactly as ``pybabel compile`` would.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"
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
