"""The release of information in the database: record it, read it, say who is told what.

The rules are in ``care/release.py`` (which category an alert falls in, whether the
officer may hear it); this module reads the client's rows (the newest per category is
in force), records a change (a new row, a ledger line, an audit line, one short text
to the client when what they were told changes), notices expired releases (one task
for the provider each), and builds the "who is told what" table for the client page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.care.release import (
    CATEGORIES,
    Basis,
    Category,
    Grant,
    Reach,
    category_of,
    client_reach,
    officer_basis,
)
from companion.care.roles import Action, check
from companion.messaging.outbox import enqueue
from companion.models import (
    Client,
    ConsentEvent,
    ConsentKind,
    Direction,
    Escalation,
    Message,
    Outcome,
    Release,
    StaffUser,
    Task,
    TaskStatus,
)
from companion.services import audit

# The enrollment text per reach (messaging/texts.py): who sees the client's answers.
WHO_SEES_KIND = {Reach.TEAM: "who_sees_team", Reach.MISSED: "who_sees_missed",
                 Reach.ALL: "who_sees_all"}  # fmt: skip
EXPIRED_TASK = "release_expired"
# What a client under the containment model normally signs (DOMAIN.md): the demo and the
# simulated caseloads record it; a real client's release is whatever they signed.
CONTAINMENT_RELEASE = (Category.ATTENDANCE, Category.ADHERENCE)


def client_today(client: Client, now: datetime) -> date:
    """The client's local date: a release signed "until 31 December" holds all that day."""
    return now.astimezone(ZoneInfo(client.timezone or "America/Los_Angeles")).date()


def _grant(row: Release) -> Grant:
    return Grant(Category(row.category), row.granted, row.signed_on, row.expires_on)


def latest(session: Session, client_id: int) -> dict[Category, Release | None]:
    """The row in force per category (the newest), None where nothing was ever recorded."""
    newest = (
        select(func.max(Release.id))
        .where(Release.client_id == client_id)
        .group_by(Release.category)
        .scalar_subquery()
    )
    rows = session.scalars(select(Release).where(Release.id.in_(newest))).all()
    found = {Category(r.category): r for r in rows if r.category in set(CATEGORIES)}
    return {category: found.get(category) for category in CATEGORIES}


def history(session: Session, client_id: int) -> list[Release]:
    """Every release row of the client, newest first (the release page's history)."""
    return list(
        session.scalars(
            select(Release)
            .where(Release.client_id == client_id)
            .order_by(Release.recorded_at.desc(), Release.id.desc())
        )
    )


def grants(session: Session, client: Client) -> dict[Category, Grant | None]:
    return {c: (_grant(r) if r else None) for c, r in latest(session, client.id).items()}


@dataclass(frozen=True)
class OfficerBasis:
    """What an alert to the officer relies on: the rule's answer and the row, if any."""

    basis: Basis
    release: Release | None


def basis_for(session: Session, client: Client, reason: str, now: datetime) -> OfficerBasis | None:
    """What lets the officer hear an alert for ``reason`` about ``client`` now, or None."""
    category = category_of(reason)
    row = latest(session, client.id)[category]
    basis = officer_basis(category, _grant(row) if row else None, client_today(client, now))
    if basis is None:
        return None
    return OfficerBasis(basis, row if basis.grant is not None else None)


def record(
    session: Session,
    client: Client,
    category: Category,
    granted: bool,
    signed_on: date,
    expires_on: date | None,
    actor: StaffUser,
    now: datetime,
    note: str = "",
) -> Release:
    """Record the client's release for ``category`` (a new row: history is kept).

    Also a consent-ledger line, an audit line, and (when what the client was told
    about who sees their answers changes) one short text to the client. Commits.
    """
    check(actor.role, Action.EDIT_RELEASE)
    before = client_reach(grants(session, client), client_today(client, now))
    row = Release(
        client_id=client.id,
        category=category.value,
        granted=granted,
        signed_on=signed_on,
        expires_on=expires_on,
        recorded_by_id=actor.id,
        recorded_at=now,
        note=note.strip()[:300],
    )
    session.add(row)
    session.flush()
    if category == Category.CHANNEL:
        # The old single flag meant exactly this; code that still reads it stays true.
        client.roi_officer_contact = granted and (expires_on is None or expires_on >= signed_on)
    session.add(
        ConsentEvent(
            client_id=client.id,
            at=now,
            kind=ConsentKind.ROI_CHANGED,
            recorded_by_id=actor.id,
            roi_officer_contact=bool(client.roi_officer_contact),
        )
    )
    audit.record(
        session,
        "release.recorded",
        now=now,
        actor=actor,
        subject=client,
        details={"category": category.value, "granted": granted,
                 "expires_on": expires_on.isoformat() if expires_on else None},
    )  # fmt: skip
    after = client_reach(grants(session, client), client_today(client, now))
    if after != before and _told_before(session, client):
        # Never told yet (recorded before the first text): the enrollment text will say it.
        tell_client(session, client, now, update=True)
    session.commit()
    return row


def _told_before(session: Session, client: Client) -> bool:
    return (
        session.scalar(
            select(Message.id)
            .where(Message.client_id == client.id, Message.kind.in_(WHO_SEES_KIND.values()))
            .limit(1)
        )
        is not None
    )


def follow_flag(session: Session, client: Client, actor: StaffUser, now: datetime) -> None:
    """The client form's box "the officer may hear of contact changes" is the channel release:
    record a row when it differs from the one in force (the caller keeps the ledger, commits).
    """
    row = latest(session, client.id)[Category.CHANNEL]
    granted = bool(client.roi_officer_contact)
    if row is not None and row.granted == granted and row.expires_on is None:
        return
    if row is None and not granted:
        return  # nothing on file and nothing granted: nothing to say
    session.add(
        Release(
            client_id=client.id, category=Category.CHANNEL.value, granted=granted,
            signed_on=client_today(client, now), expires_on=None, recorded_by_id=actor.id,
            recorded_at=now, note="from the client form",
        )
    )  # fmt: skip


def tell_client(session: Session, client: Client, now: datetime, *, update: bool = False) -> None:
    """Queue the text telling the client who sees their answers (from their release).

    At enrollment once (the outbox drops a second one with the same key); after a
    change of release, one update per change. Only to a client we may text.
    """
    if not client.can_be_texted:
        return
    reach = client_reach(grants(session, client), client_today(client, now))
    key = f"who_sees:{client.id}:{now.isoformat()}" if update else f"who_sees:{client.id}"
    enqueue(session, kind=WHO_SEES_KIND[reach], dedupe_key=key, client_id=client.id, now=now)


def review_expired(session: Session, now: datetime) -> int:
    """Releases that expired since last noticed: one task for the provider each.

    The officer stops hearing at once (routing reads the expiry date); this is only
    so the provider knows to ask the client about renewing it. Each row is noticed
    once (``expiry_noted_at``), so a daily tick does not repeat the task.
    """
    candidates = session.scalars(
        select(Release).where(
            Release.granted.is_(True),
            Release.expires_on.is_not(None),
            Release.expires_on < now.date(),
            Release.expiry_noted_at.is_(None),
        )
    ).all()
    made = 0
    for row in candidates:
        client = row.client
        in_force = latest(session, row.client_id)[Category(row.category)]
        if in_force is None or in_force.id != row.id:
            row.expiry_noted_at = now  # replaced by a newer row: nothing to say
            continue
        if not _grant(row).expired(client_today(client, now)):
            continue  # still the last day where the client lives
        row.expiry_noted_at = now
        session.add(
            Task(
                client_id=row.client_id,
                kind=EXPIRED_TASK,
                status=TaskStatus.OPEN,
                note=(f"The release for {row.category} expired on "
                      f"{row.expires_on.isoformat() if row.expires_on else ''}: the officer "
                      "is no longer told. Renew it with the client or record that it ended."),
                created_at=now,
            )
        )  # fmt: skip
        audit.record(
            session, "release.expired", now=now, actor_kind="system", subject=client,
            details={"category": row.category, "release_id": row.id},
        )  # fmt: skip
        made += 1
    session.commit()
    return made


# -- who is told what ----------------------------------------------------------------------


@dataclass(frozen=True)
class WhoIsTold:
    """One row of the table: a category, and who hears of it (with what the officer's rests on)."""

    category: Category
    provider: bool
    on_call: bool
    officer: bool
    release: Release | None  # the row in force, if any
    basis: str  # "attendance, signed 2026-11-02", "supervision, by the terms of supervision", ""
    by_terms: bool  # the officer hears it by the terms of supervision, not a release row
    expired: bool


def who_is_told(session: Session, client: Client, now: datetime) -> list[WhoIsTold]:
    """The client's "who is told what": rows by category; provider, on-call clinician, officer.

    The provider hears of everything on their caseload; the on-call clinician of
    clinical risk (out of hours, when the rota has someone); the officer only what a
    current release covers, and supervision conditions by the terms of supervision.
    """
    today = client_today(client, now)
    rows = []
    for category, row in latest(session, client.id).items():
        grant = _grant(row) if row else None
        basis = officer_basis(category, grant, today)
        rows.append(
            WhoIsTold(
                category=category,
                provider=True,
                on_call=category == Category.CLINICAL,
                officer=basis is not None and client.officer_id is not None,
                release=row,
                basis=basis.describe() if basis else "",
                by_terms=basis is not None and basis.grant is None,
                expired=bool(grant and grant.expired(today)),
            )
        )
    return rows


# -- false alarms: labelled examples for the understanding work -------------------------------


def false_alarms(session: Session, since: datetime | None = None) -> list[dict[str, Any]]:
    """Alerts closed as a false alarm, each a labelled example (one JSON object per line).

    The client's words the alert rests on (its inbound message; none once erased), the
    reason the screening gave, the language, and why the clinician said it was not that.
    docs/understanding-feedback.md describes the export.
    """
    query = (
        select(Escalation, Message)
        .join(Message, Message.id == Escalation.message_id)
        .where(Escalation.outcome == Outcome.FALSE_ALARM, Message.direction == Direction.INBOUND)
        .order_by(Escalation.acknowledged_at, Escalation.id)
    )
    if since is not None:
        query = query.where(Escalation.acknowledged_at >= since)
    examples = []
    for escalation, message in session.execute(query).all():
        examples.append(
            {
                "escalation_id": escalation.id,
                "message_id": message.id,
                "language": escalation.client.language,
                "text": None if message.erased_at else message.body,
                "flagged_as": escalation.reason,
                "label": "false_alarm",
                "why": escalation.note,
                "at": at.isoformat() if (at := escalation.acknowledged_at) else None,
            }
        )
    return examples
