"""The team, for administrators: staff accounts, their roles and their caseloads.

- ``/admin/staff/``: everyone who can sign in (or could), with role, caseload,
  backup officer and the state of their sign-in (an address waiting after failed
  sign-ins, temporary password, deactivated).
- ``/admin/staff/new``: add ("invite") a staff member. Nothing is emailed: the
  administrator types a temporary password or has one made up; it is shown once,
  and the new staff member must choose their own at first sign-in.
- ``/admin/staff/<id>``: change name, email, role, phones, time zone, backup
  officer; reset the password (shown once), unlock (forget their failed sign-ins:
  no address waits any more),
  deactivate (no sign-in, no alerts; their clients' open alerts stay on the queue)
  or reactivate.
- ``/admin/staff/<id>/clients``: their caseload (clients with their
  ``provider_id``, ``officer_id`` or ``examiner_id``), and moving chosen clients
  to another provider, officer or examiner at once. Each move is audited per
  client; texts already planned are left exactly as they are.

Passwords never reach the audit log, the logs or the session cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.extensions import db
from companion.models import Role, StaffUser
from companion.services import staff
from companion.services.accounts import FailedSignIns, failed_sign_ins, generate_password
from companion.web import clock
from companion.web.access import Action, requires
from companion.web.admin.forms import (
    ROLE_LABELS,
    InviteForm,
    MoveClientsForm,
    ResetPasswordForm,
    StaffMemberForm,
)
from companion.web.language import _, ngettext
from companion.web.shared import COMMON_TIMEZONES, STATUS_LABELS, CsrfForm

bp = Blueprint("staff_admin", __name__, url_prefix="/admin/staff")


def _member_or_404(staff_id: int) -> StaffUser:
    member = staff.member(db.session, staff_id)
    if member is None:
        abort(404)
    return member


# -- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    member: StaffUser
    clients: int
    failed: FailedSignIns | None


@bp.get("/")
@requires(Action.MANAGE_STAFF)
def index() -> str:
    now = clock.now()
    members, counts = staff.everyone(db.session)
    failed = failed_sign_ins(db.session, members, now)
    rows = [Row(m, counts.get(m.id, 0), failed.get(m.id)) for m in members]
    return render_template(
        "admin/staff_index.html",
        active=[r for r in rows if r.member.is_active_account],
        inactive=[r for r in rows if not r.member.is_active_account],
        role_labels=ROLE_LABELS,
        zone=current_user.timezone,
    )


# -- invite ---------------------------------------------------------------------------


def _shown_once(member: StaffUser, password: str, *, new: bool) -> Response:
    """The page with the temporary password: never cached, never stored anywhere."""
    response = current_app.make_response(
        render_template("admin/staff_password.html", member=member, password=password, new=new)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def invite() -> Response | tuple[str, int]:
    form = InviteForm()
    if not form.is_submitted():
        form.timezone.data = current_app.config.get("BUSINESS_TIMEZONE", "America/Los_Angeles")
        form.role.data = Role.PROVIDER.value
    if form.validate_on_submit():
        now = clock.now()
        typed = (form.password.data or "").strip()
        password = typed or generate_password()
        member = staff.invite(db.session, form.values(), password, bool(typed), current_user, now)
        return _shown_once(member, password, new=True)
    page = render_template(
        "admin/staff_form.html", form=form, member=None, timezones=COMMON_TIMEZONES
    )
    return page, 400 if form.is_submitted() else 200


# -- one staff member ------------------------------------------------------------------


def _member_page(
    member: StaffUser,
    form: StaffMemberForm,
    *,
    reset_form: ResetPasswordForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """One staff member's page: details form, account actions, caseload summary."""
    now = clock.now()
    clients, open_alerts, backs_up = staff.summary(db.session, member)
    page = render_template(
        "admin/staff_form.html",
        form=form,
        member=member,
        timezones=COMMON_TIMEZONES,
        reset_form=reset_form or ResetPasswordForm(formdata=None),
        button_form=CsrfForm(formdata=None),
        clients=clients,
        open_alerts=open_alerts,
        backs_up=backs_up,
        failed=failed_sign_ins(db.session, [member], now).get(member.id),
        role_labels=ROLE_LABELS,
        zone=current_user.timezone,
    )
    return page, status


def _member_form(member: StaffUser, formdata: Any = None) -> StaffMemberForm:
    """The details form, from the request if ``formdata``, else from the stored member."""
    if formdata is not None:
        return StaffMemberForm(obj=member, member=member)
    form = StaffMemberForm(formdata=None, obj=member, member=member)
    form.role.data = member.role.value
    form.backup_officer_id.data = member.backup_officer_id or 0
    form.phone.data = member.phone or ""
    form.public_phone.data = member.public_phone or ""
    return form


@bp.route("/<int:staff_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def edit(staff_id: int) -> Response | tuple[str, int]:
    member = _member_or_404(staff_id)
    if request.method != "POST":
        return _member_page(member, _member_form(member))
    form = _member_form(member, request.form)
    if not form.validate_on_submit():
        return _member_page(member, form, status=400)
    changes = staff.update(db.session, member, form.values(), current_user, clock.now())
    flash(_("%(name)s: saved.", name=member.name) if changes else _("Nothing changed."), "info")
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


@bp.post("/<int:staff_id>/password")
@requires(Action.MANAGE_STAFF)
def reset_password(staff_id: int) -> Response | tuple[str, int]:
    member = _member_or_404(staff_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _member_page(member, _member_form(member), reset_form=form, status=400)
    now = clock.now()
    typed = (form.password.data or "").strip()
    password = typed or generate_password()
    staff.reset_password(db.session, member, password, bool(typed), current_user, now)
    return _shown_once(member, password, new=False)


@bp.post("/<int:staff_id>/unlock")
@requires(Action.MANAGE_STAFF)
def unlock(staff_id: int) -> Response:
    member = _member_or_404(staff_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    staff.unlock(db.session, member, current_user, clock.now())
    flash(_("%(name)s can sign in again.", name=member.name), "info")
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


@bp.post("/<int:staff_id>/deactivate")
@requires(Action.MANAGE_STAFF)
def deactivate(staff_id: int) -> Response:
    member = _member_or_404(staff_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if member.id == current_user.id:
        flash(_("You cannot deactivate your own account: ask another administrator."), "error")
        return redirect(url_for("staff_admin.edit", staff_id=member.id))
    if member.is_active_account:
        clients = staff.deactivate(db.session, member, current_user, clock.now())
        message = _(
            "%(name)s is deactivated: they cannot sign in and get no alerts.", name=member.name
        )
        if clients:
            message += " " + ngettext(
                "Their %(num)d client still names them: move it to someone else.",
                "Their %(num)d clients still name them: move them to someone else.",
                clients,
            )
        flash(message, "warning")
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


@bp.post("/<int:staff_id>/reactivate")
@requires(Action.MANAGE_STAFF)
def reactivate(staff_id: int) -> Response:
    member = _member_or_404(staff_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if not member.is_active_account:
        staff.reactivate(db.session, member, current_user, clock.now())
        flash(_("%(name)s can sign in again.", name=member.name), "info")
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


# -- caseload ---------------------------------------------------------------------------


@bp.route("/<int:staff_id>/clients", methods=["GET", "POST"])
@requires(Action.MANAGE_STAFF)
def caseload(staff_id: int) -> Response | tuple[str, int]:
    member = _member_or_404(staff_id)
    column = staff.CASELOAD_COLUMNS.get(member.role)
    clients = staff.caseload_clients(db.session, member)
    form = MoveClientsForm(member=member, clients=clients)
    if not form.is_submitted() and request.args.get("all") == "1":
        form.client_ids.data = [c.id for c in clients]
    if column is not None and form.validate_on_submit():
        target_id = form.to_staff_id.data or None
        target = staff.member(db.session, target_id) if target_id else None
        chosen = set(form.client_ids.data or [])
        moved = staff.move_clients(
            db.session,
            member,
            [c for c in clients if c.id in chosen],
            target_id,
            current_user,
            clock.now(),
        )
        if target is not None:
            message = ngettext(
                "%(num)d client moved to %(name)s.",
                "%(num)d clients moved to %(name)s.",
                moved,
                name=target.name,
            )
        else:
            message = ngettext(
                "%(num)d client no longer has anyone in this role.",
                "%(num)d clients no longer have anyone in this role.",
                moved,
            )
        flash(message, "info")
        return redirect(url_for("staff_admin.caseload", staff_id=member.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/staff_caseload.html",
        member=member,
        clients=clients,
        form=form,
        chosen=set(form.client_ids.data or []),
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
    ), status
