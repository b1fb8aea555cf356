"""The simulated phone's reply box."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from companion.web.language import L_, StaffForm


class ReplyForm(StaffForm):
    body = TextAreaField(L_("Reply as the client"), validators=[Length(max=1600)])


class JumpForm(StaffForm):
    """"Jump to the next planned text": a button, with its CSRF token."""
