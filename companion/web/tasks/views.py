"""The tasks page: open tasks across the caseload, and marking one done.

Providers and officers who see the client mark a task done; who and when are kept and audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.extensions import db
from companion.services import tasks as service
from companion.services.tasks import TaskRow
from companion.web import clock
from companion.web.access import Action, caseload_query, client_or_403, requires
from companion.web.language import _
from companion.web.shared import (
    APPOINTMENT_KINDS,
    TASK_LABELS,
    CsrfForm,
    safe_next,
    task_label,
)

bp = Blueprint("tasks", __name__)


def labelled(rows: list[TaskRow]) -> list[TaskRow]:
    """``rows`` with each task's kind in the reader's words."""
    for row in rows:
        row.label = task_label(row.task.kind)
    return rows


@bp.get("/tasks")
@requires(Action.WORK_TASKS)
def tasks() -> str:
    """Open tasks across the signed-in staff member's caseload, and the ones done lately."""
    open_rows, done_rows = service.caseload_tasks(db.session, caseload_query(current_user))
    return render_template(
        "tasks/tasks.html",
        open_rows=labelled(open_rows),
        done_rows=labelled(done_rows),
        kinds=APPOINTMENT_KINDS,
        done_form=CsrfForm(formdata=None),
    )


@bp.post("/tasks/<int:task_id>/done")
@requires(Action.WORK_TASKS)
def task_done(task_id: int) -> Response:
    """Mark a task done: who and when are kept, and audited."""
    task = service.task(db.session, task_id)
    if task is None:
        abort(404)
    client = client_or_403(task.client_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if service.mark_task_done(db.session, task, current_user, clock.now()):
        label = TASK_LABELS.get(task.kind, task.kind.replace("_", " "))
        flash(_("%(task)s for %(name)s marked done.", task=label, name=client.display_name), "info")
    else:
        flash(_("That task was already marked done."), "info")
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.tasks"))
