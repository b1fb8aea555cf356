"""Escalation pages: the team's queue, one escalation's timeline, one-click acknowledgement.

Alerts link here (``/e/<id>``, short enough for a text). Anyone outside the
client's caseload gets 403, as for every page about a client.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import case, select
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from companion.care.escalation import RULES, Reason
from companion.extensions import db
from companion.models import (
    Client,
    ClientStatus,
    Escalation,
    EscalationStatus,
    Message,
    Outcome,
    Role,
)
from companion.services import audit
from companion.services.escalations import acknowledge, unreachable
from companion.services.pauses import describe as describe_pause
from companion.web import clock
from companion.web.access import caseload_query, client_or_403
from companion.web.language import L_, StaffForm, _

bp = Blueprint("escalations", __name__)

OUTCOME_LABELS = {
    Outcome.CONTACTED: L_("Contacted (or contacting) the client"),
    Outcome.EXCUSED: L_("Excused: a known reason, nothing more to do"),
    Outcome.REVIEW: L_("For review at the next team meeting"),
}
RUNG_LABELS = {
    "provider": L_("Provider"),
    "officer": L_("Officer"),
    "backup_officer": L_("Backup officer"),
}


def reason_text(reason: str) -> str:
    """Why the escalation was raised, in English (as its "opened" step records it)."""
    return RULES[Reason(reason)].label


def reason_label(reason: str) -> str:
    """Why the escalation was raised, in the staff member's language."""
    return _(reason_text(reason))


class AcknowledgeForm(StaffForm):
    outcome = RadioField(
        L_("What happens now"),
        choices=[SelectChoice(o.value, label) for o, label in OUTCOME_LABELS.items()],
        validators=[InputRequired(L_("Choose what happens now."))],
    )
    note = TextAreaField(
        L_("Note (optional)"),
        validators=[Length(max=2000, message=L_("Keep the note under 2,000 characters."))],
        description=L_("Seen by the client's team on this page; never texted."),
    )


@bp.get("/e/<int:escalation_id>")
def short_link(escalation_id: int) -> Response:
    """The link in an alert: sign-in first if needed, then the escalation."""
    return redirect(url_for("escalations.show", escalation_id=escalation_id))


@bp.get("/escalations")
@login_required
def queue() -> str:
    """Open escalations first, oldest first; then the ones acknowledged lately."""
    caseload = caseload_query(current_user).with_only_columns(Client.id)
    rows = db.session.scalars(
        select(Escalation)
        .where(Escalation.client_id.in_(caseload.scalar_subquery()))
        .order_by(
            case((Escalation.status == EscalationStatus.OPEN, 0), else_=1),
            Escalation.opened_at,
        )
        .limit(300)
    ).all()
    open_rows = [e for e in rows if e.status == EscalationStatus.OPEN]
    counts = Counter(reason_label(e.reason) for e in open_rows)
    now = clock.now()
    # Phones that went quiet without failing loudly: one statement over the caseload.
    quiet = db.session.execute(unreachable(caseload_query(current_user), now).limit(200)).all()
    return render_template(
        "escalations/queue.html",
        unreachable=quiet,
        open_rows=open_rows,
        done_rows=[e for e in rows if e.status != EscalationStatus.OPEN][:50],
        counts=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        reason_label=reason_label,
        rung_labels=RUNG_LABELS,
        now=now,
    )


def _escalation_or_403(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        abort(404)
    client_or_403(escalation.client_id)
    return escalation


@bp.get("/escalations/<int:escalation_id>")
@login_required
def show(escalation_id: int) -> str:
    escalation = _escalation_or_403(escalation_id)
    now = clock.now()
    audit.record(
        db.session,
        "escalation.viewed",
        now=now,
        actor=current_user,
        subject=escalation,
        details={"client_id": escalation.client_id},
    )
    db.session.commit()
    return _page(escalation, AcknowledgeForm())


def _page(escalation: Escalation, form: AcknowledgeForm) -> str:
    trigger = db.session.get(Message, escalation.message_id) if escalation.message_id else None
    client = escalation.client
    return render_template(
        "escalations/show.html",
        escalation=escalation,
        client=client,
        trigger=trigger,
        on_hold=describe_pause(client) if client.status == ClientStatus.PAUSED else None,
        form=form,
        reason_label=reason_label,
        reason_text=reason_text,
        rung_labels=RUNG_LABELS,
        outcome_labels=OUTCOME_LABELS,
        staff_zone=current_user.timezone,
        # An examiner sees that an alert exists and acknowledges it; the words a
        # client texted stay with the provider and officer.
        words_hidden=current_user.role == Role.EXAMINER,
    )


@bp.post("/escalations/<int:escalation_id>/acknowledge")
@login_required
def acknowledge_view(escalation_id: int) -> Response | tuple[str, int]:
    """One click: who saw it and what happens now. The ladder stops."""
    escalation = _escalation_or_403(escalation_id)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return _page(escalation, form), 400
    done = acknowledge(
        db.session,
        escalation,
        current_user,
        Outcome(form.outcome.data),
        form.note.data or "",
        clock.now(),
        "web",
    )
    db.session.commit()
    if done:
        flash(
            _("Alert %(code)s acknowledged: the ladder has stopped.", code=escalation.code), "info"
        )
    else:
        flash(_("Alert %(code)s was already acknowledged.", code=escalation.code), "info")
    return redirect(url_for("escalations.show", escalation_id=escalation.id))
