"""The plan editor's form (its items are read from the request in ``editor.py``)."""

from __future__ import annotations

from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import Optional

from companion.web.language import L_, StaffForm


class PlanForm(StaffForm):
    # The parts' items are read from the request by hand (their number changes
    # with Add/Remove), and checked by care.plan.normalise; these are the rest.
    review_date = DateField(L_("Review date"), validators=[Optional()])
    offense_chain_note = TextAreaField(
        L_("Offense chain (clinician only)"),
        description=L_("Never texted, and shown to providers only."),
    )
    base_version = HiddenField()
