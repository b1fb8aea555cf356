"""The staff administration forms: a staff member's details, temporary passwords, moves."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_login import current_user
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from companion.care.phones import to_e164
from companion.extensions import db
from companion.models import Client, Role, StaffUser
from companion.services import staff
from companion.services.accounts import PASSWORD_MIN_LENGTH
from companion.web.language import L_, StaffForm, _, ngettext

ROLE_LABELS = {
    Role.PROVIDER: L_("Provider"),
    Role.OFFICER: L_("Supervising officer"),
    Role.EXAMINER: L_("Polygraph examiner"),
    Role.ADMIN: L_("Administrator"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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
        officers = staff.active_officers(db.session)
        self.backup_officer_id.choices = [SelectChoice(0, _("— none —"))] + [
            SelectChoice(o.id, o.name) for o in officers if member is None or o.id != member.id
        ]

    def validate_email(self, field: StringField) -> None:
        email = (field.data or "").strip().lower()
        if not _EMAIL.fullmatch(email):
            raise ValidationError(_("Enter an email address such as dana@agency.example."))
        if staff.email_taken(db.session, email, self._member.id if self._member else None):
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
        taken = staff.phone_taken(db.session, e164, self._member.id if self._member else None)
        if taken == "staff":
            raise ValidationError(
                _("Another staff member gets alerts at this number: each needs their own.")
            )
        if taken == "client":
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
        clients = staff.caseload_size(db.session, member)
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

    def __init__(self, *args: Any, member: StaffUser, clients: list[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._member = member
        self.client_ids.choices = [SelectChoice(c.id, c.display_name) for c in clients]
        others = staff.others_in_role(db.session, member)
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
