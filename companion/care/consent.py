"""What a compliance keyword does to a client's consent to be texted (DOMAIN.md)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from companion.models.client import Consent


class Keyword(enum.StrEnum):
    """The compliance keywords (messaging/keywords.py recognises them in every language)."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


@dataclass(frozen=True)
class ConsentDecision:
    new_consent: Consent
    reply_kind: str | None  # the text to send back, if any
    changed: bool


def decide(current: Consent, keyword: Keyword | None) -> ConsentDecision:
    """Apply ``keyword`` (or an ordinary message, None) to ``current`` consent.

    - STOP and its equivalents: opted out at once, one confirmation (none if
      they had already opted out: "one confirmation", and the carrier would
      refuse it anyway).
    - START: opted in again, with a confirmation.
    - HELP: answered whatever the consent state.
    - Anything else from someone who opted out: kept, not answered.
    """
    if keyword == Keyword.OPT_OUT:
        if current == Consent.OPTED_OUT:
            return ConsentDecision(current, None, changed=False)
        return ConsentDecision(Consent.OPTED_OUT, "opt_out_confirm", changed=True)
    if keyword == Keyword.OPT_IN:
        return ConsentDecision(
            Consent.OPTED_IN, "opt_in_confirm", changed=current != Consent.OPTED_IN
        )
    if keyword == Keyword.HELP:
        return ConsentDecision(current, "help", changed=False)
    if current == Consent.OPTED_OUT:
        return ConsentDecision(current, None, changed=False)
    return ConsentDecision(current, "received", changed=False)
