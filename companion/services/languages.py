"""Which text languages may be sent: the admin's approvals, and what a client gets.

The admin's Languages page lists the shipped languages with their translator review
(translations/review.json) and whether an admin approved them for sending; approving
or withdrawing is audited (``language.approved``, ``language.withdrawn``). The choice
itself is ``messaging.languages.choose``, the one function the dispatcher uses too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.care.roles import Action, check
from companion.messaging.i18n import SOURCE_LANGUAGE, review_of, shipped_languages
from companion.messaging.languages import OWN, LanguagePolicy, Why, choose, load_policy
from companion.models import Client, LanguageApproval, StaffUser
from companion.services import audit

MAX_NOTE = 500


@dataclass(frozen=True)
class LanguageStatus:
    """One row of the admin's Languages page."""

    language: str
    review: str  # "source", "drafted" or "reviewed" (translations/review.json)
    approved: bool  # by an admin, for sending in production
    approved_by: str | None
    approved_at: datetime | None
    note: str
    sent_as_is: bool  # texts go out in it where we run now

    @property
    def drafted(self) -> bool:
        """A drafted translation nobody qualified has reviewed: marked on every page."""
        return self.review == "drafted"


def statuses(
    session: Session, *, production: bool, hold_unreviewed: bool = False
) -> list[LanguageStatus]:
    """Every shipped language, English first, with its review and approval."""
    rows = {row.language: row for row in session.scalars(select(LanguageApproval))}
    names = _names(session, [r.approved_by_id for r in rows.values() if r.approved_by_id])
    policy = LanguagePolicy(
        production=production,
        approved=frozenset(k for k, r in rows.items() if r.approved),
        hold_unreviewed=hold_unreviewed,
    )
    found = []
    for language in shipped_languages():
        row = rows.get(language)
        review = review_of(language)
        found.append(
            LanguageStatus(
                language=language,
                review="source"
                if language == SOURCE_LANGUAGE
                else ("reviewed" if review.reviewed else "drafted"),
                approved=bool(row and row.approved),
                approved_by=names.get(row.approved_by_id) if row and row.approved_by_id else None,
                approved_at=row.approved_at if row else None,
                note=row.note if row else "",
                sent_as_is=choose(language, policy)[1] in OWN,
            )
        )
    return found


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {staff_id: name for staff_id, name in rows}


def set_approval(
    session: Session, language: str, approved: bool, actor: StaffUser, now: datetime, note: str = ""
) -> LanguageApproval:
    """Approve ``language`` for sending, or withdraw the approval; audited, committed."""
    check(actor.role, Action.APPROVE_LANGUAGES)
    if language not in shipped_languages() or language == SOURCE_LANGUAGE:
        raise ValueError(f"not a translated language: {language!r}")
    row = session.get(LanguageApproval, language)
    if row is None:
        row = LanguageApproval(language=language)
        session.add(row)
    row.approved = approved
    row.approved_by_id = actor.id
    row.approved_at = now
    row.note = " ".join((note or "").split())[:MAX_NOTE]
    audit.record(
        session,
        "language.approved" if approved else "language.withdrawn",
        now=now,
        actor=actor,
        details={"language": language, "note": row.note},
    )
    session.commit()
    return row


def language_in_use(
    session: Session,
    client: Client,
    *,
    production: bool,
    fallback: str = SOURCE_LANGUAGE,
    hold_unreviewed: bool = False,
) -> tuple[str, Why]:
    """The language ``client``'s texts go out in now, and why (for the client page).

    ``Why.NOT_APPROVED``: their language is a drafted translation no admin approved
    for sending yet, so they get ``fallback``; ``Why.DRAFTED``: sent as drafted
    (development, demo, testing); ``Why.APPROVED``/``Why.REVIEWED``: their own.
    ``runtime.language_in_use(client)`` passes the running app's settings.
    """
    policy = load_policy(
        session, production=production, fallback=fallback, hold_unreviewed=hold_unreviewed
    )
    return choose(client.language, policy)
