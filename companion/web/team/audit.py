"""The audit log: append-only, filtered by action, actor, client and dates; admins only."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_login import current_user
from wtforms import SelectChoice

from companion.care.local_time import local_instant
from companion.extensions import db
from companion.services import team
from companion.services.team import AuditFilter
from companion.web import clock
from companion.web.access import Action, requires
from companion.web.language import L_, _
from companion.web.team import bp
from companion.web.team.forms import AuditFilterForm
from companion.web.team.views import page_or_400
from companion.web.team.wording import no_numbers

# What each action means, for the filter; actions found in the log are added to it.
KNOWN_ACTIONS = {
    "staff.created": L_("Staff member added"),
    "staff.updated": L_("Staff member's details changed"),
    "staff.password_reset": L_("Password reset by an administrator"),
    "staff.password_changed": L_("Password changed"),
    "staff.password_change_failed": L_("Password change refused (wrong current password)"),
    "staff.locked": L_("Account locked after failed sign-ins"),  # before per-address delays
    "staff.sign_in_delayed": L_("Sign-in delayed for one address after failed sign-ins"),
    "staff.unlocked": L_("Account unlocked"),
    "staff.deactivated": L_("Staff member deactivated"),
    "staff.reactivated": L_("Staff member reactivated"),
    "client.reassigned": L_("Client moved to another staff member"),
    "text.test_sent": L_("Test text sent to a staff member's own phone"),
    "appointments.imported": L_("Appointments imported from a file"),
    "staff.signed_in": L_("Staff signed in"),
    "staff.sign_in_failed": L_("Sign-in failed"),
    "client.viewed": L_("Viewed a client's record"),
    "client.created": L_("Client added"),
    "client.updated": L_("Client details changed"),
    "client.risk_updated": L_("Risk level or assessments changed"),
    "client.opted_in": L_("Client opted in"),
    "client.opted_out": L_("Client opted out"),
    "client.channel_change": L_("Client changed how to be reached"),
    "plan.saved": L_("Plan saved"),
    "schedule.override": L_("Schedule overridden"),
    "appointment.created": L_("Appointment added"),
    "appointment.updated": L_("Appointment changed"),
    "appointment.cancelled": L_("Appointment cancelled"),
    "task.done": L_("Task marked done"),
    "escalation.opened": L_("Escalation opened"),
    "escalation.viewed": L_("Escalation viewed"),
    "escalation.acknowledged": L_("Escalation acknowledged"),
    "escalation.ack_rejected": L_("Acknowledgement by text refused"),
    "escalation.no_recipient": L_("Nobody to alert"),
    "outbox.expired": L_("Text expired unsent"),
    "outbox.failed": L_("Text failed"),
    "outbox.recovered": L_("Interrupted send settled"),
    "audit.viewed": L_("Audit log viewed"),
    "client.erasure_scheduled": L_("Erasure of a discharged client's texts scheduled"),
    "client.erasure_cancelled": L_("Erasure of a client's texts cancelled (no longer discharged)"),
    "client.erased": L_("Client erased on a legal request"),
    "retention.erased": L_("Old texts and replies erased (retention)"),
}
# Never shown, whatever a future caller puts in ``details``.
_SECRET_KEYS = re.compile(r"phone|body|text|number|password|token", re.IGNORECASE)


def safe_details(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    shown = []
    for key, value in (details or {}).items():
        if _SECRET_KEYS.search(str(key)):
            shown.append((str(key), _("[withheld]")))
        else:
            shown.append((str(key), no_numbers(str(value))))
    return shown


@bp.get("/admin/audit")
@requires(Action.VIEW_AUDIT_LOG)
def audit_log() -> tuple[str, int]:
    """The audit log, newest first, filtered by action, actor, client and dates."""
    now = clock.now()
    form = AuditFilterForm(formdata=request.args)
    present = team.actions_in_log(db.session)
    actions = sorted(set(KNOWN_ACTIONS) | set(present))
    form.action.choices = [SelectChoice("", _("Any action"))] + [
        SelectChoice(a, f"{KNOWN_ACTIONS[a]!s} ({a})" if a in KNOWN_ACTIONS else a) for a in actions
    ]
    staff = team.all_staff(db.session)
    form.actor.choices = [
        SelectChoice("", _("Anyone")),
        SelectChoice("system", _("The system")),
        SelectChoice("client", _("A client (texts)")),
    ] + [SelectChoice(str(s.id), f"{s.name} ({s.role.value})") for s in staff]
    page = page_or_400()
    ok = form.validate()
    events, total = team.audit_events(db.session, _wanted(form) if ok else None, page)
    names = {s.id: s for s in staff}
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    team.record_audit_view(db.session, current_user, sorted(filters), now)
    page_html = render_template(
        "admin/audit.html",
        form=form,
        events=events if ok else [],
        total=total if ok else 0,
        page=page,
        pages=max(1, -(-total // team.AUDIT_PAGE)),
        filters=filters,
        names=names,
        actions=KNOWN_ACTIONS,
        safe_details=safe_details,
        zone=current_user.timezone,
    )
    return page_html, 200 if ok else 400


def _wanted(form: AuditFilterForm) -> AuditFilter:
    """The form's filter, with its dates as instants in the staff member's time zone."""
    zone = ZoneInfo(current_user.timezone)
    since = until = None
    if form.since.data:
        since = local_instant(form.since.data, time(0, 0), zone)
    if form.until.data:
        until = local_instant(form.until.data + timedelta(days=1), time(0, 0), zone)
    return AuditFilter(
        action=form.action.data or "",
        actor=form.actor.data or "",
        client_id=form.client_id.data or None,
        since=since,
        until=until,
    )
