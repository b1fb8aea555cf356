"""The acknowledgement form: what happens now, and an optional note."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from companion.care.acknowledge import needs_reason
from companion.models import Outcome
from companion.web.alerts.wording import OUTCOME_LABELS
from companion.web.language import L_, StaffForm, _


class AcknowledgeForm(StaffForm):
    """The options fit the alert's kind (care/acknowledge.py): ``offer(outcomes)``."""

    outcome = RadioField(
        L_("What happens now"),
        choices=[SelectChoice(o.value, label) for o, label in OUTCOME_LABELS.items()],
        validators=[InputRequired(L_("Choose what happens now."))],
    )
    note = TextAreaField(
        L_("Note (a reason is needed to excuse it or call it a false alarm)"),
        validators=[Length(max=2000, message=L_("Keep the note under 2,000 characters."))],
        description=L_("Seen by the client's team on this page; never texted."),
    )

    def offer(self, outcomes: tuple[Outcome, ...]) -> AcknowledgeForm:
        """Only these options: one not offered is refused like any invalid choice."""
        self.outcome.choices = [SelectChoice(o.value, OUTCOME_LABELS[o]) for o in outcomes]
        return self

    def validate_note(self, field: Any) -> None:
        chosen = self.outcome.data
        valid = chosen in {o.value for o in Outcome}
        if valid and needs_reason(Outcome(chosen)) and not (field.data or "").strip():
            raise ValidationError(_("Say why: a reason is needed for this choice."))
