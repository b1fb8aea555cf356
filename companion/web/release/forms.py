"""Recording one category of a client's release of information."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from companion.care.release import CATEGORIES, LABELS
from companion.web.language import L_, StaffForm, _


class ReleaseForm(StaffForm):
    category = SelectField(
        L_("Category"),
        choices=[SelectChoice(c.value, L_(LABELS[c])) for c in CATEGORIES],
        validators=[InputRequired(L_("Choose a category."))],
    )
    granted = RadioField(
        L_("The client"),
        choices=[
            SelectChoice("yes", L_("signed a release for it")),
            SelectChoice("no", L_("did not sign, or withdrew it")),
        ],  # fmt: skip
        validators=[InputRequired(L_("Say whether the client signed it."))],
    )
    signed_on = DateField(
        L_("Signed (or withdrawn) on"),
        validators=[DataRequired(L_("Enter the date on the form."))],
    )
    expires_on = DateField(
        L_("Expires on (optional)"),
        validators=[Optional()],
        description=L_("The last day it holds; after it the officer is no longer told."),
    )
    note = StringField(L_("Note (optional)"), validators=[Length(max=300)])

    def validate_expires_on(self, field: Any) -> None:
        if field.data and self.signed_on.data and field.data < self.signed_on.data:
            raise ValidationError(_("The expiry date is before the signed date."))
