"""Care pages: the relapse-prevention plan, risk and schedule, appointments and tasks.

Who may do what (on top of the caseload rule in ``access.py``):

- the plan is clinical: providers edit it; officers and admins read it, without
  the clinician-only offense chain note;
- risk and schedule: providers and admins edit (admins can already change the
  risk level on the client form); officers read;
- appointments: providers, officers and admins all manage them (probation
  meetings and court dates are often the officer's to set);
- tasks: anyone who sees the client may mark one done.

Every change is audited, and anything that moves the schedule calls
``planning.replan`` so texts already planned follow it.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.support import LazyProxy
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from companion.care.cadence import (
    DEFAULTS,
    LEVELS,
    MOST_ACK_DAYS,
    MOST_MISSES,
    NOTICE_OFFSETS,
    OVERRIDABLE,
    WEEKDAYS,
    Cadence,
    apply_overrides,
    effective_cadence,
)
from companion.care.clock import local_instant, skipped_gap
from companion.care.escalation import Reason
from companion.care.labels import W_
from companion.care.phones import display_phone
from companion.care.plan import (
    MAX_ITEMS,
    PART_BY_KEY,
    PARTS,
    PartSpec,
    Problem,
    discretion_errors,
    empty_content,
    indiscreet_word,
    normalise,
    reminder_lines,
)
from companion.care.topics import DEFAULT_TIMES, EVENING_TIME, TOPICS
from companion.extensions import db
from companion.messaging.compose import render
from companion.messaging.i18n import language_name, sending_language
from companion.messaging.texts import PLAN_LINES, QUESTIONS
from companion.models import (
    AcuteLevel,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    PlanVersion,
    RiskLevel,
    Role,
    ScheduleOverride,
    StaffUser,
    Status,
    Task,
    TaskStatus,
)
from companion.models.message import STATUS_WORDS
from companion.runtime import escalation_settings
from companion.services import appointment_outcomes, audit, planning
from companion.services.appointment_outcomes import Recorded
from companion.services.escalations import note, open_escalation
from companion.web import clock
from companion.web.access import caseload_query, client_or_403, record_view
from companion.web.auth import _safe_next
from companion.web.language import L_, StaffForm, _, ngettext, ui_language

bp = Blueprint("care", __name__)

PLAN_EDITORS = (Role.PROVIDER,)
SCHEDULE_EDITORS = (Role.PROVIDER, Role.ADMIN)
# Longest plan reminder we let a provider approve: three SMS segments.
MAX_REMINDER_SEGMENTS = 3
REVIEW_EVERY = timedelta(days=90)  # DOMAIN.md: a plan is reviewed every 90 days
FURTHEST_APPOINTMENT = timedelta(days=730)

# -- staff-facing words -----------------------------------------------------------------
# Shown in the staff member's language (the "web" catalog): L_() here, _() in views.


def _lazy(make: Any) -> LazyProxy:
    """A label with values in it (``make`` calls ``_()``), translated when it is shown."""
    return LazyProxy(make, enable_cache=False)


# What an appointment is shows on these pages only: texts never name it. In English
# (KIND_NAMES) where it is kept with an alert; in the reader's language on the pages.
KIND_NAMES: dict[AppointmentKind, str] = {
    AppointmentKind.TREATMENT_GROUP: W_("Treatment group"),
    AppointmentKind.INDIVIDUAL: W_("Individual session"),
    AppointmentKind.SUPERVISION: W_("Probation/parole meeting"),
    AppointmentKind.POLYGRAPH: W_("Polygraph exam"),
    AppointmentKind.COURT: W_("Court date"),
}
APPOINTMENT_KINDS: dict[AppointmentKind, LazyProxy] = {
    kind: L_(name) for kind, name in KIND_NAMES.items()
}
APPOINTMENT_STATUS: dict[AppointmentStatus, LazyProxy] = {
    AppointmentStatus.SCHEDULED: L_("scheduled"),
    AppointmentStatus.CONFIRMED: L_("confirmed by the client"),
    AppointmentStatus.RESCHEDULE_REQUESTED: L_("the client asked to reschedule"),
    AppointmentStatus.CANCELLED: L_("cancelled"),
    AppointmentStatus.KEPT: L_("kept"),
    AppointmentStatus.MISSED: L_("missed"),
}
# A notice's state, as the appointments page shows it (the value stays the CSS class).
MESSAGE_STATUS: dict[Status, LazyProxy] = {s: L_(word) for s, word in STATUS_WORDS.items()}
CHECKIN_STATUS: dict[CheckInStatus, LazyProxy] = {
    CheckInStatus.ANSWERED: L_("answered"),
    CheckInStatus.MISSED: L_("missed"),
    CheckInStatus.WITHDRAWN: L_("withdrawn"),
}
# An ACUTE-2007 result: as a choice on the form, and as read on the schedule page.
ACUTE_CHOICES: dict[AcuteLevel, LazyProxy] = {
    AcuteLevel.LOW: L_("Low"),
    AcuteLevel.MODERATE: L_("Moderate"),
    AcuteLevel.HIGH: L_("High"),
}
ACUTE_WORDS: dict[AcuteLevel, LazyProxy] = {
    AcuteLevel.LOW: L_("low"),
    AcuteLevel.MODERATE: L_("moderate"),
    AcuteLevel.HIGH: L_("high"),
}
# The choices of a plan item's choice fields (care.plan): the value is stored, this is shown.
PLAN_CHOICES: dict[str, LazyProxy] = {
    "avoid": L_("avoid"),
    "manage": L_("manage"),
    "court": L_("court"),
    "officer": L_("officer"),
    "provider": L_("provider"),
    "relatedness": L_("relatedness"),
    "community": L_("community"),
    "work": L_("work"),
    "knowledge": L_("knowledge"),
    "inner peace": L_("inner peace"),
    "health": L_("health"),
    "creativity": L_("creativity"),
    "pleasure": L_("pleasure"),
    "agency": L_("agency"),
    "spirituality": L_("spirituality"),
    "life": L_("life"),
}
TEXT_LABELS = {
    "appt_day_before": L_("Day before"),
    "appt_same_day": L_("Same day"),
    "appt_2h": L_("2 hours before"),
    "appt_cancelled": L_("Cancellation"),
    "appt_confirmed": L_("Confirmation (reply)"),
    "appt_reschedule": L_("Reschedule answer (reply)"),
}
TASK_LABELS = {
    "reschedule_request": L_("Reschedule request"),
    "unmatched_reply": L_("Reply with no open question"),
}
DAY_NAMES = (L_("Mon"), L_("Tue"), L_("Wed"), L_("Thu"), L_("Fri"), L_("Sat"), L_("Sun"))
NOTICE_NAMES = {
    "day_before": L_("day before"),
    "same_day": L_("same day"),
    "2h_before": L_("2 hours before"),
}
PART_NAMES = {
    "checkin_days": L_("Check-in days"),
    "evening_checkin": _lazy(lambda: _("Evening check-in (%(time)s)", time=EVENING_TIME)),
    "reminder_days": L_("Plan reminder days"),
    "notices": L_("Appointment notices"),
    "escalate_after_misses": L_("Tell the provider after"),
    "officer_after_misses": L_("Tell the officer after"),
    "ack_business_days": L_("Wait for acknowledgement"),
}
ITEM_NOUNS = {
    "warning_signs": L_("warning sign"),
    "high_risk_situations": L_("high-risk situation"),
    "thinking_errors": L_("thinking error"),
    "coping_strategies": L_("coping strategy"),
    "support_contacts": L_("support contact"),
    "external_controls": L_("external control"),
    "approach_goals": L_("approach goal"),
}

# How each part reads in a text (from the text source itself, so it cannot drift),
# with its words named after the form's fields. The text stays as the source has it;
# the words in brackets are the staff member's.
_LINE_OF_PART = {
    "warning_signs": ("warning_sign", {"sign": L_("warning sign"), "step": L_("coping step")}),
    "high_risk_situations": ("avoid", {"situation": L_("situation")}),
    "thinking_errors": ("thought", {"thought": L_("replacement thought")}),
    "coping_strategies": ("coping", {"trigger": L_("trigger"), "steps": L_("steps")}),
    "support_contacts": ("support", {"contact": L_("name"), "contact_phone": L_("phone")}),
    "external_controls": ("control", {"condition": L_("condition")}),
    "approach_goals": ("goal", {"goal": L_("goal"), "step": L_("next step")}),
}


def line_hints() -> dict[str, str]:
    """Each part's line as texted, with its words in brackets (in the reader's language)."""
    return {
        part: PLAN_LINES[template] % {k: f"[{v}]" for k, v in words.items()}
        for part, (template, words) in _LINE_OF_PART.items()
    }


LINE_NOTES = {
    "high_risk_situations": L_("Only situations to avoid are ever texted."),
    "thinking_errors": L_("The thinking error itself is never texted."),
}


@bp.app_template_filter("localtime")
def localtime(instant: datetime | None, zone: str, with_zone: bool = True) -> str:
    """``instant`` as a wall-clock time in ``zone``: "Mon 23 Nov 2026, 10:00 PST"."""
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(zone))
    language = ui_language()
    if language == "en":
        text = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    else:  # the same shape in the page's language: "lun 23 nov 2026, 10:00 PST"
        text = format_datetime(local, "EEE d MMM y, HH:mm", locale=language)
    return f"{text} {local:%Z}" if with_zone else text


def _require(roles: tuple[Role, ...]) -> None:
    if current_user.role not in roles:
        abort(403)


def _local_today(client: Client, now: datetime) -> date:
    return now.astimezone(ZoneInfo(client.timezone)).date()


class CsrfForm(StaffForm):
    """A form with no fields: the CSRF token of a one-button POST."""


# -- the relapse-prevention plan ---------------------------------------------------------


class PlanForm(StaffForm):
    # The parts' items are read from the request by hand (their number changes
    # with Add/Remove), and checked by care.plan.normalise; these are the rest.
    review_date = DateField(L_("Review date"), validators=[Optional()])
    offense_chain_note = TextAreaField(
        L_("Offense chain (clinician only)"),
        description=L_("Never texted, and shown to providers only."),
    )
    base_version = HiddenField()


_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _new_item(part: PartSpec) -> dict[str, Any]:
    item: dict[str, Any] = {"id": _fresh_id(), "ok_to_text": part.texted_by_default}
    for spec in part.fields:
        item[spec.name] = False if spec.kind == "bool" else ""
    return item


def _fresh_id() -> str:
    # The shape normalise() gives a new item, made here so an item added with
    # "Add" keeps its id through every re-render before the save.
    return uuid.uuid4().hex[:12]


def _items_from_form(form: MultiDict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The plan's items as typed, part by part, in the order of the form.

    Each item is named ``<part>-<index>-<field>``; an item exists when its
    hidden ``id`` does (so an item with every box empty is still an item).
    """
    items: dict[str, list[dict[str, Any]]] = {}
    for part in PARTS:
        pattern = re.compile(rf"{part.key}-(\d{{1,3}})-id")
        indices = sorted({int(m.group(1)) for key in form if (m := pattern.fullmatch(key))})
        found = []
        for index in indices[: MAX_ITEMS + 10]:  # normalise() reports more than MAX_ITEMS
            prefix = f"{part.key}-{index}-"
            raw_id = form.get(prefix + "id", "")
            item: dict[str, Any] = {
                "id": raw_id if _ID.fullmatch(raw_id) else _fresh_id(),
                "ok_to_text": prefix + "ok_to_text" in form,
            }
            for spec in part.fields:
                if spec.kind == "bool":
                    item[spec.name] = prefix + spec.name in form
                else:
                    item[spec.name] = form.get(prefix + spec.name, "")
            found.append(item)
        items[part.key] = found
    return items


def _apply_action(items: dict[str, list[dict[str, Any]]], action: str) -> str:
    """Add, remove or move one item (``add:<part>``, ``up:<part>:<i>``…); say what was done."""
    verb, _sep, rest = action.partition(":")
    key, _sep, index_text = rest.partition(":")
    part = PART_BY_KEY.get(key)
    if part is None:
        return ""
    noun = ITEM_NOUNS[key]
    found = items[key]
    if verb == "add":
        if len(found) >= MAX_ITEMS:
            return _(
                "There are already %(count)s items under %(part)s, the most a plan holds.",
                count=MAX_ITEMS,
                part=_(part.title),
            )
        found.append(_new_item(part))
        return _("Added %(item)s %(number)s.", item=noun, number=len(found))
    if not index_text.isdigit() or not 0 <= int(index_text) < len(found):
        return ""
    index = int(index_text)
    if verb == "remove":
        found.pop(index)
        return _("Removed %(item)s %(number)s.", item=noun, number=index + 1)
    if verb == "up" and index > 0:
        found[index - 1], found[index] = found[index], found[index - 1]
        return _("Moved %(item)s %(number)s up.", item=noun, number=index + 1)
    if verb == "down" and index < len(found) - 1:
        found[index + 1], found[index] = found[index], found[index + 1]
        return _("Moved %(item)s %(number)s down.", item=noun, number=index + 1)
    return ""


def _reminder_preview(client: Client, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Each line the plan lets us text, rendered as the client would read it.

    In the language the texts actually go in (English while the client's is
    held back or has no catalog), so the counts are what the phone will show.
    """
    language = _texts_language(client)
    preview = []
    for line in reminder_lines(content):
        rendered = render(
            "plan_reminder",
            language,
            {
                "name": client.display_name,
                "line_template": line.template,
                "line_words": line.params,
            },
        )
        preview.append({"line": line, "rendered": rendered})
    return preview


def _texts_language(client: Client) -> str:
    hold = current_app.config.get("HOLD_UNREVIEWED_LANGUAGES", False)
    return sending_language(client.language, hold_unreviewed=hold)


def _segment_errors(client: Client, content: dict[str, Any]) -> dict[str, str]:
    """Errors for items whose reminder would take more than three texts in the client's language."""
    where = {
        item["id"]: (part.key, index)
        for part in PARTS
        for index, item in enumerate(content.get(part.key, []))
    }
    errors = {}
    for entry in _reminder_preview(client, content):
        rendered = entry["rendered"]
        if rendered.segments <= MAX_REMINDER_SEGMENTS:
            continue
        part_key, index = where[entry["line"].item_id]
        errors[f"{part_key}.{index}.ok_to_text"] = _(
            "As a text in %(language)s this would be %(characters)s characters, "
            "%(segments)s messages on the phone (at most %(most)s). "
            'Shorten it, or untick "OK to text".',
            language=language_name(client.language),
            characters=len(rendered.body),
            segments=rendered.segments,
            most=MAX_REMINDER_SEGMENTS,
        )
    return errors


def _versions(client: Client) -> list[PlanVersion]:
    return list(
        db.session.scalars(
            select(PlanVersion)
            .where(PlanVersion.client_id == client.id)
            .order_by(PlanVersion.version.desc())
        )
    )


def _render_version(client: Client, version: PlanVersion | None, now: datetime) -> str:
    versions = _versions(client)
    content = version.content if version else empty_content()
    record_view(client, "plan", now, version=version.version if version else None)
    return render_template(
        "care/plan.html",
        client=client,
        version=version,
        newest=versions[0] if versions else None,
        versions=versions,
        content=content,
        parts=PARTS,
        choice_labels=PLAN_CHOICES,
        preview=_reminder_preview(client, content),
        preview_language=_texts_language(client),
        preview_rtl=Locale.parse(_texts_language(client)).character_order == "right-to-left",
        show_chain=current_user.role in PLAN_EDITORS,
        can_edit=current_user.role in PLAN_EDITORS,
        today=_local_today(client, now),
        display_phone=display_phone,
    )


@bp.get("/clients/<int:client_id>/plan")
@login_required
def plan(client_id: int) -> str:
    """The newest version of the plan."""
    client = client_or_403(client_id)
    return _render_version(client, planning.latest_plan(db.session, client.id), clock.now())


@bp.get("/clients/<int:client_id>/plan/versions/<int:number>")
@login_required
def plan_version(client_id: int, number: int) -> str:
    """One version of the plan, at its own address, as it was saved."""
    client = client_or_403(client_id)
    version = db.session.scalars(
        select(PlanVersion).where(PlanVersion.client_id == client.id, PlanVersion.version == number)
    ).first()
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
    language = _texts_language(client)
    page = render_template(
        "care/plan_edit.html",
        preview=_reminder_preview(client, typed),
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
@login_required
def plan_edit(client_id: int) -> Response | tuple[str, int]:
    """The plan editor. Add, Remove and Move re-show the form; only "Save plan" saves.

    Works without JavaScript: every list operation is a submit button, and the
    page comes back with everything typed so far.
    """
    client = client_or_403(client_id)
    _require(PLAN_EDITORS)
    now = clock.now()
    latest = planning.latest_plan(db.session, client.id)

    if request.method == "GET":
        record_view(client, "plan editor", now)
        form = PlanForm(formdata=None)
        content = latest.content if latest else empty_content()
        items = {p.key: [dict(item) for item in content.get(p.key, [])] for p in PARTS}
        form.review_date.data = (
            latest.review_date if latest else _local_today(client, now) + REVIEW_EVERY
        )
        form.offense_chain_note.data = content.get("offense_chain_note", "")
        form.base_version.data = str(latest.version if latest else 0)
        return _render_editor(client, form, items)

    form = PlanForm()
    items = _items_from_form(request.form)
    action = request.form.get("action", "save")
    if action != "save":
        done = _apply_action(items, action)
        notice = " ".join(
            words for words in (done, _("Nothing is saved until you press Save plan.")) if words
        )
        return _render_editor(client, form, items, notice=notice)

    form_ok = form.validate()
    raw = {**items, "offense_chain_note": form.offense_chain_note.data or ""}
    content, errors = normalise(raw, current_app.config["DEFAULT_REGION"])
    for more in (discretion_errors(content), _segment_errors(client, content)):
        for key, message in more.items():
            errors.setdefault(key, message)
    if errors or not form_ok:
        return _render_editor(client, form, items, errors=errors, status=422)

    if latest is not None and str(latest.version) != (form.base_version.data or ""):
        # Someone saved since this page was opened: show theirs before overwriting it.
        form.base_version.data = str(latest.version)
        return _render_editor(client, form, items, conflict=latest, status=409)
    if (
        latest is not None
        and latest.content == content
        and latest.review_date == form.review_date.data
    ):
        flash(_("Nothing changed, so no new version was saved."), "info")
        return redirect(url_for("care.plan", client_id=client.id))

    number = (latest.version if latest else 0) + 1
    version = PlanVersion(
        client_id=client.id,
        version=number,
        content=content,
        review_date=form.review_date.data,
        created_by_id=current_user.id,
        created_at=now,
    )
    db.session.add(version)
    audit.record(
        db.session,
        "plan.saved",
        now=now,
        actor=current_user,
        subject=client,
        details={
            "version": number,
            "items": {p.key: len(content[p.key]) for p in PARTS},
            "ok_to_text": len(reminder_lines(content)),
        },
    )
    if latest is None:
        # A first plan is what turns plan reminders on (planning.plan_clients).
        planning.replan(db.session, client, now, "first plan saved")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        newest = planning.latest_plan(db.session, client.id)
        form.base_version.data = str(newest.version if newest else 0)
        return _render_editor(client, form, items, conflict=newest, status=409)
    flash(_("Plan saved as version %(number)s.", number=number), "info")
    return redirect(url_for("care.plan", client_id=client.id))


# -- risk and schedule ---------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (rendered by hand in the templates)."""


class RiskForm(StaffForm):
    risk_level = SelectField(
        L_("Static-99R level"),
        choices=[
            SelectChoice(level, _lazy(lambda level=level: _("Level %(level)s", level=level)))
            for level in LEVELS
        ],
    )
    stable_score = IntegerField(
        L_("STABLE-2007 total score"),
        validators=[
            Optional(),
            NumberRange(0, 26, message=L_("A STABLE-2007 total is 0 to 26.")),
        ],
    )
    stable_date = DateField(L_("STABLE-2007 date"), validators=[Optional()])
    acute_level = SelectField(
        L_("ACUTE-2007 result"),
        choices=[SelectChoice("", L_("— not scored —"))]
        + [SelectChoice(a.value, ACUTE_CHOICES[a]) for a in AcuteLevel],
    )
    acute_date = DateField(L_("ACUTE-2007 date"), validators=[Optional()])
    release_date = DateField(
        L_("Release date"),
        validators=[Optional()],
        description=L_("The first 90 days after release raise the schedule one level."),
    )
    checkin_topics = MultiCheckboxField(
        L_("Check-in topics"),
        choices=[SelectChoice(key, L_(topic.need)) for key, topic in TOPICS.items()],
    )
    checkin_times = StringField(
        L_("Check-in times"),
        validators=[Length(max=100)],
        description=_lazy(
            lambda: _(
                "The client's local time, HH:MM, separated by commas (at most 4). "
                "Empty means %(times)s. A time in quiet hours waits for the "
                "texting window to open.",
                times=", ".join(DEFAULT_TIMES),
            )
        ),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.times: list[str] = []

    def _not_future(self, field: DateField) -> None:
        if field.data and field.data > self.today:
            field.errors.append(_("That date is in the future."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        pairs = (
            (self.stable_score, self.stable_date, "STABLE-2007"),
            (self.acute_level, self.acute_date, "ACUTE-2007"),
        )
        for result, when, tool in pairs:
            has_result = result.data not in (None, "")
            if has_result and not when.data and not when.errors:
                when.errors.append(_("Enter the date of the %(tool)s.", tool=tool))
            if when.data and not has_result and not result.errors:
                result.errors.append(_("Enter the %(tool)s result, or clear its date.", tool=tool))
            self._not_future(when)
        times, problem = parse_times_text(self.checkin_times.data or "")
        if problem:
            self.checkin_times.errors.append(problem)
        self.times = times
        return ok and not any(f.errors for f in self)


def parse_times_text(text: str) -> tuple[list[str], str | None]:
    """ "10:00, 7:30pm"-like input as sorted "HH:MM" strings, or a problem to show."""
    times = set()
    for piece in (p for p in re.split(r"[,;\s]+", text.strip()) if p):
        match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", piece)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return [], _(
                '"%(piece)s" is not a time of day. Write times as HH:MM on a 24-hour '
                "clock, e.g. 10:00 or 18:30.",
                piece=piece,
            )
        times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    if len(times) > 4:
        return [], _("At most 4 check-in times a day.")
    return sorted(times), None


class OverrideForm(StaffForm):
    """One overridable part: the value (the widget that fits the part) and why."""

    days = MultiCheckboxField(
        L_("Days"),
        choices=[SelectChoice(i, DAY_NAMES[i]) for i in range(len(WEEKDAYS))],
        coerce=int,
    )
    evening = SelectField(
        L_("Evening check-in"),
        choices=[
            SelectChoice("yes", _lazy(lambda: _("Yes, also at %(time)s", time=EVENING_TIME))),
            SelectChoice("no", L_("No")),
        ],
        validate_choice=False,
    )
    notices = MultiCheckboxField(
        L_("Notices"), choices=[SelectChoice(n, NOTICE_NAMES[n]) for n in NOTICE_OFFSETS]
    )
    misses = IntegerField(
        L_("Consecutive misses"),
        validators=[
            Optional(),
            NumberRange(1, MOST_MISSES, message=L_("A number from 1 to 7.")),
        ],
    )
    business_days = IntegerField(
        L_("Business days before it goes to the next person"),
        validators=[
            Optional(),
            NumberRange(1, MOST_ACK_DAYS, message=L_("A number from 1 to 5.")),
        ],
        description=L_("Urgent alerts (acute replies) always climb within the hour."),
    )
    reason = StringField(
        L_("Why"),
        validators=[
            DataRequired(message=L_("Say why: the reason is kept with the change.")),
            Length(max=500),
        ],
    )


def describe(part: str, cadence: Cadence) -> str:
    """One part of a cadence in words, as the schedule page shows it."""
    if part in ("checkin_days", "reminder_days"):
        days = getattr(cadence, part)
        if len(days) == 7:
            text = _("every day")
        else:
            text = ", ".join(str(DAY_NAMES[d]) for d in days) or _("none")
        if part == "reminder_days" and cadence.reminder_biweekly and days:
            text = _("%(days)s, every other week", days=text)
        return text
    if part == "evening_checkin":
        return _("yes, at %(time)s", time=EVENING_TIME) if cadence.evening_checkin else _("no")
    if part == "notices":
        return ", ".join(str(NOTICE_NAMES[n]) for n in cadence.notices) or _("none")
    if part == "ack_business_days":
        days = cadence.ack_business_days
        return ngettext("%(num)d business day", "%(num)d business days", days)
    misses = getattr(cadence, part)
    return ngettext("%(num)d miss", "%(num)d consecutive misses", misses)


def describe_value(part: str, value: Any, level: str) -> str:
    """A stored override value in words ("back to derived" for None)."""
    if value is None:
        return _("back to derived")
    return describe(part, apply_overrides(DEFAULTS[level], {part: value}))


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
    today = _local_today(client, now)
    derived = planning.derived_level(client, today)
    in_force = planning.overrides_for(db.session, [client.id]).get(client.id, {})
    effective = effective_cadence(derived, in_force)
    history = list(
        db.session.scalars(
            select(ScheduleOverride)
            .where(ScheduleOverride.client_id == client.id)
            .order_by(ScheduleOverride.set_at.desc(), ScheduleOverride.id.desc())
        )
    )
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
        "care/schedule.html",
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
        can_edit=current_user.role in SCHEDULE_EDITORS,
        times=client.checkin_times or list(DEFAULT_TIMES),
    )
    return page, status


@bp.get("/clients/<int:client_id>/schedule")
@login_required
def schedule(client_id: int) -> tuple[str, int]:
    """Risk, the derived schedule, and the provider's overrides of it."""
    client = client_or_403(client_id)
    now = clock.now()
    record_view(client, "schedule", now)
    return _render_schedule(client, now)


@bp.post("/clients/<int:client_id>/schedule")
@login_required
def save_risk(client_id: int) -> Response | tuple[str, int]:
    """Record the risk assessments, release date and check-in topics and times."""
    client = client_or_403(client_id)
    _require(SCHEDULE_EDITORS)
    now = clock.now()
    form = RiskForm(today=_local_today(client, now))
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
    changes = [name for name, value in values.items() if getattr(client, name) != value]
    if not changes:
        flash(_("Nothing changed."), "info")
        return redirect(url_for("care.schedule", client_id=client.id))
    for name in changes:
        setattr(client, name, values[name])
    client.updated_at = now
    audit.record(
        db.session,
        "client.risk_updated",
        now=now,
        actor=current_user,
        subject=client,
        details={"fields": changes},
    )
    moves_schedule = {
        "risk_level",
        "acute_level",
        "release_date",
        "checkin_topics",
        "checkin_times",
    }
    messages = [_("Saved.")]
    if moves_schedule & set(changes):
        planning.replan(db.session, client, now, "risk or check-in settings changed")
        after = _level_words(client, now)
        if after != before:
            messages.append(_("Schedule level now %(level)s.", level=after))
        messages.append(_("Texts not yet sent were re-planned."))
    if {"stable_score", "acute_level"} & set(changes):
        messages.append(_("A dynamic score changed: review the plan."))
    db.session.commit()
    flash(" ".join(messages), "info")
    return redirect(url_for("care.schedule", client_id=client.id))


def _level_words(client: Client, now: datetime) -> str:
    derived = planning.derived_level(client, _local_today(client, now))
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
@login_required
def override(client_id: int, part: str) -> Response | tuple[str, int]:
    """Override one part of the derived schedule, or return it to derived; both need a reason."""
    client = client_or_403(client_id)
    _require(SCHEDULE_EDITORS)
    if part not in OVERRIDABLE:
        abort(404)
    now = clock.now()
    form = OverrideForm(prefix=part)
    back_to_derived = request.form.get("action") == "derived"
    ok = form.validate_on_submit()
    in_force = planning.overrides_for(db.session, [client.id]).get(client.id, {})
    derived = planning.derived_level(client, _local_today(client, now))
    effective = effective_cadence(derived, in_force)
    value, value_ok = (None, True) if back_to_derived else _override_value(part, form, effective)
    if not (ok and value_ok):
        return _render_schedule(client, now, override_forms={part: form}, status=422)
    if back_to_derived and in_force.get(part) is None:
        flash(_("%(part)s already follows the derived schedule.", part=PART_NAMES[part]), "info")
        return redirect(url_for("care.schedule", client_id=client.id, _anchor=f"part-{part}"))
    reason = (form.reason.data or "").strip()
    planning.record_override(db.session, client, part, value, reason, current_user, now)
    planning.replan(db.session, client, now, "schedule overridden")
    db.session.commit()
    level = planning.derived_level(client, _local_today(client, now)).level
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
    return redirect(url_for("care.schedule", client_id=client.id, _anchor=f"part-{part}"))


# -- appointments ------------------------------------------------------------------------


class AppointmentForm(StaffForm):
    kind = SelectField(
        L_("What it is"),
        choices=[SelectChoice(k.value, label) for k, label in APPOINTMENT_KINDS.items()],
        description=L_("For staff only: texts give the time and place, never what it is."),
    )
    day = DateField(L_("Date"), validators=[InputRequired(message=L_("Enter the date."))])
    at = TimeField(L_("Time"), validators=[InputRequired(message=L_("Enter the time."))])
    location = StringField(
        L_("Place"),
        validators=[Length(max=200)],
        description=L_(
            "Texts show it exactly as typed: a street address or a neutral name. "
            "Leave it empty to leave the place out."
        ),
    )


def new_appointment(
    client_id: int, kind: AppointmentKind, starts: datetime, location: str | None, now: datetime
) -> Appointment:
    """A scheduled appointment added by the signed-in staff member (the caller plans notices).

    The appointments page, guided onboarding and the CSV import all add them this way.
    """
    appointment = Appointment(
        client_id=client_id,
        kind=kind,
        starts_at=starts,
        location=(location or "").strip(),
        status=AppointmentStatus.SCHEDULED,
        revision=1,
        created_by_id=current_user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(appointment)
    return appointment


def _appointment_start(form: AppointmentForm, client: Client, now: datetime) -> datetime | None:
    """The instant the form names in the client's zone, or None with the error on the form."""
    zone = ZoneInfo(client.timezone)
    day, at = form.day.data, form.at.data
    assert day is not None and at is not None
    gap = skipped_gap(day, at, zone)
    if gap is not None:
        instead = local_instant(day, at, zone).astimezone(zone)
        form.at.errors.append(
            _(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks jump from "
                "%(start)s to %(end)s (daylight saving time). Did you mean %(instead)s?",
                time=f"{at:%H:%M}",
                day=f"{day:%A, %B} {day.day}, {day.year}",
                zone=client.timezone,
                start=f"{gap[0]:%H:%M}",
                end=f"{gap[1]:%H:%M}",
                instead=f"{instead:%H:%M}",
            )
        )
        return None
    starts = local_instant(day, at, zone)
    if starts <= now:
        form.at.errors.append(
            _(
                "That time has passed: it is now %(now)s where the client lives. "
                "Choose a time in the future.",
                now=localtime(now, client.timezone),
            )
        )
        return None
    if starts > now + FURTHEST_APPOINTMENT:
        form.day.errors.append(_("That is more than two years away. Check the year."))
        return None
    return starts


def _check_location(form: AppointmentForm) -> bool:
    word = indiscreet_word(form.location.data or "")
    if word:
        form.location.errors.append(
            _(
                '"%(word)s" would be in the text: texts show the place exactly as typed. '
                "Use a street address or a neutral name.",
                word=word,
            )
        )
        return False
    return True


def _appointment_or_404(client: Client, appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.client_id != client.id:
        abort(404)
    return appointment


def _is_open(appointment: Appointment, now: datetime) -> bool:
    """Upcoming and not cancelled: the only appointments that can still change."""
    return appointment.starts_at > now and appointment.status not in (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.KEPT,
        AppointmentStatus.MISSED,
    )


def _texts_off_note(client: Client) -> str:
    if client.can_be_texted:
        return ""
    return " " + _(
        "Texts to %(name)s are off (%(consent)s, %(status)s): "
        "no notice goes out unless that changes.",
        name=client.display_name,
        consent=client.consent.value.replace("_", " "),
        status=client.status.value,
    )


def _render_appointments(
    client: Client, now: datetime, form: AppointmentForm, status: int = 200
) -> tuple[str, int]:
    appointments = list(
        db.session.scalars(
            select(Appointment)
            .where(Appointment.client_id == client.id)
            .order_by(Appointment.starts_at.desc())
            .limit(200)
        )
    )
    upcoming = sorted((a for a in appointments if _is_open(a, now)), key=lambda a: a.starts_at)
    past = [a for a in appointments if not _is_open(a, now)]
    recorded = _outcomes_recorded([a.id for a in past if a.status in OUTCOMES.values()])
    texts: dict[int, list[Message]] = defaultdict(list)
    if appointments:
        for message in db.session.scalars(
            select(Message)
            .where(
                Message.appointment_id.in_([a.id for a in appointments]),
                Message.direction == Direction.OUTBOUND,
            )
            .order_by(Message.send_after, Message.id)
        ):
            texts[message.appointment_id or 0].append(message)
    page = render_template(
        "care/appointments.html",
        client=client,
        form=form,
        upcoming=upcoming,
        past=past,
        texts=texts,
        kinds=APPOINTMENT_KINDS,
        statuses=APPOINTMENT_STATUS,
        text_labels=TEXT_LABELS,
        message_statuses=MESSAGE_STATUS,
        cancel_form=CsrfForm(formdata=None),
        recorded=recorded,
        may_record=current_user.role in OUTCOME_RECORDERS,
        can_record=lambda a: _can_record(a, now),
        # Examiners read the appointments of their clients; they do not change them.
        may_change=current_user.role != Role.EXAMINER,
    )
    return page, status


@bp.route("/clients/<int:client_id>/appointments", methods=["GET", "POST"])
@login_required
def appointments(client_id: int) -> Response | tuple[str, int]:
    """Upcoming and past appointments with their notices, and a form to add one."""
    client = client_or_403(client_id)
    now = clock.now()
    form = AppointmentForm()
    if request.method == "GET":
        record_view(client, "appointments", now)
        return _render_appointments(client, now, form)
    if not form.validate_on_submit():
        return _render_appointments(client, now, form, status=422)
    starts = _appointment_start(form, client, now)
    if starts is None or not _check_location(form):
        return _render_appointments(client, now, form, status=422)
    appointment = new_appointment(
        client.id, AppointmentKind(form.kind.data), starts, form.location.data, now
    )
    db.session.flush()
    queued = planning.plan_appointment(db.session, appointment, now)
    audit.record(
        db.session,
        "appointment.created",
        now=now,
        actor=current_user,
        subject=appointment,
        details={"client_id": client.id, "kind": appointment.kind.value, "notices": queued},
    )
    db.session.commit()
    flash(
        _("Appointment added for %(when)s.", when=localtime(starts, client.timezone))
        + f" {_notices_words(queued)}{_texts_off_note(client)}",
        "info",
    )
    return redirect(url_for("care.appointments", client_id=client.id))


def _notices_words(count: int) -> str:
    if count == 0:
        return _("No notice is due before it at this client's level.")
    return ngettext("%(num)d notice queued.", "%(num)d notices queued.", count)


@bp.route("/clients/<int:client_id>/appointments/<int:appointment_id>", methods=["GET", "POST"])
@login_required
def edit_appointment(client_id: int, appointment_id: int) -> Response | tuple[str, int]:
    """Change an upcoming appointment. A new time withdraws unsent notices and plans new ones."""
    client = client_or_403(client_id)
    appointment = _appointment_or_404(client, appointment_id)
    now = clock.now()
    if not _is_open(appointment, now):
        flash(_("This appointment is past or cancelled and can no longer change."), "error")
        return redirect(url_for("care.appointments", client_id=client.id))
    if request.method == "GET":
        local = appointment.starts_at.astimezone(ZoneInfo(client.timezone))
        form = AppointmentForm(formdata=None)
        form.kind.data = appointment.kind.value
        form.day.data, form.at.data = local.date(), local.time().replace(tzinfo=None)
        form.location.data = appointment.location
        return _render_appointment_form(client, appointment, form)
    form = AppointmentForm()
    if not form.validate_on_submit():
        return _render_appointment_form(client, appointment, form, status=422)
    zone = ZoneInfo(client.timezone)
    assert form.day.data is not None and form.at.data is not None
    moved = local_instant(form.day.data, form.at.data, zone) != appointment.starts_at
    starts = _appointment_start(form, client, now) if moved else appointment.starts_at
    if starts is None or not _check_location(form):
        return _render_appointment_form(client, appointment, form, status=422)
    changes = []
    kind = AppointmentKind(form.kind.data)
    location = (form.location.data or "").strip()
    if kind != appointment.kind:
        appointment.kind = kind
        changes.append("kind")
    if location != appointment.location:
        # Notices read the place when they are sent, so pending ones show the new one.
        appointment.location = location
        changes.append("location")
    message = _("Saved.")
    if moved:
        before = appointment.starts_at
        planning.reschedule_appointment(db.session, appointment, starts, now)
        changes.append("time")
        # The old notices are withdrawn, so what is pending now is the new ones.
        queued = db.session.scalars(
            select(Message.id).where(
                Message.appointment_id == appointment.id, Message.status == Status.PENDING
            )
        ).all()
        message = _(
            "Moved from %(before)s to %(after)s. Unsent notices were withdrawn; %(notices)s",
            before=localtime(before, client.timezone),
            after=localtime(starts, client.timezone),
            notices=_notices_words(len(queued)),
        ) + _texts_off_note(client)
    if not changes:
        flash(_("Nothing changed."), "info")
        return redirect(url_for("care.appointments", client_id=client.id))
    appointment.updated_at = now
    audit.record(
        db.session,
        "appointment.updated",
        now=now,
        actor=current_user,
        subject=appointment,
        details={"client_id": client.id, "fields": changes},
    )
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("care.appointments", client_id=client.id))


def _render_appointment_form(
    client: Client, appointment: Appointment, form: AppointmentForm, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "care/appointment_form.html",
        client=client,
        appointment=appointment,
        form=form,
        kinds=APPOINTMENT_KINDS,
        cancel_form=CsrfForm(formdata=None),
    )
    return page, status


@bp.post("/clients/<int:client_id>/appointments/<int:appointment_id>/cancel")
@login_required
def cancel_appointment(client_id: int, appointment_id: int) -> Response:
    """Cancel: unsent notices withdrawn; a cancellation text only if a notice already went."""
    client = client_or_403(client_id)
    appointment = _appointment_or_404(client, appointment_id)
    now = clock.now()
    if not CsrfForm().validate_on_submit():
        abort(400)
    if not _is_open(appointment, now):
        flash(_("This appointment is past or already cancelled."), "error")
        return redirect(url_for("care.appointments", client_id=client.id))
    texted = planning.cancel_appointment(db.session, appointment, now)
    audit.record(
        db.session,
        "appointment.cancelled",
        now=now,
        actor=current_user,
        subject=appointment,
        details={"client_id": client.id, "cancellation_text": texted},
    )
    db.session.commit()
    when = localtime(appointment.starts_at, client.timezone)
    if texted:
        flash(
            _(
                "Appointment of %(when)s cancelled. A notice had already gone out, so a "
                "cancellation text was queued.",
                when=when,
            )
            + _texts_off_note(client),
            "info",
        )
    else:
        flash(
            _(
                "Appointment of %(when)s cancelled. No notice had gone out, so no cancellation "
                "text is sent; unsent notices were withdrawn.",
                when=when,
            ),
            "info",
        )
    return redirect(url_for("care.appointments", client_id=client.id))


# -- what became of an appointment ----------------------------------------------------------

OUTCOMES = {"kept": AppointmentStatus.KEPT, "missed": AppointmentStatus.MISSED}
OUTCOME_RECORDERS = (Role.PROVIDER, Role.OFFICER, Role.ADMIN)
# A missed treatment session or polygraph exam goes to the officer (and the provider):
# DOMAIN.md's ladder. Supervision meetings and court dates are the officer's own.
ESCALATE_WHEN_MISSED = frozenset(
    {AppointmentKind.TREATMENT_GROUP, AppointmentKind.INDIVIDUAL, AppointmentKind.POLYGRAPH}
)


def _can_record(appointment: Appointment, now: datetime) -> bool:
    """An outcome can be recorded once the start has passed, unless it was cancelled."""
    return appointment.starts_at <= now and appointment.status != AppointmentStatus.CANCELLED


def _outcomes_recorded(appointment_ids: list[int]) -> dict[int, Recorded]:
    """The latest recording of each appointment's outcome (on the appointment itself)."""
    return appointment_outcomes.recorded(db.session, appointment_ids)


@bp.post("/clients/<int:client_id>/appointments/<int:appointment_id>/outcome")
@login_required
def appointment_outcome(client_id: int, appointment_id: int) -> Response:
    """Record that a past appointment was kept or missed: who and when, audited.

    A missed treatment session or polygraph exam alerts the officer (and the
    provider) through the escalation ladder, once: changing the outcome back
    and forth does not alert again. A missed supervision meeting or court date
    is only recorded: the officer runs those.
    """
    client = client_or_403(client_id)
    _require(OUTCOME_RECORDERS)
    appointment = _appointment_or_404(client, appointment_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    now = clock.now()
    back = redirect(
        url_for("care.appointments", client_id=client.id, _anchor=f"appointment-{appointment.id}")
    )
    outcome = OUTCOMES.get(request.form.get("outcome", ""))
    if outcome is None:
        flash(_("Choose kept or missed."), "error")
        return back
    when = localtime(appointment.starts_at, client.timezone)
    if not _can_record(appointment, now):
        flash(
            _(
                "The appointment of %(when)s has not started yet, or was cancelled: "
                "there is no outcome to record.",
                when=when,
            ),
            "error",
        )
        return back
    if appointment.status == outcome:
        flash(
            _(
                "The appointment of %(when)s was already recorded as %(outcome)s.",
                when=when,
                outcome=APPOINTMENT_STATUS[outcome],
            ),
            "info",
        )
        return back
    alerted_before = appointment_outcomes.missed_before(appointment)
    before = appointment_outcomes.record(db.session, appointment, outcome, current_user, now)
    what = KIND_NAMES[appointment.kind]  # English: it is kept with the alert
    message = _(
        "%(what)s of %(when)s recorded as %(outcome)s.",
        what=APPOINTMENT_KINDS[appointment.kind],
        when=when,
        outcome=APPOINTMENT_STATUS[outcome],
    )
    if outcome == AppointmentStatus.MISSED and appointment.kind in ESCALATE_WHEN_MISSED:
        if alerted_before:
            message += " " + _("The team was already alerted when it was first recorded missed.")
        else:
            escalation = open_escalation(
                db.session, client, Reason.MISSED_APPOINTMENT, now,
                escalation_settings(),
                appointment_id=appointment.id,
                details={"missed": f"{what.lower()} of {when}", "recorded by": current_user.name},
            )  # fmt: skip
            if escalation is None:
                message += " " + _("No alert: %(name)s is paused.", name=client.display_name)
            else:
                message += " " + (
                    _(
                        "The officer and the provider are alerted (alert %(code)s).",
                        code=escalation.code,
                    )
                    if escalation.appointment_id == appointment.id
                    else _("Added to the open alert %(code)s.", code=escalation.code)
                )
    elif outcome == AppointmentStatus.MISSED:
        message += " " + _(
            "Recorded only: the officer follows up on their own meetings and court dates."
        )
    elif before == AppointmentStatus.MISSED:
        _note_correction(appointment, what, when, now)
    db.session.commit()
    flash(message, "info")
    return back


def _note_correction(appointment: Appointment, what: str, when: str, now: datetime) -> None:
    """Missed, then kept after all: the open alert about it says so (and stays open)."""
    for escalation in db.session.scalars(
        select(Escalation).where(
            Escalation.appointment_id == appointment.id,
            Escalation.status == EscalationStatus.OPEN,
        )
    ):
        note(
            db.session, escalation, now, "corrected",
            f"{what.lower()} of {when} recorded as kept after all by {current_user.name}",
            current_user,
        )  # fmt: skip


# -- tasks and check-ins -----------------------------------------------------------------


@dataclass
class TaskRow:
    task: Task
    label: LazyProxy | str
    reply: Message | None
    appointment: Appointment | None
    done_by: StaffUser | None


def task_rows(tasks: list[Task]) -> list[TaskRow]:
    """Tasks with the reply, appointment and staff member they point at (few queries)."""
    message_ids = {t.message_id for t in tasks if t.message_id}
    appointment_ids = {t.appointment_id for t in tasks if t.appointment_id}
    staff_ids = {t.done_by_id for t in tasks if t.done_by_id}
    messages = (
        {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(message_ids)))}
        if message_ids
        else {}
    )
    found = (
        db.session.scalars(select(Appointment).where(Appointment.id.in_(appointment_ids)))
        if appointment_ids
        else []
    )
    appointments = {a.id: a for a in found}
    staff = (
        {s.id: s for s in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))}
        if staff_ids
        else {}
    )
    return [
        TaskRow(
            task=t,
            label=TASK_LABELS.get(t.kind, t.kind.replace("_", " ").capitalize()),
            reply=messages.get(t.message_id) if t.message_id else None,
            appointment=appointments.get(t.appointment_id) if t.appointment_id else None,
            done_by=staff.get(t.done_by_id) if t.done_by_id else None,
        )
        for t in tasks
    ]


@bp.get("/tasks")
@login_required
def tasks() -> str:
    """Open tasks across the signed-in staff member's caseload, and the ones done lately."""
    caseload = caseload_query(current_user).with_only_columns(Client.id)
    open_tasks = db.session.scalars(
        select(Task)
        .options(selectinload(Task.client))
        .where(Task.client_id.in_(caseload), Task.status == TaskStatus.OPEN)
        .order_by(Task.created_at, Task.id)
        .limit(500)
    ).all()
    done = db.session.scalars(
        select(Task)
        .options(selectinload(Task.client))
        .where(Task.client_id.in_(caseload), Task.status == TaskStatus.DONE)
        .order_by(Task.done_at.desc(), Task.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "care/tasks.html",
        open_rows=task_rows(list(open_tasks)),
        done_rows=task_rows(list(done)),
        kinds=APPOINTMENT_KINDS,
        done_form=CsrfForm(formdata=None),
    )


@bp.post("/tasks/<int:task_id>/done")
@login_required
def task_done(task_id: int) -> Response:
    """Mark a task done: who and when are kept, and audited."""
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    client = client_or_403(task.client_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    now = clock.now()
    if task.status == TaskStatus.DONE:
        flash(_("That task was already marked done."), "info")
    else:
        task.status = TaskStatus.DONE
        task.done_at = now
        task.done_by_id = current_user.id
        audit.record(
            db.session,
            "task.done",
            now=now,
            actor=current_user,
            subject=task,
            details={"client_id": client.id, "kind": task.kind},
        )
        db.session.commit()
        label = TASK_LABELS.get(task.kind, task.kind.replace("_", " "))
        flash(_("%(task)s for %(name)s marked done.", task=label, name=client.display_name), "info")
    return redirect(_safe_next(request.form.get("next")) or url_for("care.tasks"))


def checkin_state(check_in: CheckIn, now: datetime) -> str:
    """A check-in's status as staff read it."""
    if check_in.status == CheckInStatus.OPEN:
        return _("planned") if check_in.due_at > now else _("waiting for an answer")
    label = CHECKIN_STATUS.get(check_in.status)
    return str(label) if label is not None else check_in.status.value


def client_overview(client: Client, now: datetime) -> dict[str, Any]:
    """What the client page shows of their care: plan, level, tasks, check-ins, appointments."""
    open_tasks = db.session.scalars(
        select(Task)
        .where(Task.client_id == client.id, Task.status == TaskStatus.OPEN)
        .order_by(Task.created_at, Task.id)
    ).all()
    check_ins = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.client_id == client.id, CheckIn.due_at <= now + timedelta(days=2))
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
        .limit(20)
    ).all()
    return {
        "plan": planning.latest_plan(db.session, client.id),
        "derived": planning.derived_level(client, _local_today(client, now)),
        "task_rows": task_rows(list(open_tasks)),
        "check_ins": check_ins,
        "checkin_state": lambda c: checkin_state(c, now),
        "topics": TOPICS,
        "upcoming": planning.upcoming_appointments(db.session, client.id, now)[:5],
        "kinds": APPOINTMENT_KINDS,
        "statuses": APPOINTMENT_STATUS,
        "done_form": CsrfForm(formdata=None),
        "today": _local_today(client, now),
    }
