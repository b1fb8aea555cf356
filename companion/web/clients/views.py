"""Client list, create and edit, and the client page: the signed-in staff member's caseload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.care.release import LABELS as RELEASE_LABELS
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.models import CheckIn, CheckInStatus, Client, ClientStatus, Consent, Direction, Role
from companion.runtime import escalation_settings, retention_settings, settings
from companion.services import clients, risk
from companion.services.planning import derived_level, latest_plan
from companion.services.worklist import languages as caseload_languages
from companion.services.worklist import worklist as read_worklist
from companion.web import clock
from companion.web.access import Action, caseload_query, client_or_403, kinds_seen, may, requires
from companion.web.clients import worklist
from companion.web.clients.charts import answer_label, checkin_charts, week_label
from companion.web.clients.forms import ClientForm, client_values
from companion.web.clients.wording import (
    CONSENT_EVENT_LABELS,
    CONSENT_LABELS,
    consent_disclosure,
    message_kind_label,
    pause_description,
    pause_words,
    texts_language,
)
from companion.web.language import _
from companion.web.shared import (
    ACUTE_WORDS,
    APPOINTMENT_KINDS,
    APPOINTMENT_STATUS,
    CHECKIN_STATUS,
    COMMON_TIMEZONES,
    MESSAGE_STATUS,
    STATUS_LABELS,
    CsrfForm,
    local_today,
    topic_label,
)
from companion.web.tasks.views import labelled

bp = Blueprint("clients", __name__, url_prefix="/clients")


def _disclosure(form: ClientForm) -> str:
    """The opt-in words for the name and language on the form (kept with an opt-in)."""
    return consent_disclosure(form.display_name.data.strip(), form.language.data).body


@bp.get("/")
@requires(Action.LIST_CLIENTS)
def index() -> Response | str:
    """The caseload as a worklist: 50 a page, who needs attention first (services/worklist)."""
    if current_user.role == Role.EXAMINER:
        return redirect(url_for("team.assigned"))  # their clients, with exams and alerts
    full = may(Action.VIEW_CLINICAL_RECORD)  # admins: the reduced record (care/roles.py)
    filters = worklist.read_filters(request.args, full)
    caseload = caseload_query(current_user)
    found = read_worklist(db.session, caseload, filters, clock.now())
    return render_template(
        "clients/index.html",
        found=found,
        filters=filters,
        headings=worklist.headings(filters, full),
        pages=worklist.page_links(filters, found),
        languages=worklist.language_labels(caseload_languages(db.session, caseload)),
        risks=worklist.risk_labels(),
        attention=worklist.attention_labels(full),
        consent_labels=CONSENT_LABELS,
        status_labels=STATUS_LABELS,
        full=full,
        client_base=url_for("clients.index"),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.ADD_CLIENT)
def create() -> Response | str:
    form = ClientForm()
    if not form.is_submitted():
        form.timezone.data = "America/Los_Angeles"
        if current_user.role == Role.PROVIDER:
            form.provider_id.data = current_user.id
    if form.validate_on_submit():
        if current_user.role == Role.PROVIDER and form.provider_id.data != current_user.id:
            form.provider_id.errors = [_("You can only add clients to your own caseload.")]
        else:
            client = clients.create_client(
                db.session,
                client_values(form),
                bool(form.consent.data),
                current_user,
                clock.now(),
                _disclosure(form),
                retention_settings(),
            )
            added = _("%(name)s was added.", name=client.display_name)
            flash(added + pause_words(client), "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None, timezones=COMMON_TIMEZONES)


@bp.get("/<int:client_id>")
@requires(Action.VIEW_CLIENT_SUMMARY)
def show(client_id: int) -> str:
    """The client page: a summary that fits a phone's first screen, then sections that
    fold; long lists are paged on the server (``?messages=2``, ``checkins``, ``appointments``)."""
    client = client_or_403(client_id)
    now = clock.now()
    full = may(Action.VIEW_CLINICAL_RECORD)
    page = clients.client_page(db.session, client, current_user, now, _page_number("messages"))
    return render_template(
        "clients/show.html",
        client=client,
        messages=page.messages,
        ledger=page.ledger,
        ledger_labels=CONSENT_EVENT_LABELS,
        Direction=Direction,
        care=client_overview(client, now),
        unreachable=page.unreachable,
        last_delivered=page.last_delivered,
        open_alerts=page.open_alerts,
        next_texts=page.next_texts,
        who_is_told=page.who_is_told,
        release_labels=RELEASE_LABELS,
        now=now,
        pause=pause_description(client) if client.status == ClientStatus.PAUSED else None,
        texts_in=texts_language(client),
        # Examiners and admins get the reduced record: no answers, texts or charts.
        full=full,
        charts=checkin_charts(client, now) if full else None,
        topic_label=topic_label,
        answer_label=answer_label,
        week_label=week_label,
        kind_label=message_kind_label,
        consent_labels=CONSENT_LABELS,
        status_labels=STATUS_LABELS,
        message_status=MESSAGE_STATUS,
        acute_words=ACUTE_WORDS,
        acute=risk.acute_freshness(client, now, settings().risk()),
        page_url=lambda name, number: _page_url(client.id, name, number),
    )


PAGED = ("messages", "checkins", "appointments")  # the client page's paged lists


def _page_number(name: str) -> int:
    value = request.args.get(name, "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _page_url(client_id: int, name: str, number: int) -> str:
    """The client page with list ``name`` at page ``number``, the other lists kept."""
    pages = {key: _page_number(key) for key in PAGED if _page_number(key) > 1}
    pages[name] = number
    shown = {key: value for key, value in pages.items() if value > 1}
    return url_for("clients.show", client_id=client_id, _anchor=f"s-{name}", **shown)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@requires(Action.EDIT_CLIENT)
def edit(client_id: int) -> Response | str:
    client = client_or_403(client_id)
    form = ClientForm(obj=client, client_id=client.id)
    if not form.is_submitted():
        form.consent.data = client.consent == Consent.OPTED_IN
        form.officer_id.data = client.officer_id or 0
        form.examiner_id.data = client.examiner_id or 0
        form.risk_level.data = client.risk_level.value
        form.status.data = client.status.value
        form.pause_reason.data = client.pause_reason or ""
    if form.validate_on_submit():
        if current_user.role == Role.PROVIDER and form.provider_id.data != current_user.id:
            form.provider_id.errors = [
                _("Ask an administrator to move a client to another provider.")
            ]
        else:
            updated = clients.update_client(
                db.session,
                client,
                client_values(form),
                bool(form.consent.data),
                current_user,
                clock.now(),
                _disclosure(form),
                escalation_settings(),
                retention_settings(),
            )
            message = _("Saved.") if updated.changes else _("Nothing changed.")
            if updated.rescheduled:
                message += " " + _("Texts not yet sent were re-planned for the new settings.")
            if updated.changes:
                message += pause_words(client)
            flash(message, "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template(
        "clients/form.html", form=form, client=client, timezones=COMMON_TIMEZONES
    )


def checkin_state(check_in: CheckIn, now: datetime) -> str:
    """A check-in's status as staff read it."""
    if check_in.status == CheckInStatus.OPEN:
        return _("planned") if check_in.due_at > now else _("waiting for an answer")
    label = CHECKIN_STATUS.get(check_in.status)
    return str(label) if label is not None else check_in.status.value


def client_overview(client: Client, now: datetime) -> dict[str, Any]:
    """What the client page shows of their care: plan, level, tasks, check-ins, appointments."""
    summary = clients.care_summary(
        db.session,
        client.id,
        now,
        kinds_seen(),
        checkins_page=_page_number("checkins"),
        appointments_page=_page_number("appointments"),
    )
    return {
        "plan": latest_plan(db.session, client.id),
        "derived": derived_level(client, local_today(client, now)),
        "task_rows": labelled(summary.open_tasks),
        "check_ins": summary.check_ins,
        "checkin_state": lambda c: checkin_state(c, now),
        "topics": TOPICS,
        "upcoming": summary.upcoming,
        "kinds": APPOINTMENT_KINDS,
        "statuses": APPOINTMENT_STATUS,
        "done_form": CsrfForm(formdata=None),
        "today": local_today(client, now),
    }
