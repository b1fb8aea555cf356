"""How a client's settings read on the staff pages: pause, text language, the opt-in words.

Public: the client page, the texts preview and guided onboarding use these.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from flask import current_app

from companion import runtime
from companion.messaging.compose import Rendered, render
from companion.messaging.i18n import (
    Review,
    review_of,
    sending_language,
    shipped_languages,
)
from companion.messaging.languages import Why
from companion.models import Client, ClientStatus, Consent, ConsentKind
from companion.services import pauses
from companion.web.clients.forms import PAUSE_REASON_LABELS
from companion.web.language import L_, _
from companion.web.team.wording import MESSAGE_KINDS

# How stored values read on the pages (the values themselves stay English: they are data).
CONSENT_LABELS = {
    Consent.NOT_ASKED: L_("not asked"),
    Consent.OPTED_IN: L_("opted in"),
    Consent.OPTED_OUT: L_("opted out"),
}
CONSENT_EVENT_LABELS = {
    ConsentKind.OPT_IN_RECORDED: L_("Consent recorded by staff"),
    ConsentKind.OPT_OUT: L_("The client texted STOP"),
    ConsentKind.OPT_IN: L_("The client texted START"),
    ConsentKind.OPT_OUT_BY_STAFF: L_("Consent removed by staff"),
    ConsentKind.ROI_CHANGED: L_("Release of information changed"),
}


def message_kind_label(kind: str) -> str:
    """What a text is, in the staff member's words (never its key, "checkin_prompt")."""
    label = MESSAGE_KINDS.get(kind)
    if label is not None:
        return str(label)
    if kind.startswith("crisis_"):
        return _("Crisis reply")
    if kind.startswith("staff_"):
        return _("Alert or notice to staff")
    return _("Other text")


def pause_description(client: Client) -> str:
    """``pauses.describe`` in the staff member's words, e.g. "in custody until 2026-12-07"."""
    reason = client.pause_reason or ""
    if reason in pauses.PAUSE_REASONS and reason not in PAUSE_REASON_LABELS:
        return pauses.describe(client)  # a reason added to pauses but not yet here
    if client.paused_until is None:
        return {
            "custody": _("in custody"),
            "hospital": _("in hospital"),
            "other": _("other"),
        }.get(reason, _("paused"))
    until = client.paused_until.isoformat()
    return {
        "custody": _("in custody until %(date)s", date=until),
        "hospital": _("in hospital until %(date)s", date=until),
        "other": _("other until %(date)s", date=until),
    }.get(reason, _("paused until %(date)s", date=until))


def pause_words(client: Client) -> str:
    if client.status != ClientStatus.PAUSED:
        return ""
    return " " + _(
        "%(name)s is paused (%(pause)s): no texts and no alerts until then; "
        "texts start again that day.",
        name=client.display_name,
        pause=pause_description(client),
    )


def consent_disclosure(name: str, language: str) -> Rendered:
    """The opt-in words the client is shown or read: their welcome text, in the language
    it goes in (English when theirs is not shipped or is held back unreviewed)."""
    hold = current_app.config.get("HOLD_UNREVIEWED_LANGUAGES", False)
    sent = sending_language(language, hold_unreviewed=hold)
    team = current_app.config.get("CARE_TEAM_NAME", "")
    return render("welcome", sent, {"name": name, "team": team})


def right_to_left(language: str) -> bool:
    return Locale.parse(language).character_order == "right-to-left"


@dataclass(frozen=True)
class TextsLanguage:
    """Which language a client's texts go in, and why, for the client page."""

    chosen: str  # what the client record says
    sent: str  # what actually goes out
    review: Review  # of the language that goes out
    unsupported: bool  # no catalog for the chosen language: English instead
    held_back: bool  # not reviewed and HOLD_UNREVIEWED_LANGUAGES is on: English instead
    not_approved: bool  # production, drafted and not approved by an admin: the fallback instead
    preview: Rendered  # the first check-in question as the phone shows it
    right_to_left: bool

    @property
    def tag(self) -> str:
        """The language as an HTML ``lang`` value ("zh-Hant")."""
        return self.sent.replace("_", "-")


def texts_language(client: Client) -> TextsLanguage:
    """The client's text language as the page explains it (see i18n.sending_language)."""
    # The dispatcher's own choice (services.languages): approval, review hold, catalogs.
    sent, why = runtime.language_in_use(client)
    topic = next(iter(client.checkin_topics or []), "stress")
    params = {"name": client.display_name, "topic": topic, "simple": client.simple_words}
    return TextsLanguage(
        chosen=client.language,
        sent=sent,
        review=review_of(sent),
        unsupported=client.language not in shipped_languages(),
        held_back=why == Why.NOT_REVIEWED,
        not_approved=why == Why.NOT_APPROVED,
        preview=render("checkin_prompt", sent, params),
        right_to_left=right_to_left(sent),
    )
