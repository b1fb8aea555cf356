"""The acknowledgement form: what happens now, and an optional note."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from companion.web.alerts.wording import OUTCOME_LABELS
from companion.web.language import L_, StaffForm


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
