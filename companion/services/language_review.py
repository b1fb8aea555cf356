"""Which words Companion reads replies with, per language, and who reviewed them (issue 14).

Each language's phrases (``translations/<lang>/words.json``) carry a review status: drafted
until a qualified clinician and translator have read them. The admin's "Understanding" page
shows it, with how many phrases each risk category has. No client data is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.messaging.i18n import language_name
from companion.messaging.understanding import Signal, review_status


@dataclass(frozen=True)
class LanguageReview:
    language: str
    name: str
    status: str  # "drafted", "reviewed", ... as the words file says
    reviewed_by: str | None
    reviewed_at: str | None
    # Phrases per risk category (the categories the language lists; others are 0).
    phrases: dict[str, int] = field(default_factory=dict)


def language_reviews() -> tuple[list[LanguageReview], list[str]]:
    """Each language's review, English first, and the risk categories to show as columns
    (every Signal, then any other category a words file still uses)."""
    found: dict[str, dict[str, Any]] = review_status()
    categories = [str(s) for s in Signal]
    for entry in found.values():
        for category in entry.get("phrases") or {}:
            if category not in categories:
                categories.append(category)
    reviews = [
        LanguageReview(
            language=code,
            name=language_name(code),
            status=str(entry.get("status") or "drafted"),
            reviewed_by=entry.get("reviewed_by"),
            reviewed_at=entry.get("reviewed_at"),
            phrases=dict(entry.get("phrases") or {}),
        )
        for code, entry in found.items()
    ]
    reviews.sort(key=lambda r: (r.language != "en", r.language))
    return reviews, categories
