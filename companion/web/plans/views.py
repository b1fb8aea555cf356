"""Plan pages: the newest version, any saved version, and the editor.

The plan is clinical: providers edit it; officers read it, without the clinician-only
offense chain note; admins and examiners do not open it (docs/roles.md). Saving is
``services.plans.save_plan``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel import Locale
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.care.phones import display_phone
from companion.care.plan import (
    MAX_ITEMS,
    PARTS,
    Problem,
    discretion_errors,
    empty_content,
    normalise,
)
from companion.extensions import db
from companion.messaging.compose import discretion_lists
from companion.models import Client, PlanVersion
from companion.services import planning, plans
from companion.web import clock
from companion.web.access import Action, client_or_403, may, record_view, requires
from companion.web.language import _
from companion.web.plans.editor import (
    ITEM_NOUNS,
    LINE_NOTES,
    PLAN_CHOICES,
    apply_action,
    items_from_form,
    line_hints,
    reminder_preview,
    segment_errors,
    texts_language,
)
from companion.web.plans.forms import PlanForm
from companion.web.shared import local_today

bp = Blueprint("plans", __name__)

REVIEW_EVERY = timedelta(days=90)  # DOMAIN.md: a plan is reviewed every 90 days


def _render_version(client: Client, version: PlanVersion | None, now: datetime) -> str:
    versions = plans.versions(db.session, client.id)
    content = version.content if version else empty_content()
    record_view(client, "plan", now, version=version.version if version else None)
    return render_template(
        "plans/plan.html",
        client=client,
        version=version,
        newest=versions[0] if versions else None,
        versions=versions,
        content=content,
        parts=PARTS,
        choice_labels=PLAN_CHOICES,
        preview=reminder_preview(client, content),
        preview_language=texts_language(client),
        preview_rtl=Locale.parse(texts_language(client)).character_order == "right-to-left",
        show_chain=may(Action.EDIT_PLAN),  # the offense chain note is clinician-only
        can_edit=may(Action.EDIT_PLAN),
        today=local_today(client, now),
        display_phone=display_phone,
    )


@bp.get("/clients/<int:client_id>/plan")
@requires(Action.VIEW_PLAN)
def plan(client_id: int) -> str:
    """The newest version of the plan."""
    client = client_or_403(client_id)
    return _render_version(client, planning.latest_plan(db.session, client.id), clock.now())


@bp.get("/clients/<int:client_id>/plan/versions/<int:number>")
@requires(Action.VIEW_PLAN)
def plan_version(client_id: int, number: int) -> str:
    """One version of the plan, at its own address, as it was saved."""
    client = client_or_403(client_id)
    version = plans.version(db.session, client.id, number)
    if version is None:
        abort(404)
    return _render_version(client, version, clock.now())


def _render_editor(
    client: Client,
    form: PlanForm,
    items: dict[str, list[dict[str, Any]]],
    *,
    errors: dict[str, str] | None = None,
    notice: str = "",
    conflict: PlanVersion | None = None,
    status: int = 200,
) -> tuple[str, int]:
    # What the lines marked "OK to text" would say, before anything is saved.
    typed, _problems = normalise(items, current_app.config["DEFAULT_REGION"])
    language = texts_language(client)
    page = render_template(
        "plans/plan_edit.html",
        preview=reminder_preview(client, typed),
        preview_language=language,
        preview_rtl=Locale.parse(language).character_order == "right-to-left",
        client=client,
        form=form,
        parts=PARTS,
        items=items,
        # The domain's messages are English; show them in the staff member's language.
        errors={
            key: message.translated(_) if isinstance(message, Problem) else message
            for key, message in (errors or {}).items()
        },
        notice=notice,
        conflict=conflict,
        nouns=ITEM_NOUNS,
        choice_labels=PLAN_CHOICES,
        max_items=MAX_ITEMS,
        line_hints=line_hints(),
        line_notes=LINE_NOTES,
    )
    return page, status


@bp.route("/clients/<int:client_id>/plan/edit", methods=["GET", "POST"])
@requires(Action.EDIT_PLAN)
def plan_edit(client_id: int) -> Response | tuple[str, int]:
    """The plan editor. Add, Remove and Move re-show the form; only "Save plan" saves.

    Works without JavaScript: every list operation is a submit button, and the
    page comes back with everything typed so far.
    """
    client = client_or_403(client_id)
    now = clock.now()

    if request.method == "GET":
        latest = planning.latest_plan(db.session, client.id)
        record_view(client, "plan editor", now)
        form = PlanForm(formdata=None)
        content = latest.content if latest else empty_content()
        items = {p.key: [dict(item) for item in content.get(p.key, [])] for p in PARTS}
        form.review_date.data = (
            latest.review_date if latest else local_today(client, now) + REVIEW_EVERY
        )
        form.offense_chain_note.data = content.get("offense_chain_note", "")
        form.base_version.data = str(latest.version if latest else 0)
        return _render_editor(client, form, items)

    form = PlanForm()
    items = items_from_form(request.form)
    action = request.form.get("action", "save")
    if action != "save":
        done = apply_action(items, action)
        notice = " ".join(
            words for words in (done, _("Nothing is saved until you press Save plan.")) if words
        )
        return _render_editor(client, form, items, notice=notice)

    form_ok = form.validate()
    raw = {**items, "offense_chain_note": form.offense_chain_note.data or ""}
    content, errors = normalise(raw, current_app.config["DEFAULT_REGION"])
    for more in (
        discretion_errors(content, discretion_lists()),
        segment_errors(client, content),
    ):
        for key, message in more.items():
            errors.setdefault(key, message)
    if errors or not form_ok:
        return _render_editor(client, form, items, errors=errors, status=422)

    saved = plans.save_plan(
        db.session,
        client,
        content,
        form.review_date.data,
        form.base_version.data or "",
        current_user,
        now,
    )
    if saved.conflict:
        form.base_version.data = str(saved.newest.version if saved.newest else 0)
        return _render_editor(client, form, items, conflict=saved.newest, status=409)
    if saved.unchanged:
        flash(_("Nothing changed, so no new version was saved."), "info")
    else:
        flash(_("Plan saved as version %(number)s.", number=saved.number), "info")
    return redirect(url_for("plans.plan", client_id=client.id))
