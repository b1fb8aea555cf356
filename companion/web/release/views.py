"""The release page: a client's release of information per category, its history, and the
table "who is told what" (also an include for the client page: release/_who_is_told.html).

The provider records the release; the officer reads it (what they are told rests on it).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.care.release import LABELS, Category
from companion.extensions import db
from companion.services import release as service
from companion.web import clock
from companion.web.access import Action, client_or_403, may, requires
from companion.web.language import _
from companion.web.release.forms import ReleaseForm

bp = Blueprint("release", __name__)


@bp.route("/clients/<int:client_id>/release", methods=["GET", "POST"])
@requires(Action.VIEW_RELEASE, on_post=Action.EDIT_RELEASE)
def release(client_id: int) -> Response | str | tuple[str, int]:
    client = client_or_403(client_id)
    form = ReleaseForm()
    if form.is_submitted():
        if not may(Action.EDIT_RELEASE):
            return _page(client, form), 403
        if form.validate():
            service.record(
                db.session, client, Category(form.category.data), form.granted.data == "yes",
                form.signed_on.data, form.expires_on.data, current_user, clock.now(),
                form.note.data or "",
            )  # fmt: skip
            flash(_("Release recorded."), "info")
            return redirect(url_for("release.release", client_id=client.id))
        return _page(client, form), 400
    return _page(client, form)


def _page(client: object, form: ReleaseForm) -> str:
    now = clock.now()
    return render_template(
        "release/release.html",
        client=client,
        form=form,
        who_is_told=service.who_is_told(db.session, client, now),  # type: ignore[arg-type]
        history=service.history(db.session, client.id),  # type: ignore[attr-defined]
        labels=LABELS,
        staff_zone=current_user.timezone,
    )
