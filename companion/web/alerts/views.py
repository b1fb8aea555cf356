"""Alert pages: the team's queue, one escalation's timeline, one-click acknowledgement.

Alerts link here (``/e/<id>``, short enough for a text). Anyone outside the
client's caseload gets 403, as for every page about a client.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from companion.care.acknowledge import outcomes_for
from companion.extensions import db
from companion.models import ClientStatus, Escalation, EscalationStatus, Outcome
from companion.services import alerts
from companion.services.pauses import describe as describe_pause
from companion.web import clock
from companion.web.access import Action, caseload_query, client_or_403, may, public, requires
from companion.web.alerts.forms import AcknowledgeForm
from companion.web.alerts.wording import OUTCOME_LABELS, RUNG_LABELS, reason_label, reason_text
from companion.web.clients.wording import message_kind_label
from companion.web.language import _
from companion.web.shared import CHECKIN_STATUS, MESSAGE_STATUS, topic_label

# The endpoints keep the name "escalations" (escalations.queue, escalations.show…).
bp = Blueprint("escalations", __name__)


@bp.get("/e/<int:escalation_id>")
@public
def short_link(escalation_id: int) -> Response:
    """The link in an alert: sign-in first if needed, then the escalation."""
    return redirect(url_for("escalations.show", escalation_id=escalation_id))


@bp.get("/escalations")
@requires(Action.VIEW_ALERTS)
def queue() -> str:
    """Open escalations first, oldest first; then the ones acknowledged lately."""
    caseload = caseload_query(current_user)
    rows = alerts.queue(db.session, caseload)
    open_rows = [e for e in rows if e.status == EscalationStatus.OPEN]
    counts = Counter(reason_label(e.reason) for e in open_rows)
    now = clock.now()
    return render_template(
        "alerts/queue.html",
        unreachable=alerts.quiet_phones(db.session, caseload, now),
        open_rows=open_rows,
        done_rows=[e for e in rows if e.status != EscalationStatus.OPEN][:50],
        counts=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        reason_label=reason_label,
        rung_labels=RUNG_LABELS,
        now=now,
        # Links made once, not once per row: "/clients/<id>", "/escalations/<id>".
        client_base=url_for("clients.index"),
        alert_base=url_for("escalations.queue") + "/",
    )


def _escalation_or_403(escalation_id: int) -> Escalation:
    escalation = alerts.escalation(db.session, escalation_id)
    if escalation is None:
        abort(404)
    client_or_403(escalation.client_id)
    return escalation


@bp.get("/escalations/<int:escalation_id>")
@requires(Action.VIEW_ALERTS)
def show(escalation_id: int) -> str:
    escalation = _escalation_or_403(escalation_id)
    alerts.record_view(db.session, escalation, current_user, clock.now())
    return _page(escalation, AcknowledgeForm())


def _options(escalation: Escalation) -> tuple[Outcome, ...]:
    """The acknowledgement options that fit this alert (care/acknowledge.py)."""
    return outcomes_for(from_words=alerts.from_words(db.session, escalation),
                        urgent=escalation.urgent)  # fmt: skip


def _may_close(escalation: Escalation) -> bool:
    """The role policy by the alert's category, within the release (care/roles.py)."""
    return may(Action.CLOSE_ALERT, reason=escalation.reason,
               released=alerts.officer_may_close(db.session, escalation, clock.now()))  # fmt: skip


def _page(escalation: Escalation, form: AcknowledgeForm) -> str:
    client = escalation.client
    form.offer(_options(escalation))
    return render_template(
        "alerts/show.html",
        escalation=escalation,
        client=client,
        trigger=alerts.trigger(db.session, escalation),
        check_in=alerts.evidence(db.session, escalation),
        checkin_status=CHECKIN_STATUS,
        topic_label=topic_label,
        kind_label=message_kind_label,
        message_status=MESSAGE_STATUS,
        channels={"sms": _("text"), "email": _("email"), "web": _("this site")},
        now=clock.now(),
        on_hold=describe_pause(client) if client.status == ClientStatus.PAUSED else None,
        form=form,
        reason_label=reason_label,
        reason_text=reason_text,
        rung_labels=RUNG_LABELS,
        outcome_labels=OUTCOME_LABELS,
        staff_zone=current_user.timezone,
        # Examiners and admins see that an alert exists; the words a client
        # texted stay with those who read clinical content (care/roles.py).
        words_hidden=not may(Action.VIEW_CLINICAL_RECORD),
        may_close=_may_close(escalation),
    )


@bp.post("/escalations/<int:escalation_id>/acknowledge")
@requires(Action.CLOSE_ALERT)
def acknowledge_view(escalation_id: int) -> Response | tuple[str, int]:
    """One click: who saw it and what happens now. The ladder stops."""
    escalation = _escalation_or_403(escalation_id)
    if escalation.status == EscalationStatus.ACKNOWLEDGED:
        # Already closed (by someone else, or a second click): say so, change nothing.
        flash(_("Alert %(code)s was already acknowledged.", code=escalation.code), "info")
        return redirect(url_for("escalations.show", escalation_id=escalation.id))
    if not _may_close(escalation):
        abort(403)  # a clinical alert is a clinician's to close (care/roles.py)
    form = AcknowledgeForm().offer(_options(escalation))
    if not form.validate_on_submit():
        return _page(escalation, form), 400
    done = alerts.acknowledge_alert(
        db.session,
        escalation,
        current_user,
        Outcome(form.outcome.data),
        form.note.data or "",
        clock.now(),
    )
    if done:
        flash(
            _("Alert %(code)s acknowledged: the ladder has stopped.", code=escalation.code), "info"
        )
    else:
        flash(_("Alert %(code)s was already acknowledged.", code=escalation.code), "info")
    return redirect(url_for("escalations.show", escalation_id=escalation.id))
