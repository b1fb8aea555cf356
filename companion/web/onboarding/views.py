"""Onboarding a client, step by step: profile, language, consent, risk, check-in topics,
plan, first appointment.

Server-rendered steps that work without JavaScript. What was typed is kept in the
session from step to step (Back saves it too), and checked with the client form's
own rules (``clients.ClientForm``) and the appointments page's (``web/appointments``). Finish
creates the client as "Add a client" does (``services.clients.add_client``: audit, consent
ledger, welcome text), adds the first appointment, and sends the welcome text at once.

The topics step suggests check-in topics from the needs the provider ticks (the STABLE-2007
domains, ``care.topic_choice``) and the risk level, and shows each question as the client's
phone will; the provider changes them before saving. A client finished without a topic is
never asked anything: the page says so, and so do the client page and the provider's home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from companion.care.topic_choice import NEEDS
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.models import (
    AppointmentKind,
    ClientStatus,
    Role,
    Status,
)
from companion.runtime import send_now
from companion.services import check_in_topics, clients
from companion.web import clock
from companion.web.access import Action, requires
from companion.web.appointments.forms import AppointmentForm, appointment_start, check_location
from companion.web.clients.forms import client_values
from companion.web.clients.wording import consent_disclosure, right_to_left
from companion.web.language import L_, _, ngettext
from companion.web.onboarding.forms import NavForm, OnboardForm
from companion.web.shared import COMMON_TIMEZONES, localtime

bp = Blueprint("onboarding", __name__, url_prefix="/clients/onboard")


@bp.app_template_test("without_check_in_topics")
def without_check_in_topics(client: Any) -> bool:
    """For the client page's warning (templates/onboarding/_no_topics.html)."""
    return not check_in_topics.has_check_in_topics(client)


SESSION_KEY = "onboarding"
APPOINTMENT_PREFIX = "appt"


@dataclass(frozen=True)
class Step:
    name: str
    title: Any  # a lazy string
    fields: tuple[str, ...]


STEPS = (
    Step(
        "profile",
        L_("Profile"),
        (
            "display_name",
            "phone",
            "timezone",
            "send_window_start",
            "send_window_end",
            "provider_id",
            "officer_id",
        ),
    ),
    Step("language", L_("Language"), ("language", "simple_words")),
    Step("consent", L_("Consent"), ("consent", "roi_officer_contact")),
    Step("risk", L_("Risk"), ("risk_level", "release_date")),
    Step("topics", L_("Check-in topics"), ()),
    Step("plan", L_("Plan (after finishing)"), ()),
    Step(
        "appointment",
        L_("First appointment"),
        tuple(f"{APPOINTMENT_PREFIX}-{n}" for n in ("kind", "day", "at", "location")),
    ),
)
BY_NAME = {s.name: s for s in STEPS}
CHECKBOXES = frozenset({"simple_words", "consent", "roi_officer_contact"})
# The topics step's lists, kept in the session comma-separated.
TOPICS_KEY, NEEDS_KEY = "checkin_topics", "needs"


def _defaults() -> dict[str, str]:
    state = {
        "timezone": "America/Los_Angeles",
        "send_window_start": "08:00",
        "send_window_end": "21:00",
        "language": "en",
        "risk_level": "II",
        "officer_id": "0",
        "examiner_id": "0",
        "status": ClientStatus.ACTIVE.value,
    }
    if current_user.role == Role.PROVIDER:
        state["provider_id"] = str(current_user.id)
    return state


def _state() -> dict[str, str]:
    saved = session.get(SESSION_KEY)
    state = _defaults()
    if isinstance(saved, dict):
        state.update({k: str(v) for k, v in saved.items()})
    if current_user.role == Role.PROVIDER:
        state["provider_id"] = str(current_user.id)  # a provider onboards into their caseload
    return state


def _save(state: dict[str, str]) -> None:
    session[SESSION_KEY] = state


def _merge(state: dict[str, str], step: Step, posted: MultiDict) -> None:
    """Take this step's fields from the POST; an unticked box is absent, so it is removed."""
    if step.name == "topics":
        needs = [n for n in posted.getlist(NEEDS_KEY) if n in dict.fromkeys(k for k, *_ in NEEDS)]
        state[NEEDS_KEY] = ",".join(needs)
        if posted.get("action") == "suggest":
            state[TOPICS_KEY] = ",".join(_suggested(state))
        else:
            state[TOPICS_KEY] = ",".join(t for t in posted.getlist(TOPICS_KEY) if t in TOPICS)
        return
    for name in step.fields:
        if name == "provider_id" and current_user.role == Role.PROVIDER:
            continue
        value = posted.get(name)
        if value is None:
            state.pop(name, None)
        else:
            state[name] = value[:500]


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _suggested(state: dict[str, str]) -> list[str]:
    return check_in_topics.suggest_topics(_split(state.get(NEEDS_KEY)), state.get("risk_level", ""))


def _topics(state: dict[str, str]) -> list[str]:
    """The topics chosen, or (the step not yet seen) those suggested."""
    if TOPICS_KEY not in state:
        return _suggested(state)
    return [t for t in _split(state[TOPICS_KEY]) if t in TOPICS]


def _client_form(state: dict[str, str]) -> OnboardForm:
    return OnboardForm(formdata=MultiDict(state), meta={"csrf": False})


def _appointment_form(state: dict[str, str]) -> AppointmentForm:
    return AppointmentForm(
        formdata=MultiDict(state), prefix=APPOINTMENT_PREFIX, meta={"csrf": False}
    )


def _wants_appointment(state: dict[str, str]) -> bool:
    return any(
        (state.get(f"{APPOINTMENT_PREFIX}-{n}") or "").strip() for n in ("day", "at", "location")
    )


def _check_client_step(form: OnboardForm, step: Step) -> bool:
    """Check the whole client form with its own rules; keep only this step's errors."""
    form.validate()
    for f in form:
        if f.name not in step.fields:
            f.errors = []
    return not any(form[name].errors for name in step.fields if name in form)


def _check_appointment(
    form: AppointmentForm, state: dict[str, str], now: datetime
) -> datetime | None | bool:
    """The first appointment's instant; None when none was asked for; False on an error."""
    if not _wants_appointment(state):
        for f in form:
            f.errors = []
        return None
    if not form.validate():
        return False
    client = SimpleNamespace(timezone=state.get("timezone") or "America/Los_Angeles")
    starts = appointment_start(form, client, now)  # type: ignore[arg-type]
    if starts is None or not check_location(form):
        return False
    return starts


@bp.get("")
@requires(Action.ADD_CLIENT)
def start() -> Response:
    """Where "Guided onboarding" leads: the first step (what was typed earlier is kept)."""
    return redirect(url_for("onboarding.step", name="profile"))


@bp.post("/restart")
@requires(Action.ADD_CLIENT)
def restart() -> Response:
    if not NavForm().validate_on_submit():
        abort(400)
    session.pop(SESSION_KEY, None)
    return redirect(url_for("onboarding.step", name="profile"))


@bp.route("/<name>", methods=["GET", "POST"])
@requires(Action.ADD_CLIENT)
def step(name: str) -> Response | tuple[str, int] | str:
    current = BY_NAME.get(name)
    if current is None:
        abort(404)
    state = _state()
    form = _client_form(state)
    appointment = _appointment_form(state)
    if request.method == "GET":
        for f in [*form, *appointment]:
            f.errors = []
        return _render(current, state, form, appointment)
    if not NavForm().validate_on_submit():
        abort(400)
    _merge(state, current, request.form)
    _save(state)
    action = request.form.get("action", "next")
    index = STEPS.index(current)
    if action == "back" and index > 0:
        return redirect(url_for("onboarding.step", name=STEPS[index - 1].name))
    form = _client_form(state)
    appointment = _appointment_form(state)
    if action in ("refresh", "suggest"):  # "Update the preview": keep what was typed, check nothing
        for f in [*form, *appointment]:
            f.errors = []
        return _render(current, state, form, appointment)
    now = clock.now()
    if current.name == "appointment":
        if _check_appointment(appointment, state, now) is False:
            return _render(current, state, form, appointment), 422
    elif current.fields and not _check_client_step(form, current):
        return _render(current, state, form, appointment), 422
    if action == "finish" and current.name == "appointment":
        return _finish(state, now)
    following = STEPS[min(index + 1, len(STEPS) - 1)]
    return redirect(url_for("onboarding.step", name=following.name))


def _finish(state: dict[str, str], now: datetime) -> Response | tuple[str, int]:
    """Check every step again; create the client, the first appointment; send the welcome."""
    for each in STEPS:
        if each.fields and each.name != "appointment":
            form = _client_form(state)
            if not _check_client_step(form, each):
                return _render(each, state, form, _appointment_form(state)), 422
    appointment_form = _appointment_form(state)
    starts = _check_appointment(appointment_form, state, now)
    if starts is False:
        return _render(BY_NAME["appointment"], state, _client_form(state), appointment_form), 422
    form = _client_form(state)
    form.validate()  # fills in the number in E.164
    first = None
    if isinstance(starts, datetime):
        kind = AppointmentKind(appointment_form.kind.data)
        first = (kind, starts, appointment_form.location.data)
    done = clients.onboard_client(
        db.session,
        client_values(form),
        bool(form.consent.data),
        current_user,
        now,
        consent_disclosure(form.display_name.data.strip(), form.language.data).body,
        also={"release_date": form.release_date.data, "checkin_topics": _topics(state)},
        appointment=first,
    )
    client, welcome, appointment = done.client, done.welcome, done.appointment
    notices = done.notices
    session.pop(SESSION_KEY, None)
    words = [_("%(name)s was added.", name=client.display_name)]
    if welcome is not None:
        send_now([welcome.id], now)
        db.session.refresh(welcome)
        if welcome.status in (Status.SENT, Status.DELIVERED):
            words.append(_("The welcome text went out."))
        elif welcome.status == Status.PENDING and welcome.held_reason:
            # Quiet hours (or the daily cap) at the client's end: it goes at the next chance.
            words.append(
                _(
                    "The welcome text waits for the client's texting hours: "
                    "it is queued for %(when)s.",
                    when=localtime(welcome.send_after, client.timezone),
                )
            )
        else:
            words.append(
                _("The welcome text could not go yet: it stays queued and is sent shortly.")
            )
    elif not client.can_be_texted:
        words.append(
            _(
                "No text was sent: the client has not agreed to texts. Record their "
                "consent on the edit page to start."
            )
        )
    if appointment is not None:
        words.append(
            ngettext(
                "First appointment added; %(num)d notice queued.",
                "First appointment added; %(num)d notices queued.",
                notices,
            )
            if notices
            else _("First appointment added.")
        )
    if not check_in_topics.has_check_in_topics(client):
        words.append(_("No check-in topic was chosen: the client will not be asked anything."))
    words.append(_("Next: write the plan."))
    flash(" ".join(words), "info")
    return redirect(url_for("clients.show", client_id=client.id))


def _render(
    current: Step, state: dict[str, str], form: OnboardForm, appointment: AppointmentForm
) -> str:
    language = state.get("language") or "en"
    disclosure = consent_disclosure((state.get("display_name") or "").strip() or "…", language)
    return render_template(
        "onboarding/step.html",
        steps=STEPS,
        this_step=current,
        index=STEPS.index(current),
        form=form,
        appointment=appointment,
        nav=NavForm(),
        state=state,
        disclosure=disclosure,
        disclosure_tag=disclosure.language.replace("_", "-"),
        disclosure_rtl=right_to_left(disclosure.language),
        timezones=COMMON_TIMEZONES,
        provider_fixed=current_user.role == Role.PROVIDER,
        wants_texts="consent" in state,
        has_errors=any(f.errors for f in [*form, *appointment]),
        needs=NEEDS,
        rtl=right_to_left,
        needs_ticked=_split(state.get(NEEDS_KEY)),
        topics=TOPICS,
        topics_chosen=_topics(state),
        topic_previews=check_in_topics.previews(
            _topics(state),
            (state.get("display_name") or "").strip(),
            language,
            "simple_words" in state,
        ),
    )
