"""The on-call rota page: the weekly shifts, adding one, removing one.

Providers arrange the rota among themselves and the admin keeps it filled; officers may
read it (whom to call); examiners do not see it (care/roles.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectField, TimeField
from wtforms.validators import DataRequired, Optional

from companion.care.roles import allowed
from companion.extensions import db
from companion.runtime import escalation_settings
from companion.services import oncall
from companion.web import clock
from companion.web.access import Action, requires
from companion.web.language import L_, StaffForm, _
from companion.web.shared import DAY_NAMES, CsrfForm

bp = Blueprint("oncall", __name__)


class ShiftForm(StaffForm):
    weekday = SelectField(L_("Day"), coerce=int)  # 0 is Monday: no DataRequired
    starts = TimeField(L_("From"), validators=[DataRequired()])
    ends = TimeField(
        L_("To"),
        validators=[DataRequired()],
        description=L_("A time at or before the start runs past midnight into the next day."),
    )
    clinician = SelectField(L_("Clinician on call"), coerce=int)
    backup = SelectField(L_("Backup"), coerce=int, validators=[Optional()])


def _form() -> ShiftForm:
    form = ShiftForm()
    form.weekday.choices = [(i, str(name)) for i, name in enumerate(DAY_NAMES)]
    people = [(c.id, c.name) for c in oncall.clinicians(db.session)]
    form.clinician.choices = people
    form.backup.choices = [(0, _("No backup"))] + people
    return form


def _page(form: ShiftForm, status: int = 200) -> tuple[str, int]:
    settings = escalation_settings()
    now = clock.now()
    shift_now = oncall.on_call_at(db.session, now, settings.calendar.zone)
    return render_template(
        "oncall/rota.html",
        shifts=oncall.shifts(db.session),
        on_call=shift_now,
        gaps=oncall.gaps(db.session, now, settings.calendar.zone, settings.email),
        zone=str(settings.calendar.zone),
        days=DAY_NAMES,
        form=form,
        remove_form=CsrfForm(formdata=None),
        may_edit=allowed(current_user.role, Action.EDIT_ONCALL),
        ack_minutes=int(settings.on_call_ack.total_seconds() // 60),
    ), status


@bp.get("/oncall")
@requires(Action.VIEW_ONCALL)
def rota() -> tuple[str, int]:
    """The weekly rota, who is on call now, and the gaps in the next seven days."""
    return _page(_form())


@bp.post("/oncall/shifts")
@requires(Action.EDIT_ONCALL)
def add_shift() -> Response | tuple[str, int]:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        oncall.add_shift(
            db.session,
            current_user,
            weekday=form.weekday.data,
            starts=form.starts.data,
            ends=form.ends.data,
            clinician_id=form.clinician.data,
            backup_id=form.backup.data or None,
            now=clock.now(),
        )
    except oncall.RotaError:
        db.session.rollback()
        form.backup.errors = [_("The backup must be another provider.")]
        return _page(form, 400)
    flash(_("Shift added."), "info")
    return redirect(url_for("oncall.rota"))


@bp.post("/oncall/shifts/<int:shift_id>/remove")
@requires(Action.EDIT_ONCALL)
def remove_shift(shift_id: int) -> Response:
    if not CsrfForm().validate_on_submit():
        abort(400)
    if oncall.remove_shift(db.session, current_user, shift_id, clock.now()):
        flash(_("Shift removed."), "info")
    else:
        flash(_("That shift was already removed."), "info")
    return redirect(url_for("oncall.rota"))
