"""The onboarding steps' forms: the client form plus a release date, and the steps' CSRF."""

from __future__ import annotations

from wtforms import DateField
from wtforms.validators import Optional

from companion.web.clients.forms import ClientForm
from companion.web.language import L_, StaffForm


class OnboardForm(ClientForm):
    """The client form, plus the release date the risk step asks for."""

    release_date = DateField(
        L_("Release date"),
        validators=[Optional()],
        description=L_("The first 90 days after release raise the schedule one level."),
    )


class NavForm(StaffForm):
    """Only the CSRF token: every step's POST carries it."""
