"""The import's two forms: the file to check, and the checked file carried to the import."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from companion.web.language import L_, StaffForm


class UploadForm(StaffForm):
    file = FileField(
        L_("CSV file"),
        validators=[FileRequired(message=L_("Choose the CSV file to check."))],
        description=L_(
            "Comma- or semicolon-separated, saved as UTF-8 (in Excel: CSV UTF-8), "
            "at most 1 MB and 2,000 rows."
        ),
    )


class ConfirmForm(StaffForm):
    """The second step: the checked file, and how many appointments the page promised."""

    payload = HiddenField()
    expected = HiddenField()
    filename = HiddenField()
