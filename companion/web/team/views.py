"""Team views: a client's timeline and a polygraph examiner's clients.

- ``/clients/<id>/timeline``: everything that happened, newest first: texts sent
  (with their delivery: a failed delivery is a phone problem, not defiance),
  texts received, check-in answers and misses, appointments, and each step of
  every escalation. Times in the staff member's time zone.
- ``/clients/<id>/report?month=YYYY-MM`` (and ``report.csv``): the month's
  check-in adherence, appointments kept by kind, escalations by reason with
  their outcomes and time to acknowledgement. The month is the client's own
  (their time zone): it is their days that are counted.
- ``/admin/audit``: the append-only audit log, filtered; administrators only.
- ``/assigned``: a polygraph examiner's clients (their home page).

Every view of a client's record is audited, as everywhere else; the caseload
rule (``access.py``) applies, and examiners and admins never reach the first two.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from companion.extensions import db
from companion.models import CheckInStatus, Direction, Role, Status
from companion.services import team
from companion.services.reports import reason_text
from companion.web import clock
from companion.web.access import (
    Action,
    caseload_query,
    client_or_403,
    kinds_seen,
    record_view,
    requires,
)
from companion.web.team import bp
from companion.web.team.wording import (
    APPOINTMENT_OUTCOMES,
    CHANNEL_WORDS,
    DELIVERY,
    answer_words,
    carrier_words,
    kind_words,
    message_kind,
    no_numbers,
    outcome_words,
    page_number,
    reason_label,
    topic_words,
)


def page_or_400() -> int:
    try:
        return page_number(request.args.get("page", "1"))
    except ValueError:
        abort(400)


@bp.get("/clients/<int:client_id>/timeline")
@requires(Action.VIEW_CLINICAL_RECORD)
def timeline(client_id: int) -> str:
    """Everything that happened with one client, newest first, 100 to a page."""
    client = client_or_403(client_id)
    page = page_or_400()
    now = clock.now()
    entries, total = team.timeline(db.session, client.id, now, page)
    record_view(client, "timeline", now, page_number=page)
    pages = max(1, -(-total // team.TIMELINE_PAGE))
    return render_template(
        "team/timeline.html",
        client=client,
        entries=entries,
        page=page,
        pages=pages,
        total=total,
        zone=current_user.timezone,
        Direction=Direction,
        Status=Status,
        CheckInStatus=CheckInStatus,
        message_kind=message_kind,
        delivery=DELIVERY,
        carrier_words=carrier_words,
        no_numbers=no_numbers,
        answer_words=answer_words,
        topic_words=topic_words,
        kinds=kind_words(),
        outcomes=APPOINTMENT_OUTCOMES,
        reason_label=reason_label,
        reason_text=reason_text,
        outcome_words=outcome_words(),
        channel_words=CHANNEL_WORDS,
    )


# -- a polygraph examiner's clients --------------------------------------------------------


@bp.get("/assigned")
@requires(Action.SEE_HOME)
def assigned() -> Response | str:
    """An examiner's home: their assigned clients, next appointment and open alerts."""
    if current_user.role != Role.EXAMINER:
        return redirect(url_for("clients.index"))
    now = clock.now()
    found = team.assigned(db.session, caseload_query(current_user), now, kinds_seen())
    return render_template(
        "team/assigned.html",
        clients=found.clients,
        upcoming=found.upcoming,
        alerts=found.alerts,
        kinds=kind_words(),
        zone=current_user.timezone,
    )
