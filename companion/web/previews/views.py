"""Every text a client can get, as their phone shows it, and a test copy to one's own phone.

``/clients/<id>/texts`` renders each template the client can be sent (welcome, the check-in
question of each of their topics, the reminder, the clarifying replies, their plan's lines,
appointment notices with a sample date, the crisis replies, HELP and opt-out) in the
language their texts actually go in (``clients.texts_language``: English while theirs is
held back or has no catalog), with the number of SMS segments and the encoding.

"Send me a test" puts the same text in the outbox for the signed-in staff member's own
registered phone (``StaffUser.phone``). It is an ordinary outbox row of the same kind, sent
to ``staff_user_id`` with every placeholder stored and ``language`` set: the dispatcher
renders staff rows from their params in that language (``dispatch._prepare``), so the test
reads exactly as the preview. The dedupe key holds the minute, so a double click sends one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion import runtime
from companion.care.local_time import local_instant
from companion.care.phones import display_phone
from companion.care.plan import crisis_contact, reminder_lines
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.messaging.budgets import budget
from companion.messaging.compose import Rendered, render
from companion.models import Client
from companion.services import acknowledgements, previews
from companion.services.planning import goal_lines, latest_plan
from companion.web import clock
from companion.web.access import Action, client_or_403, record_view, requires
from companion.web.clients.wording import texts_language
from companion.web.language import L_, _
from companion.web.shared import TEXT_LABELS, CsrfForm, topic_label

bp = Blueprint("previews", __name__, url_prefix="/clients")

SAMPLE_APPOINTMENT = time(10, 0)  # tomorrow at 10:00 where the client lives

GROUPS = {
    "everyday": L_("Welcome and replies to keywords"),
    "check_ins": L_("Check-ins"),
    "clarify": L_("When an answer cannot be read"),
    "plan": L_("Plan reminders"),
    "appointments": L_("Appointment notices"),
    "crisis": L_("Crisis replies"),
}
# The replies to a check-in answer (services/acknowledgements.py), by family.
ACK_TITLES = {
    "neutral": L_("Thanks for an answer"),
    "good": L_("Reply to a good answer"),
    "hard_step": L_("Reply to a hard answer: their own step"),
    "hard_contact": L_("Reply to a hard answer: their support contact"),
    "hard": L_("Reply to a hard answer"),
    "goal_step": L_("Reply to a goal not stepped toward: its next step"),
}
TITLES = {
    "welcome": L_("Welcome, once the client agrees to texts"),
    "help": L_("Reply to HELP"),
    "opt_out_confirm": L_("Reply to STOP"),
    "opt_in_confirm": L_("Reply to START"),
    "received": L_("Reply to a message that answers no question"),
    "checkin_thanks": L_("Thanks for an answer"),
    "clarify_rating": L_("A number was expected"),
    "clarify_yes_no": L_("Yes or no was expected"),
    "appt_reschedule": L_("Reply to R (reschedule)"),
    "crisis_self_harm": L_("Reply when a message speaks of self-harm"),
    "crisis_urge": L_("Reply when a message speaks of a strong urge"),
    "crisis_urge_contact": L_("Reply when a message speaks of a strong urge"),
    "crisis_contact": L_(
        "Reply when a message speaks of contact with a potential victim or of a place the "
        "plan says to avoid"
    ),
    "crisis_threat": L_("Reply when a message threatens someone"),
    "crisis_life_event": L_("Reply when a message speaks of lost housing or work, or a relapse"),
}
APPOINTMENT_KINDS = (
    "appt_day_before",
    "appt_same_day",
    "appt_2h",
    "appt_moved",
    "appt_cancelled",
    "appt_confirmed",
    "appt_reschedule",
)
CRISIS_KINDS = ("crisis_self_harm", "crisis_contact", "crisis_threat", "crisis_life_event")


@dataclass(frozen=True)
class Preview:
    """One text as the client would get it."""

    key: str  # unique on the page, and in the address of its "Send me a test"
    group: str  # a key of GROUPS
    title: str  # in the staff member's language
    kind: str  # the TextKind sent
    params: dict[str, Any]  # every placeholder, as stored on a test row (less "language")
    rendered: Rendered

    @property
    def over_budget(self) -> bool:
        return self.rendered.segments > self.budget

    @property
    def budget(self) -> int:
        # Per kind and encoding (messaging/budgets.py, docs/texts.md).
        return budget(self.kind, self.rendered.encoding)


def _base_params(client: Client) -> dict[str, Any]:
    """What the dispatcher fills in for every text to this client (``dispatch._prepare``)."""
    config = current_app.config
    params: dict[str, Any] = {"name": client.display_name, "program": config["PROGRAM_NAME"]}
    if config["CARE_TEAM_NAME"]:
        params["team"] = config["CARE_TEAM_NAME"]
    if client.simple_words:
        params["simple"] = True
    phone = (client.provider.public_phone if client.provider else None) or config["CARE_TEAM_PHONE"]
    if phone:
        params["phone"] = display_phone(phone, config["DEFAULT_REGION"])
    return params


def _sample_appointment(client: Client, now: datetime) -> dict[str, Any]:
    """An appointment tomorrow at 10:00 in the client's time zone, with no place typed."""
    zone = ZoneInfo(client.timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    at = local_instant(tomorrow, SAMPLE_APPOINTMENT, zone)
    return {"at": at.isoformat(), "timezone": client.timezone, "location": ""}


def _entries(client: Client, now: datetime) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(key, group, title, kind, params) of every text the client can get, in page order."""
    entries: list[tuple[str, str, str, str, dict[str, Any]]] = []

    def add(key: str, group: str, title: object, kind: str, **params: Any) -> None:
        entries.append((key, group, str(title), kind, params))

    add("welcome", "everyday", TITLES["welcome"], "welcome")
    for kind in ("help", "opt_out_confirm", "opt_in_confirm", "received"):
        add(kind, "everyday", TITLES[kind], kind)

    topics = [t for t in (client.checkin_topics or []) if t in TOPICS]
    for topic in topics:
        label = topic_label(topic)
        add(
            f"checkin_prompt-{topic}",
            "check_ins",
            _("Check-in question: %(topic)s", topic=label),
            "checkin_prompt",
            topic=topic,
        )
        add(
            f"checkin_reminder-{topic}",
            "check_ins",
            _("Reminder when it is not answered: %(topic)s", topic=label),
            "checkin_reminder",
            topic=topic,
        )
    if topics:
        add(
            "checkin_nudge",
            "check_ins",
            _("Check-in question after a missed one: %(topic)s", topic=topic_label(topics[0])),
            "checkin_prompt",
            topic=topics[0],
            nudge=True,
        )
        # The goal question, once per approach goal, and every wording of the replies to
        # an answer, with the client's own plan words (issue 16: strengths, varied words).
        plan = latest_plan(db.session, client.id)
        for line in goal_lines(plan.content if plan else {}):
            add(
                f"checkin_prompt-goal-{line.item_id}",
                "check_ins",
                _("Check-in question: %(topic)s", topic=line.params["goal"]),
                "checkin_prompt",
                topic="goal",
                goal=line.params["goal"],
            )
        numbers: dict[str, int] = {}
        for family, kind, words in acknowledgements.samples(db.session, client):
            numbers[family] = numbers.get(family, 0) + 1
            title = _(
                "%(reply)s (wording %(number)s)",
                reply=ACK_TITLES[family],
                number=numbers[family],
            )
            add(kind, "check_ins", title, kind, **words)

    specs = [TOPICS[t] for t in topics]
    ratings = [s for s in specs if s.expects == "rating"]
    if ratings:
        add(
            "clarify_rating",
            "clarify",
            TITLES["clarify_rating"],
            "clarify_rating",
            low=ratings[0].low,
            high=ratings[0].high,
        )
    if any(s.expects == "yes_no" for s in specs):
        add("clarify_yes_no", "clarify", TITLES["clarify_yes_no"], "clarify_yes_no")
    for spec in specs:
        if spec.expects == "choice":
            add(
                f"clarify_choice-{spec.key}",
                "clarify",
                _("A choice was expected: %(topic)s", topic=topic_label(spec.key)),
                "clarify_choice",
                choices=", ".join(spec.choices),
            )

    plan = latest_plan(db.session, client.id)
    content = plan.content if plan is not None else {}
    for number, line in enumerate(reminder_lines(content), start=1):
        add(
            f"plan_reminder-{line.item_id}",
            "plan",
            _("Plan line %(number)s", number=number),
            "plan_reminder",
            line_template=line.template,
            line_words=dict(line.params),
        )

    sample = _sample_appointment(client, now)
    for kind in APPOINTMENT_KINDS:
        add(kind, "appointments", TEXT_LABELS.get(kind) or TITLES[kind], kind, **sample)

    add("crisis_self_harm", "crisis", TITLES["crisis_self_harm"], "crisis_self_harm")
    contact = crisis_contact(content)
    if contact is not None:
        title = TITLES["crisis_urge_contact"]
        add("crisis_urge", "crisis", title, "crisis_urge_contact", **contact)
    else:
        add("crisis_urge", "crisis", TITLES["crisis_urge"], "crisis_urge")
    for kind in CRISIS_KINDS[1:]:
        add(kind, "crisis", TITLES[kind], kind)
    return entries


def previews_for(client: Client, now: datetime) -> list[Preview]:
    """Every text the client can get, rendered in the language their texts go in (an
    unapproved drafted language in production included: ``runtime.language_in_use``)."""
    language = runtime.language_in_use(client)[0]
    base = _base_params(client)
    previews = []
    for key, group, title, kind, extra in _entries(client, now):
        params = {**base, **extra}
        previews.append(Preview(key, group, title, kind, params, render(kind, language, params)))
    return previews


# What became of a "Send me a test", shown beside that text after the redirect.
OUTCOMES = frozenset({"sent", "again", "no_phone"})


@bp.get("/<int:client_id>/texts")
@requires(Action.PREVIEW_TEXTS)
def texts(client_id: int) -> str:
    client = client_or_403(client_id)
    now = clock.now()
    record_view(client, "texts", now)
    previews = previews_for(client, now)
    groups = [
        (key, label, [p for p in previews if p.group == key]) for key, label in GROUPS.items()
    ]
    outcome = request.args.get("outcome", "")
    return render_template(
        "previews/texts.html",
        client=client,
        texts_in=texts_language(client),
        in_use=runtime.language_in_use(client),
        groups=groups,
        sample_at=datetime.fromisoformat(_sample_appointment(client, now)["at"]),
        tested=request.args.get("tested", "") if outcome in OUTCOMES else "",
        outcome=outcome,
        form=CsrfForm(formdata=None),
    )


@bp.post("/<int:client_id>/texts/<key>/test")
@requires(Action.PREVIEW_TEXTS)
def send_test(client_id: int, key: str) -> Response:
    """Queue the previewed text ``key`` for the signed-in staff member's own phone.

    The outcome is shown beside that text (``tested`` and ``outcome`` in the address
    the browser is sent back to), not at the top of a long page.
    """
    client = client_or_403(client_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    now = clock.now()
    found = next((p for p in previews_for(client, now) if p.key == key), None)
    if found is None:
        abort(404)

    def back(outcome: str) -> Response:
        return redirect(
            url_for(
                "previews.texts",
                client_id=client.id,
                tested=key,
                outcome=outcome,
                _anchor=f"text-{key}",
            )
        )

    if not current_user.phone:
        return back("no_phone")
    row = previews.send_test(
        db.session,
        client,
        current_user,
        kind=found.kind,
        key=key,
        params=found.params,
        language=found.rendered.language,
        now=now,
    )
    if row is None:
        return back("again")  # a double click: the first one is on its way
    return back("sent")
