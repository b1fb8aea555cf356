"""The one place a client's text language is chosen (issue 16, item 6).

A catalog drafted by the developers and not yet reviewed by a qualified translator
(translations/review.json) is sent in production only once an admin has approved it
for sending (``language_approvals``, services/languages.py). Until then the client gets
the fallback language (``LANGUAGE_FALLBACK``, English by default) and the client page
says why. In development, demo and testing every shipped language is approved, and
pages mark a drafted one as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.messaging.i18n import SOURCE_LANGUAGE, review_of, supported
from companion.models import LanguageApproval


class Why(StrEnum):
    """Why texts go out in the language they do."""

    REVIEWED = "reviewed"  # the source language, or signed off by a translator
    APPROVED = "approved"  # drafted, approved for sending by an admin
    DRAFTED = "drafted"  # drafted, sent as is outside production
    NOT_APPROVED = "not_approved"  # drafted, not approved: the fallback instead
    NOT_REVIEWED = "not_reviewed"  # HOLD_UNREVIEWED_LANGUAGES is on: English instead
    NO_CATALOG = "no_catalog"  # no catalog ships for it: English instead


# The client's own language was used.
OWN = frozenset({Why.REVIEWED, Why.APPROVED, Why.DRAFTED})


@dataclass(frozen=True)
class LanguagePolicy:
    """What decides the sending language: where we run, and what an admin approved."""

    production: bool = False
    approved: frozenset[str] = field(default_factory=frozenset)
    fallback: str = SOURCE_LANGUAGE
    hold_unreviewed: bool = False


def choose(language: str | None, policy: LanguagePolicy) -> tuple[str, Why]:
    """The language a client's texts go out in, and why."""
    chosen = supported(language)
    if chosen != (language or SOURCE_LANGUAGE):
        return SOURCE_LANGUAGE, Why.NO_CATALOG
    if review_of(chosen).reviewed:
        return chosen, Why.REVIEWED
    if policy.hold_unreviewed:
        return SOURCE_LANGUAGE, Why.NOT_REVIEWED
    if not policy.production:
        return chosen, Why.DRAFTED
    if chosen in policy.approved:
        return chosen, Why.APPROVED
    fallback = supported(policy.fallback)
    if fallback != chosen and (review_of(fallback).reviewed or fallback in policy.approved):
        return fallback, Why.NOT_APPROVED
    return SOURCE_LANGUAGE, Why.NOT_APPROVED


def approved_languages(session: Session) -> frozenset[str]:
    """The languages an admin has approved for sending (a handful of rows)."""
    return frozenset(
        session.scalars(
            select(LanguageApproval.language).where(LanguageApproval.approved.is_(True))
        )
    )


def load_policy(
    session: Session,
    *,
    production: bool,
    fallback: str = SOURCE_LANGUAGE,
    hold_unreviewed: bool = False,
) -> LanguagePolicy:
    """The policy as of now: approvals are only read where they matter (production)."""
    approved = approved_languages(session) if production else frozenset()
    return LanguagePolicy(production, approved, fallback, hold_unreviewed)
