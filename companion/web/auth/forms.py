"""The sign-in and change-password forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from companion.services.accounts import PASSWORD_MIN_LENGTH
from companion.web.language import L_, StaffForm


class LoginForm(StaffForm):
    # No format check here: it only has to match a stored address.
    email = EmailField(L_("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(L_("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(StaffForm):
    current = PasswordField(
        L_("Current password"),
        validators=[DataRequired(message=L_("Enter your current password.")), Length(max=200)],
        description=L_("If an administrator gave you a temporary password, enter that one."),
    )
    new = PasswordField(
        L_("New password"),
        validators=[
            DataRequired(message=L_("Enter a new password.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=200,
                message=L_("Use between 10 and 200 characters."),
            ),
        ],
        description=L_(
            "At least 10 characters. A few unrelated words are easy to remember and hard to guess."
        ),
    )
    confirm = PasswordField(
        L_("New password again"),
        validators=[
            DataRequired(message=L_("Enter the new password a second time.")),
            EqualTo("new", message=L_("The two new passwords are not the same.")),
        ],
    )
