"""The admin's Languages page: each shipped text language, its translator review, and
whether it is approved for sending in production.

- ``/admin/languages/``: the ten languages, English first: reviewed or a drafted
  translation (marked), approved or not, by whom and when, and whether texts go out in
  it where the app runs now (in development, demo and testing every language is sent,
  drafted ones marked as such).
- ``/admin/languages/<lang>`` (POST): approve for sending, or withdraw, with a note;
  audited (``services.languages.set_approval``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length, Optional

from companion import runtime
from companion.extensions import db
from companion.messaging.i18n import SOURCE_LANGUAGE, language_name, shipped_languages
from companion.services import languages
from companion.services.languages import MAX_NOTE
from companion.web import clock
from companion.web.access import Action, requires
from companion.web.language import L_, StaffForm, _

bp = Blueprint("languages", __name__, url_prefix="/admin/languages")


class ApprovalForm(StaffForm):
    note = StringField(
        L_("Note (who reviewed it, what was checked)"),
        validators=[Optional(), Length(max=MAX_NOTE)],
    )


@bp.get("/")
@requires(Action.APPROVE_LANGUAGES)
def index() -> str:
    settings = runtime.settings()
    rows = languages.statuses(
        db.session,
        production=settings.production,
        hold_unreviewed=settings.hold_unreviewed_languages,
    )
    return render_template(
        "languages/index.html",
        rows=rows,
        production=settings.production,
        fallback=settings.language_fallback,
        forms={row.language: ApprovalForm(prefix=row.language) for row in rows},
        zone=current_user.timezone,
    )


@bp.post("/<lang>")
@requires(Action.APPROVE_LANGUAGES)
def decide(lang: str) -> Response:
    if lang not in shipped_languages() or lang == SOURCE_LANGUAGE:
        abort(404)
    form = ApprovalForm(prefix=lang)
    if not form.validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"  # the button pressed
    languages.set_approval(
        db.session, lang, approve, current_user, clock.now(), form.note.data or ""
    )
    name = language_name(lang)
    if approve:
        flash(_("%(language)s is approved for sending.", language=name), "success")
    else:
        flash(_("%(language)s is no longer approved: its clients get the fallback.", language=name))
    return redirect(url_for("languages.index"))
