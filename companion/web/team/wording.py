"""How the team pages say things: kinds of text, delivery, carrier codes, outcomes, months.

Words shown only on pages are lazy (``L_``). Words that the report's CSV also carries
stay plain English strings, marked ``W_`` for the catalog: the CSV is for machines and
stays English; pages show them through ``_()``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from babel.dates import format_skeleton

from companion.care.labels import W_
from companion.care.topics import TOPICS
from companion.messaging.i18n import SOURCE_LANGUAGE
from companion.messaging.texts import ACKNOWLEDGEMENT_KINDS
from companion.models import AppointmentKind, AppointmentStatus, Outcome, Status
from companion.services.reports import reason_text
from companion.web.language import L_, _, ui_language
from companion.web.shared import KIND_NAMES

APPOINTMENT_OUTCOMES: dict[AppointmentStatus, Any] = {
    AppointmentStatus.SCHEDULED: L_("scheduled, no outcome recorded"),
    AppointmentStatus.CONFIRMED: L_("confirmed by the client, no outcome recorded"),
    AppointmentStatus.RESCHEDULE_REQUESTED: L_("the client asked to reschedule"),
    AppointmentStatus.CANCELLED: L_("cancelled"),
    AppointmentStatus.KEPT: L_("kept"),
    AppointmentStatus.MISSED: L_("missed"),
}

# What each kind of text is, in plain words (the texts themselves never say it).
MESSAGE_KINDS = {
    "inbound": L_("Text from the client"),
    "welcome": L_("Welcome text (enrolment)"),
    "help": L_("Answer to HELP"),
    "opt_out_confirm": L_("Opt-out confirmation"),
    "opt_in_confirm": L_("Re-enrolment confirmation"),
    "received": L_("Thanks for a message"),
    "checkin_prompt": L_("Check-in question"),
    "checkin_reminder": L_("Check-in reminder"),
    "checkin_thanks": L_("Thanks for a check-in answer"),
    "clarify_rating": L_("Asked to clarify a check-in answer"),
    "clarify_yes_no": L_("Asked to clarify a check-in answer"),
    "clarify_choice": L_("Asked to clarify a check-in answer"),
    "clarify_which": L_("Asked which question a reply answers"),
    "call_back": L_("Call-back promised"),
    "plan_reminder": L_("Plan reminder"),
    "appt_day_before": L_("Appointment notice, the day before"),
    "appt_same_day": L_("Appointment notice, the same day"),
    "appt_2h": L_("Appointment notice, 2 hours before"),
    "appt_moved": L_("Appointment moved (new time)"),
    "appt_cancelled": L_("Appointment cancellation"),
    "appt_confirmed": L_("Appointment confirmed (answer to C)"),
    "appt_reschedule": L_("Reschedule request noted (answer to R)"),
    "crisis_self_harm": L_("Crisis reply: self-harm or hopelessness"),
    "crisis_urge": L_("Crisis reply: urges"),
    "crisis_contact": L_("Crisis reply: possible victim access"),
    "crisis_threat": L_("Crisis reply: threat to a person"),
    "crisis_life_event": L_("Crisis reply: housing, job or relapse"),
}
DELIVERY = {
    Status.SENDING: L_("being sent"),
    Status.SENT: L_("sent, no delivery receipt yet"),
    Status.DELIVERED: L_("delivered"),
    Status.UNDELIVERED: L_("not delivered"),
    Status.FAILED: L_("could not be sent"),
    Status.EXPIRED: L_("not sent: its time had passed"),
}
# Carrier and Twilio codes, told as what they are: a problem with the phone or the line.
CARRIER_CODES = {
    21211: L_("the number is not a valid phone number"),
    21408: L_("texts to this region are not enabled"),
    21610: L_("the phone has blocked our texts (STOP sent to the carrier)"),
    21612: L_("the carrier cannot take texts to this number"),
    21614: L_("the number is not a mobile phone"),
    30003: L_("the phone was off or out of coverage"),
    30004: L_("the carrier or the phone blocked the text"),
    30005: L_("the number is unknown or no longer in service"),
    30006: L_("a landline, or a carrier that cannot take texts"),
    30007: L_("the carrier filtered the text"),
    30008: L_("an unknown carrier error"),
}
OUTCOME_WORDS = {
    Outcome.CONTACTED: W_("contacted the client"),
    Outcome.EXCUSED: W_("excused"),
    Outcome.REVIEW: W_("for team review"),
    Outcome.FALSE_ALARM: W_("false alarm"),
}
CHANNEL_WORDS = {"sms": L_("text"), "email": L_("email"), "web": L_("the portal")}
RUNG_WORDS = {
    "provider": L_("provider"),
    "officer": L_("officer"),
    "backup_officer": L_("backup officer"),
}

_PHONE_LIKE = re.compile(r"\+?\d[\d ().-]{6,}\d")


def _shown(text: str) -> str:
    """A plain English label in the staff member's language (an empty one stays empty)."""
    return _(text) if text else text


def reason_label(reason: str) -> str:
    """Why an escalation was raised, in the staff member's language."""
    return _shown(reason_text(reason))


def message_kind(kind: str) -> str:
    if kind in MESSAGE_KINDS:
        return str(MESSAGE_KINDS[kind])
    if kind in ACKNOWLEDGEMENT_KINDS:  # the varied replies to an answer (issue 16)
        return str(MESSAGE_KINDS["checkin_thanks"])
    return kind.replace("_", " ").capitalize()


def carrier_words(code: int | None) -> str:
    if code is None:
        return ""
    what = CARRIER_CODES.get(code)
    return _(
        "carrier code %(code)s: %(what)s. A phone problem, not defiance.",
        code=code,
        what=_("a delivery error") if what is None else str(what),
    )


def no_numbers(text: str | None) -> str:
    """``text`` with anything that looks like a phone number taken out."""
    hidden = _("[number]")
    return _PHONE_LIKE.sub(lambda match: hidden, text or "")


def answer_words(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return "" if value is None else str(value)


def topic_words(topic: str) -> str:
    spec = TOPICS.get(topic)
    return f"{topic} ({_shown(spec.need)})" if spec else topic


def month_words(first: date) -> str:
    """A month as staff read it: "October 2026" (in Spanish, "octubre de 2026")."""
    language = ui_language()
    if language == SOURCE_LANGUAGE:
        return f"{first:%B %Y}"
    return format_skeleton("yMMMM", first, locale=language)


def kind_words() -> dict[AppointmentKind, str]:
    return {kind: _(label) for kind, label in KIND_NAMES.items()}


def outcome_words() -> dict[Outcome, str]:
    return {outcome: _(words) for outcome, words in OUTCOME_WORDS.items()}


def duration_words(span: timedelta | None) -> str:
    """A span as staff read it: "45 min", "3 h 10 min", "2 d 4 h"."""
    if span is None:
        return "—"
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=mins)
    return _("%(minutes)s min", minutes=mins)


def page_number(raw: str) -> int:
    """A ``?page=`` value as a number from 1 (ValueError otherwise)."""
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(raw)
    return int(raw)
