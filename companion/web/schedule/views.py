"""Risk and schedule pages: the assessments, the derived schedule and the overrides.

Providers edit; officers read; risk assessments are clinical, so admins and examiners
do not open these pages (docs/roles.md). Both changes re-plan the texts not yet sent
(``services.schedule``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.support import LazyProxy
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.care.cadence import DEFAULTS, NOTICE_OFFSETS, OVERRIDABLE, Cadence
from companion.care.topics import DEFAULT_TIMES, TOPICS
from companion.extensions import db
from companion.messaging.texts import QUESTIONS
from companion.models import AcuteLevel, Client, RiskLevel, ScheduleOverride
from companion.services import planning
from companion.services import schedule as schedules
from companion.web import clock
from companion.web.access import Action, client_or_403, may, record_view, requires
from companion.web.language import _
from companion.web.schedule.forms import OverrideForm, RiskForm
from companion.web.schedule.wording import PART_NAMES, describe, describe_value
from companion.web.shared import ACUTE_WORDS, local_today

bp = Blueprint("schedule", __name__)


@dataclass
class PartRow:
    part: str
    name: LazyProxy
    derived: str
    effective: str
    override: ScheduleOverride | None  # the override in force, if any


def _override_form_for(part: str, cadence: Cadence) -> OverrideForm:
    form = OverrideForm(formdata=None, prefix=part)
    day_parts = ("checkin_days", "reminder_days")
    form.days.data = list(getattr(cadence, part)) if part in day_parts else []
    form.evening.data = "yes" if cadence.evening_checkin else "no"
    form.notices.data = list(cadence.notices)
    form.misses.data = getattr(cadence, part) if part.endswith("_misses") else None
    form.business_days.data = cadence.ack_business_days
    return form


def _render_schedule(
    client: Client,
    now: datetime,
    *,
    risk_form: RiskForm | None = None,
    override_forms: dict[str, OverrideForm] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    today = local_today(client, now)
    found = schedules.schedule_page(db.session, client, today)
    derived, effective, history = found.derived, found.effective, found.history
    newest: dict[str, ScheduleOverride] = {}
    for row in history:
        newest.setdefault(row.part, row)
    rows = [
        PartRow(
            part=part,
            name=PART_NAMES[part],
            derived=describe(part, DEFAULTS[derived.level]),
            effective=describe(part, effective),
            override=newest[part] if part in newest and newest[part].value is not None else None,
        )
        for part in OVERRIDABLE
    ]
    forms = {part: _override_form_for(part, effective) for part in OVERRIDABLE}
    forms.update(override_forms or {})
    if risk_form is None:
        risk_form = RiskForm(formdata=None, today=today)
        risk_form.risk_level.data = client.risk_level.value
        risk_form.stable_score.data = client.stable_score
        risk_form.stable_date.data = client.stable_date
        risk_form.acute_level.data = client.acute_level.value if client.acute_level else ""
        risk_form.acute_date.data = client.acute_date
        risk_form.release_date.data = client.release_date
        risk_form.checkin_topics.data = list(client.checkin_topics or [])
        risk_form.checkin_times.data = ", ".join(client.checkin_times or [])
    page = render_template(
        "schedule/schedule.html",
        client=client,
        derived=derived,
        rows=rows,
        history=history,
        forms=forms,
        risk_form=risk_form,
        topics=TOPICS,
        questions=QUESTIONS,
        part_names=PART_NAMES,
        acute_words=ACUTE_WORDS,
        describe_value=describe_value,
        can_edit=may(Action.EDIT_SCHEDULE),
        times=client.checkin_times or list(DEFAULT_TIMES),
    )
    return page, status


@bp.get("/clients/<int:client_id>/schedule")
@requires(Action.VIEW_SCHEDULE)
def schedule(client_id: int) -> tuple[str, int]:
    """Risk, the derived schedule, and the provider's overrides of it."""
    client = client_or_403(client_id)
    now = clock.now()
    record_view(client, "schedule", now)
    return _render_schedule(client, now)


@bp.post("/clients/<int:client_id>/schedule")
@requires(Action.EDIT_SCHEDULE)
def save_risk(client_id: int) -> Response | tuple[str, int]:
    """Record the risk assessments, release date and check-in topics and times."""
    client = client_or_403(client_id)
    now = clock.now()
    form = RiskForm(today=local_today(client, now))
    if not form.validate_on_submit():
        return _render_schedule(client, now, risk_form=form, status=422)
    before = _level_words(client, now)
    values = {
        "risk_level": RiskLevel(form.risk_level.data),
        "stable_score": form.stable_score.data,
        "stable_date": form.stable_date.data,
        "acute_level": AcuteLevel(form.acute_level.data) if form.acute_level.data else None,
        "acute_date": form.acute_date.data,
        "release_date": form.release_date.data,
        "checkin_topics": [t for t in TOPICS if t in (form.checkin_topics.data or [])],
        "checkin_times": form.times,
    }
    changes = schedules.save_risk(db.session, client, values, current_user, now)
    if not changes:
        flash(_("Nothing changed."), "info")
        return redirect(url_for("schedule.schedule", client_id=client.id))
    messages = [_("Saved.")]
    if schedules.MOVES_SCHEDULE & set(changes):
        after = _level_words(client, now)
        if after != before:
            messages.append(_("Schedule level now %(level)s.", level=after))
        messages.append(_("Texts not yet sent were re-planned."))
    if {"stable_score", "acute_level"} & set(changes):
        messages.append(_("A dynamic score changed: review the plan."))
    flash(" ".join(messages), "info")
    return redirect(url_for("schedule.schedule", client_id=client.id))


def _level_words(client: Client, now: datetime) -> str:
    derived = planning.derived_level(client, local_today(client, now))
    reasons = "; ".join(_(reason) for reason in derived.reasons)
    return derived.level + (f" ({reasons})" if reasons else "")


def _override_value(part: str, form: OverrideForm, effective: Cadence) -> tuple[Any, bool]:
    """The value to store for ``part`` from its form: (value, ok)."""
    if part in ("checkin_days", "reminder_days"):
        return sorted(set(form.days.data or [])), True
    if part == "evening_checkin":
        if form.evening.data not in ("yes", "no"):
            form.evening.errors = [_("Choose yes or no.")]
            return None, False
        return form.evening.data == "yes", True
    if part == "notices":
        chosen = set(form.notices.data or [])
        return [n for n in NOTICE_OFFSETS if n in chosen], True
    if part == "ack_business_days":
        if form.business_days.data is None:
            if not form.business_days.errors:
                form.business_days.errors = [_("Enter a number from 1 to 5.")]
            return None, False
        return form.business_days.data, True
    if form.misses.data is None:
        if not form.misses.errors:
            form.misses.errors = [_("Enter a number from 1 to 7.")]
        return None, False
    # The ladder climbs: the officer is never told before the provider would be.
    if part == "officer_after_misses" and form.misses.data < effective.escalate_after_misses:
        form.misses.errors = [
            _(
                "At least %(least)s: the provider is told first (after %(after)s).",
                least=effective.escalate_after_misses,
                after=describe("escalate_after_misses", effective),
            )
        ]
        return None, False
    if part == "escalate_after_misses" and form.misses.data > effective.officer_after_misses:
        form.misses.errors = [
            _(
                "At most %(most)s: the officer is told after %(after)s.",
                most=effective.officer_after_misses,
                after=describe("officer_after_misses", effective),
            )
        ]
        return None, False
    return form.misses.data, True


@bp.post("/clients/<int:client_id>/schedule/overrides/<part>")
@requires(Action.EDIT_SCHEDULE)
def override(client_id: int, part: str) -> Response | tuple[str, int]:
    """Override one part of the derived schedule, or return it to derived; both need a reason."""
    client = client_or_403(client_id)
    if part not in OVERRIDABLE:
        abort(404)
    now = clock.now()
    form = OverrideForm(prefix=part)
    back_to_derived = request.form.get("action") == "derived"
    ok = form.validate_on_submit()
    _derived, in_force, effective = schedules.in_force(db.session, client, local_today(client, now))
    value, value_ok = (None, True) if back_to_derived else _override_value(part, form, effective)
    if not (ok and value_ok):
        return _render_schedule(client, now, override_forms={part: form}, status=422)
    anchor = f"part-{part}"
    if back_to_derived and in_force.get(part) is None:
        flash(_("%(part)s already follows the derived schedule.", part=PART_NAMES[part]), "info")
        return redirect(url_for("schedule.schedule", client_id=client.id, _anchor=anchor))
    reason = (form.reason.data or "").strip()
    schedules.set_override(db.session, client, part, value, reason, current_user, now)
    level = planning.derived_level(client, local_today(client, now)).level
    if back_to_derived:
        words = describe(part, DEFAULTS[level])
        flash(
            _(
                "%(part)s: back to derived (%(words)s). Pending texts re-planned.",
                part=PART_NAMES[part],
                words=words,
            ),
            "info",
        )
    else:
        words = describe_value(part, value, level)
        flash(
            _(
                "%(part)s: overridden (%(words)s). Pending texts re-planned.",
                part=PART_NAMES[part],
                words=words,
            ),
            "info",
        )
    return redirect(url_for("schedule.schedule", client_id=client.id, _anchor=anchor))
