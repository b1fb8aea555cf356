"""The demo's alerts: the real escalation rules and acknowledgements, at their moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from companion.care.ladder import Reason
from companion.models import (
    Escalation,
    Outcome,
)
from companion.services import escalations, missed
from companion.services.demo.texts import Context, deliver_alerts


def review_misses(ctx: Context, at: datetime) -> None:
    """The worker's rule for runs of misses, at the moment the check-in closed."""
    before = _open_ids(ctx)
    missed.review_misses(ctx.session, [ctx.client.id], at, ctx.settings.escalation)
    deliver_alerts(ctx, at)
    opened = _open_ids(ctx) - before
    if opened and "missed_run" not in ctx.person.story:
        # Someone on the team followed up the next morning.
        _acknowledge(ctx, opened, at + timedelta(hours=15), "provider", Outcome.CONTACTED,
                     "Called: phone was off for a few days. Back on track.")  # fmt: skip


def _open_ids(ctx: Context) -> set[int]:
    return set(
        ctx.session.scalars(
            select(Escalation.id).where(
                Escalation.client_id == ctx.client.id, Escalation.status == "open"
            )
        )
    )


NOTES = {
    Reason.HIGH_URGE: "Talked it through by phone the same hour; used his plan. Session moved up.",
    Reason.LIFE_EVENT: "Lost his job last week; relapse talk in session. Referred to job center.",
    Reason.SELF_HARM: "Reached him within the hour; safe, with his mother. Safety plan reviewed.",
}


def alert_and_acknowledge(
    ctx: Context, reason: Reason, at: datetime, acknowledged: bool = True, **about: int
) -> None:
    """An answer that needs a person: the alert, and (unless not yet) the provider's
    acknowledgement."""
    escalation = escalations.open_escalation(
        ctx.session, ctx.client, reason, at, ctx.settings.escalation,
        details={"answer": "the client's reply"}, **about,
    )  # fmt: skip
    deliver_alerts(ctx, at)
    if escalation is not None and acknowledged:
        _acknowledge(ctx, {escalation.id}, at + timedelta(minutes=40), "provider",
                     Outcome.CONTACTED, NOTES[reason])  # fmt: skip


def _acknowledge(
    ctx: Context, ids: set[int], at: datetime, role: str, outcome: Outcome, note: str
) -> None:
    if at >= ctx.now:
        return  # nobody has got to it yet: it stays open
    for escalation_id in sorted(ids):
        escalation = ctx.session.get(Escalation, escalation_id)
        assert escalation is not None
        escalations.acknowledge(ctx.session, escalation, ctx.staff[role], outcome, note, at, "web")
    ctx.session.flush()


def acknowledge_open(ctx: Context, reason: Reason, at: datetime, note: str) -> None:
    """The provider acknowledges the client's open alert for ``reason`` (they were reached)."""
    ids = set(
        ctx.session.scalars(
            select(Escalation.id).where(
                Escalation.client_id == ctx.client.id,
                Escalation.reason == reason,
                Escalation.status == "open",
            )
        )
    )
    _acknowledge(ctx, ids, at, "provider", Outcome.CONTACTED, note)
