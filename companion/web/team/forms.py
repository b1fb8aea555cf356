"""The audit log's filter (a GET form: no CSRF token)."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from companion.web.language import L_, StaffForm, _


class AuditFilterForm(StaffForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    action = SelectField(L_("Action"), default="")
    actor = SelectField(L_("By"), default="")
    client_id = IntegerField(
        L_("Client number"),
        validators=[Optional(), NumberRange(min=1, message=L_("A client number is 1 or more."))],
    )
    since = DateField(L_("From"), validators=[Optional()])
    until = DateField(L_("To (inclusive)"), validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end of the range is before its start."))
