"""Appointment pages: the list with notices, add, change, cancel, and kept or missed.

Providers, officers and admins all manage appointments (probation meetings and court
dates are often the officer's to set); examiners read them. Every change is audited
and moves the notices (``services.appointments``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.care.local_time import local_instant
from companion.extensions import db
from companion.models import Appointment, AppointmentKind, Client
from companion.runtime import escalation_settings
from companion.services import appointments as service
from companion.web import clock
from companion.web.access import Action, client_or_403, kinds_seen, may, record_view, requires
from companion.web.appointments.forms import AppointmentForm, appointment_start, check_location
from companion.web.appointments.wording import notices_words, texts_off_note
from companion.web.language import _
from companion.web.shared import (
    APPOINTMENT_KINDS,
    APPOINTMENT_STATUS,
    KIND_NAMES,
    MESSAGE_STATUS,
    TEXT_LABELS,
    CsrfForm,
    localtime,
)

bp = Blueprint("appointments", __name__)


def _appointment_or_404(client: Client, appointment_id: int) -> Appointment:
    appointment = service.client_appointment(db.session, client, appointment_id)
    if appointment is None:
        abort(404)
    return appointment


def _render_appointments(
    client: Client, now: datetime, form: AppointmentForm, status: int = 200
) -> tuple[str, int]:
    found = service.appointments_page(db.session, client.id, now, kinds_seen())
    page = render_template(
        "appointments/appointments.html",
        client=client,
        form=form,
        upcoming=found.upcoming,
        past=found.past,
        texts=found.texts,
        kinds=APPOINTMENT_KINDS,
        statuses=APPOINTMENT_STATUS,
        text_labels=TEXT_LABELS,
        message_statuses=MESSAGE_STATUS,
        cancel_form=CsrfForm(formdata=None),
        recorded=found.recorded,
        may_record=may(Action.RECORD_ATTENDANCE),
        can_record=lambda a: service.can_record(a, now),
        # Examiners read the appointments of their clients; they do not change them.
        may_change=may(Action.MANAGE_APPOINTMENTS),
    )
    return page, status


@bp.route("/clients/<int:client_id>/appointments", methods=["GET", "POST"])
@requires(Action.VIEW_APPOINTMENTS, on_post=Action.MANAGE_APPOINTMENTS)
def appointments(client_id: int) -> Response | tuple[str, int]:
    """Upcoming and past appointments with their notices, and a form to add one."""
    client = client_or_403(client_id)
    now = clock.now()
    form = AppointmentForm()
    if request.method == "GET":
        record_view(client, "appointments", now)
        return _render_appointments(client, now, form)
    if not form.validate_on_submit():
        return _render_appointments(client, now, form, status=422)
    starts = appointment_start(form, client, now)
    if starts is None or not check_location(form):
        return _render_appointments(client, now, form, status=422)
    queued = service.add_appointment(
        db.session,
        client,
        AppointmentKind(form.kind.data),
        starts,
        form.location.data,
        current_user,
        now,
    )
    flash(
        _("Appointment added for %(when)s.", when=localtime(starts, client.timezone))
        + f" {notices_words(queued)}{texts_off_note(client)}",
        "info",
    )
    return redirect(url_for("appointments.appointments", client_id=client.id))


@bp.route("/clients/<int:client_id>/appointments/<int:appointment_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_APPOINTMENTS)
def edit_appointment(client_id: int, appointment_id: int) -> Response | tuple[str, int]:
    """Change an upcoming appointment. A new time withdraws unsent notices, plans new ones
    and, if the client had been told the old time, texts them the new one."""
    client = client_or_403(client_id)
    appointment = _appointment_or_404(client, appointment_id)
    now = clock.now()
    back = redirect(url_for("appointments.appointments", client_id=client.id))
    if not service.is_open(appointment, now):
        flash(_("This appointment is past or cancelled and can no longer change."), "error")
        return back
    if request.method == "GET":
        local = appointment.starts_at.astimezone(ZoneInfo(client.timezone))
        form = AppointmentForm(formdata=None)
        form.kind.data = appointment.kind.value
        form.day.data, form.at.data = local.date(), local.time().replace(tzinfo=None)
        form.location.data = appointment.location
        return _render_appointment_form(client, appointment, form)
    form = AppointmentForm()
    if not form.validate_on_submit():
        return _render_appointment_form(client, appointment, form, status=422)
    zone = ZoneInfo(client.timezone)
    assert form.day.data is not None and form.at.data is not None
    moved = local_instant(form.day.data, form.at.data, zone) != appointment.starts_at
    starts = appointment_start(form, client, now) if moved else appointment.starts_at
    if starts is None or not check_location(form):
        return _render_appointment_form(client, appointment, form, status=422)
    changed = service.change_appointment(
        db.session,
        appointment,
        AppointmentKind(form.kind.data),
        starts,
        (form.location.data or "").strip(),
        current_user,
        now,
    )
    if not changed.fields:
        flash(_("Nothing changed."), "info")
        return back
    message = _("Saved.")
    if changed.before is not None:
        message = _(
            "Moved from %(before)s to %(after)s. Unsent notices were withdrawn; %(notices)s",
            before=localtime(changed.before, client.timezone),
            after=localtime(starts, client.timezone),
            notices=notices_words(changed.queued),
        )
        if changed.moved_text:
            message += " " + _(
                "The client had been told the old time, so a text with the new time was queued."
            )
        message += texts_off_note(client)
    flash(message, "info")
    return back


def _render_appointment_form(
    client: Client, appointment: Appointment, form: AppointmentForm, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "appointments/appointment_form.html",
        client=client,
        appointment=appointment,
        form=form,
        kinds=APPOINTMENT_KINDS,
        cancel_form=CsrfForm(formdata=None),
    )
    return page, status


@bp.post("/clients/<int:client_id>/appointments/<int:appointment_id>/cancel")
@requires(Action.MANAGE_APPOINTMENTS)
def cancel_appointment(client_id: int, appointment_id: int) -> Response:
    """Cancel: unsent notices withdrawn; a cancellation text only if a notice already went."""
    client = client_or_403(client_id)
    appointment = _appointment_or_404(client, appointment_id)
    now = clock.now()
    if not CsrfForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("appointments.appointments", client_id=client.id))
    if not service.is_open(appointment, now):
        flash(_("This appointment is past or already cancelled."), "error")
        return back
    texted = service.cancel_appointment(db.session, appointment, current_user, now)
    when = localtime(appointment.starts_at, client.timezone)
    if texted:
        flash(
            _(
                "Appointment of %(when)s cancelled. A notice had already gone out, so a "
                "cancellation text was queued.",
                when=when,
            )
            + texts_off_note(client),
            "info",
        )
    else:
        flash(
            _(
                "Appointment of %(when)s cancelled. No notice had gone out, so no cancellation "
                "text is sent; unsent notices were withdrawn.",
                when=when,
            ),
            "info",
        )
    return back


@bp.post("/clients/<int:client_id>/appointments/<int:appointment_id>/outcome")
@requires(Action.RECORD_ATTENDANCE)
def appointment_outcome(client_id: int, appointment_id: int) -> Response:
    """Record that a past appointment was kept or missed: who and when, audited.

    A missed treatment session or polygraph exam alerts the officer (and the
    provider) through the escalation ladder, once: changing the outcome back
    and forth does not alert again. A missed supervision meeting or court date
    is only recorded: the officer runs those.
    """
    client = client_or_403(client_id)
    appointment = _appointment_or_404(client, appointment_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    now = clock.now()
    back = redirect(
        url_for(
            "appointments.appointments",
            client_id=client.id,
            _anchor=f"appointment-{appointment.id}",
        )
    )
    outcome = service.OUTCOMES.get(request.form.get("outcome", ""))
    if outcome is None:
        flash(_("Choose kept or missed."), "error")
        return back
    when = localtime(appointment.starts_at, client.timezone)
    if not service.can_record(appointment, now):
        flash(
            _(
                "The appointment of %(when)s has not started yet, or was cancelled: "
                "there is no outcome to record.",
                when=when,
            ),
            "error",
        )
        return back
    if appointment.status == outcome:
        flash(
            _(
                "The appointment of %(when)s was already recorded as %(outcome)s.",
                when=when,
                outcome=APPOINTMENT_STATUS[outcome],
            ),
            "info",
        )
        return back
    kind = appointment.kind
    done = service.record_outcome(
        db.session, client, appointment, outcome, current_user, now,
        escalation_settings(),
        what=KIND_NAMES[kind],  # English: it is kept with the alert
        when=when,
    )  # fmt: skip
    message = _(
        "%(what)s of %(when)s recorded as %(outcome)s.",
        what=APPOINTMENT_KINDS[kind],
        when=when,
        outcome=APPOINTMENT_STATUS[outcome],
    )
    if done.already_alerted:
        message += " " + _("The team was already alerted when it was first recorded missed.")
    elif done.escalated and done.escalation is None:
        message += " " + _("No alert: %(name)s is paused.", name=client.display_name)
    elif done.escalation is not None:
        message += " " + (
            _(
                "The officer and the provider are alerted (alert %(code)s).",
                code=done.escalation.code,
            )
            if done.escalation.appointment_id == appointment.id
            else _("Added to the open alert %(code)s.", code=done.escalation.code)
        )
    elif done.recorded_only:
        message += " " + _(
            "Recorded only: the officer follows up on their own meetings and court dates."
        )
    flash(message, "info")
    return back
