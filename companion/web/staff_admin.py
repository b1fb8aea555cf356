"""The team, for administrators: staff accounts, their roles and their caseloads.

- ``/admin/staff/``: everyone who can sign in (or could), with role, caseload,
  backup officer and the state of their sign-in (locked, temporary password,
  deactivated).
- ``/admin/staff/new``: add ("invite") a staff member. Nothing is emailed: the
  administrator types a temporary password or has one made up; it is shown once,
  and the new staff member must choose their own at first sign-in.
- ``/admin/staff/<id>``: change name, email, role, phones, time zone, backup
  officer; reset the password (shown once), unlock after too many failed sign-ins,
  deactivate (no sign-in, no alerts; their clients' open alerts stay on the queue)
  or reactivate.
- ``/admin/staff/<id>/clients``: their caseload (clients with their
  ``provider_id``, ``officer_id`` or ``examiner_id``), and moving chosen clients
  to another provider, officer or examiner at once. Each move is audited per
  client; texts already planned are left exactly as they are.

Passwords never reach the audit log, the logs or the session cookie.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from companion.extensions import db
from companion.messaging.phones import to_e164
from companion.models import Client, Escalation, EscalationStatus, Role, StaffUser
from companion.services import audit
from companion.web import clock
from companion.web.auth import PASSWORD_MIN_LENGTH, generate_password
from companion.web.clients import COMMON_TIMEZONES, STATUS_LABELS
from companion.web.language import L_, StaffForm, _, ngettext

bp = Blueprint("staff_admin", __name__, url_prefix="/admin/staff")

ROLE_LABELS = {
    Role.PROVIDER: L_("Provider"),
    Role.OFFICER: L_("Supervising officer"),
    Role.EXAMINER: L_("Polygraph examiner"),
    Role.ADMIN: L_("Administrator"),
}
# Which client column holds each role's caseload (admins have none).
CASELOAD_COLUMNS = {
    Role.PROVIDER: Client.provider_id,
    Role.OFFICER: Client.officer_id,
    Role.EXAMINER: Client.examiner_id,
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _admin_only() -> None:
    if current_user.role != Role.ADMIN:
        abort(403)


def _member_or_404(staff_id: int) -> StaffUser:
    member = db.session.get(StaffUser, staff_id)
    if member is None:
        abort(404)
    return member


def caseload_of(member: StaffUser, role: Role | None = None) -> Any:
    """The clients assigned to ``member`` in ``role`` (their current role by default)."""
    column = CASELOAD_COLUMNS.get(role or member.role)
    if column is None:
        return select(Client).where(Client.id.is_(None))
    return select(Client).where(column == member.id)


def _count(query: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


# -- forms ------------------------------------------------------------------------------


class CsrfForm(StaffForm):
    """A form with no fields: the CSRF token of a one-button POST."""


def _temporary_password_field() -> StringField:
    # Plain text, not a password box: the administrator reads it out or copies it,
    # and it survives a form shown again with an error elsewhere.
    return StringField(
        L_("Temporary password"),
        validators=[
            Optional(),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=200,
                message=L_("Use between 10 and 200 characters, or leave it empty."),
            ),
        ],
        description=L_(
            "Leave it empty to have one made up. Either way it is shown once, and they "
            "choose their own password when they first sign in."
        ),
    )


class StaffMemberForm(StaffForm):
    name = StringField(
        L_("Name"),
        validators=[DataRequired(message=L_("Enter the staff member's name.")), Length(max=120)],
    )
    email = StringField(
        L_("Email"),
        validators=[DataRequired(message=L_("Enter an email address.")), Length(max=254)],
        description=L_("They sign in with it, and alert emails go to it."),
    )
    role = SelectField(
        L_("Role"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
    )
    phone = StringField(
        L_("Mobile for alerts"),
        validators=[Optional(), Length(max=40)],
        description=L_(
            "Optional. Alerts are texted here, and an alert can be acknowledged by texting "
            "OK and its code from this number."
        ),
    )
    public_phone = StringField(
        L_("Number clients may call"),
        validators=[Optional(), Length(max=40)],
        description=L_(
            "Optional, for providers: given to their clients in HELP and opt-out texts."
        ),
    )
    timezone = StringField(
        L_("Time zone"),
        validators=[DataRequired(message=L_("Choose a time zone.")), Length(max=64)],
        description=L_("Times on their pages are shown in it."),
    )
    backup_officer_id = SelectField(
        L_("Backup officer"),
        coerce=int,
        validate_choice=False,  # checked below, with clearer messages
        description=L_(
            "Officers only. The backup sees this officer's supervisees and is alerted when "
            "this officer does not answer."
        ),
    )

    def __init__(self, *args: Any, member: StaffUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._member = member
        self._phone: str | None = None
        self._public_phone: str | None = None
        officers = db.session.scalars(
            select(StaffUser)
            .where(StaffUser.role == Role.OFFICER, StaffUser.is_active_account.is_(True))
            .order_by(StaffUser.name)
        ).all()
        self.backup_officer_id.choices = [SelectChoice(0, _("— none —"))] + [
            SelectChoice(o.id, o.name) for o in officers if member is None or o.id != member.id
        ]

    def validate_email(self, field: StringField) -> None:
        email = (field.data or "").strip().lower()
        if not _EMAIL.fullmatch(email):
            raise ValidationError(_("Enter an email address such as dana@agency.example."))
        taken = db.session.scalar(
            select(StaffUser.id).where(
                func.lower(StaffUser.email) == email,
                StaffUser.id != (self._member.id if self._member else 0),
            )
        )
        if taken is not None:
            raise ValidationError(_("Another staff member already signs in with this email."))

    def _number(self, field: StringField) -> str | None:
        raw = (field.data or "").strip()
        if not raw:
            return None
        e164 = to_e164(raw, current_app.config["DEFAULT_REGION"])
        if e164 is None:
            raise ValidationError(
                _("That is not a phone number. Enter one such as (213) 555-0123.")
            )
        return e164

    def validate_phone(self, field: StringField) -> None:
        e164 = self._number(field)
        if e164 is None:
            return
        taken = db.session.scalar(
            select(StaffUser.id).where(
                StaffUser.phone == e164,
                StaffUser.id != (self._member.id if self._member else 0),
            )
        )
        if taken is not None:
            raise ValidationError(
                _("Another staff member gets alerts at this number: each needs their own.")
            )
        if db.session.scalar(select(Client.id).where(Client.phone == e164)) is not None:
            raise ValidationError(
                _("A client texts from this number: a staff member needs another one.")
            )
        self._phone = e164

    def validate_public_phone(self, field: StringField) -> None:
        self._public_phone = self._number(field)

    def validate_timezone(self, field: StringField) -> None:
        try:
            ZoneInfo((field.data or "").strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                _("Choose a time zone from the list, such as America/Los_Angeles.")
            ) from None

    def validate_backup_officer_id(self, field: SelectField) -> None:
        if not field.data:
            return
        if self.role.data != Role.OFFICER.value:
            raise ValidationError(
                _("Only officers have a backup officer. Choose none, or make them an officer.")
            )
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(_("Choose an active officer other than this one, or none."))

    def validate_role(self, field: SelectField) -> None:
        member = self._member
        if member is None or field.data == member.role.value:
            return
        if member.id == current_user.id:
            raise ValidationError(
                _("You cannot take away your own administrator role: ask another administrator.")
            )
        clients = _count(caseload_of(member))
        if clients:
            raise ValidationError(
                ngettext(
                    "%(name)s still has %(num)d client in their caseload. Move it first "
                    "(Caseload, below), then change the role.",
                    "%(name)s still has %(num)d clients in their caseload. Move them first "
                    "(Caseload, below), then change the role.",
                    clients,
                    name=member.name,
                )
            )

    def values(self) -> dict[str, Any]:
        """What the form sets on a staff member, cleaned."""
        role = Role(self.role.data)
        return {
            "name": (self.name.data or "").strip(),
            "email": (self.email.data or "").strip().lower(),
            "role": role,
            "phone": self._phone,
            "public_phone": self._public_phone,
            "timezone": (self.timezone.data or "").strip(),
            "backup_officer_id": (self.backup_officer_id.data or None)
            if role == Role.OFFICER
            else None,
        }


class InviteForm(StaffMemberForm):
    password = _temporary_password_field()


class ResetPasswordForm(StaffForm):
    password = _temporary_password_field()


class MoveClientsForm(StaffForm):
    client_ids = SelectMultipleField(L_("Clients to move"), coerce=int, validate_choice=False)
    to_staff_id = SelectField(L_("Move them to"), coerce=int, validate_choice=False)

    def __init__(
        self, *args: Any, member: StaffUser, clients: list[Client], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._member = member
        self.client_ids.choices = [SelectChoice(c.id, c.display_name) for c in clients]
        others = db.session.scalars(
            select(StaffUser)
            .where(
                StaffUser.role == member.role,
                StaffUser.is_active_account.is_(True),
                StaffUser.id != member.id,
            )
            .order_by(StaffUser.name)
        ).all()
        choices = [SelectChoice(-1, _("— choose —"))]
        if member.role != Role.PROVIDER:  # a client always has a provider
            choices.append(SelectChoice(0, _("Nobody (remove the assignment)")))
        self.to_staff_id.choices = choices + [SelectChoice(s.id, s.name) for s in others]

    def validate_client_ids(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError(_("Tick at least one client to move."))
        known = {c.value for c in field.choices}
        if any(i not in known for i in field.data):
            raise ValidationError(
                _("Some of those clients are no longer in this caseload. Tick them again.")
            )

    def validate_to_staff_id(self, field: SelectField) -> None:
        if field.data is None or field.data < 0:
            raise ValidationError(_("Choose who takes over these clients."))
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(
                _("Choose an active staff member with the same role from the list.")
            )


# -- the list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    member: StaffUser
    clients: int
    locked: bool


@bp.get("/")
@login_required
def index() -> str:
    _admin_only()
    now = clock.now()
    members = db.session.scalars(
        select(StaffUser).order_by(StaffUser.is_active_account.desc(), StaffUser.name)
    ).all()
    roles = {m.id: m.role for m in members}
    counts: dict[int, int] = {}
    for role, column in CASELOAD_COLUMNS.items():
        for staff_id, n in db.session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ):
            if roles.get(staff_id) == role:
                counts[staff_id] = n
    rows = [Row(m, counts.get(m.id, 0), m.is_locked(now)) for m in members]
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
@login_required
def invite() -> Response | tuple[str, int]:
    _admin_only()
    form = InviteForm()
    if not form.is_submitted():
        form.timezone.data = current_app.config.get("BUSINESS_TIMEZONE", "America/Los_Angeles")
        form.role.data = Role.PROVIDER.value
    if form.validate_on_submit():
        now = clock.now()
        typed = (form.password.data or "").strip()
        password = typed or generate_password()
        member = StaffUser(created_at=now, must_change_password=True, **form.values())
        member.set_password(password)
        db.session.add(member)
        db.session.flush()
        audit.record(
            db.session,
            "staff.created",
            now=now,
            actor=current_user,
            subject=member,
            details={
                "role": member.role.value,
                "temporary": "typed" if typed else "generated",
                "backup_officer_id": member.backup_officer_id,
            },
        )
        db.session.commit()
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
    caseload = caseload_of(member)
    client_ids = caseload.with_only_columns(Client.id).scalar_subquery()
    page = render_template(
        "admin/staff_form.html",
        form=form,
        member=member,
        timezones=COMMON_TIMEZONES,
        reset_form=reset_form or ResetPasswordForm(formdata=None),
        button_form=CsrfForm(formdata=None),
        clients=_count(caseload),
        open_alerts=_count(
            select(Escalation).where(
                Escalation.status == EscalationStatus.OPEN, Escalation.client_id.in_(client_ids)
            )
        ),
        backs_up=db.session.scalars(
            select(StaffUser)
            .where(StaffUser.backup_officer_id == member.id)
            .order_by(StaffUser.name)
        ).all(),
        locked=member.is_locked(now),
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
@login_required
def edit(staff_id: int) -> Response | tuple[str, int]:
    _admin_only()
    member = _member_or_404(staff_id)
    if request.method != "POST":
        return _member_page(member, _member_form(member))
    form = _member_form(member, request.form)
    if not form.validate_on_submit():
        return _member_page(member, form, status=400)
    now = clock.now()
    changes = []
    for name, value in form.values().items():
        if getattr(member, name) != value:
            changes.append(name)
            setattr(member, name, value)
    if changes:
        details: dict[str, Any] = {"fields": changes}
        if "role" in changes:
            details["role"] = member.role.value
        if "backup_officer_id" in changes:
            details["backup_officer_id"] = member.backup_officer_id
        audit.record(
            db.session, "staff.updated", now=now, actor=current_user, subject=member,
            details=details,
        )  # fmt: skip
    db.session.commit()
    flash(
        _("%(name)s: saved.", name=member.name) if changes else _("Nothing changed."), "info"
    )
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


@bp.post("/<int:staff_id>/password")
@login_required
def reset_password(staff_id: int) -> Response | tuple[str, int]:
    _admin_only()
    member = _member_or_404(staff_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _member_page(member, _member_form(member), reset_form=form, status=400)
    now = clock.now()
    typed = (form.password.data or "").strip()
    password = typed or generate_password()
    member.set_password(password)
    member.must_change_password = True
    member.password_changed_at = now
    member.end_other_sessions()
    member.failed_sign_ins = 0
    member.last_failed_sign_in_at = None
    member.locked_until = None
    audit.record(
        db.session,
        "staff.password_reset",
        now=now,
        actor=current_user,
        subject=member,
        details={"temporary": "typed" if typed else "generated"},
    )
    db.session.commit()
    return _shown_once(member, password, new=False)


@bp.post("/<int:staff_id>/unlock")
@login_required
def unlock(staff_id: int) -> Response:
    _admin_only()
    member = _member_or_404(staff_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    now = clock.now()
    was_locked = member.is_locked(now)
    member.failed_sign_ins = 0
    member.last_failed_sign_in_at = None
    member.locked_until = None
    audit.record(
        db.session, "staff.unlocked", now=now, actor=current_user, subject=member,
        details={"was_locked": was_locked},
    )  # fmt: skip
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=member.name), "info")
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


@bp.post("/<int:staff_id>/deactivate")
@login_required
def deactivate(staff_id: int) -> Response:
    _admin_only()
    member = _member_or_404(staff_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if member.id == current_user.id:
        flash(_("You cannot deactivate your own account: ask another administrator."), "error")
        return redirect(url_for("staff_admin.edit", staff_id=member.id))
    if member.is_active_account:
        now = clock.now()
        member.is_active_account = False
        clients = _count(caseload_of(member))
        audit.record(
            db.session, "staff.deactivated", now=now, actor=current_user, subject=member,
            details={"clients": clients},
        )  # fmt: skip
        db.session.commit()
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
@login_required
def reactivate(staff_id: int) -> Response:
    _admin_only()
    member = _member_or_404(staff_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if not member.is_active_account:
        now = clock.now()
        member.is_active_account = True
        audit.record(db.session, "staff.reactivated", now=now, actor=current_user, subject=member)
        db.session.commit()
        flash(_("%(name)s can sign in again.", name=member.name), "info")
    return redirect(url_for("staff_admin.edit", staff_id=member.id))


# -- caseload ---------------------------------------------------------------------------


@bp.route("/<int:staff_id>/clients", methods=["GET", "POST"])
@login_required
def caseload(staff_id: int) -> Response | tuple[str, int]:
    _admin_only()
    member = _member_or_404(staff_id)
    column = CASELOAD_COLUMNS.get(member.role)
    clients = db.session.scalars(
        caseload_of(member).order_by(Client.display_name, Client.id)
    ).all()
    form = MoveClientsForm(member=member, clients=list(clients))
    if not form.is_submitted() and request.args.get("all") == "1":
        form.client_ids.data = [c.id for c in clients]
    if column is not None and form.validate_on_submit():
        now = clock.now()
        target_id = form.to_staff_id.data or None
        target = db.session.get(StaffUser, target_id) if target_id else None
        chosen = set(form.client_ids.data or [])
        moved = 0
        for client in clients:
            if client.id not in chosen:
                continue
            setattr(client, column.key, target_id)
            client.updated_at = now
            # Only the assignment changes: texts already planned (and their times) stay.
            audit.record(
                db.session,
                "client.reassigned",
                now=now,
                actor=current_user,
                subject=client,
                details={"role": member.role.value, "from": member.id, "to": target_id},
            )
            moved += 1
        db.session.commit()
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
