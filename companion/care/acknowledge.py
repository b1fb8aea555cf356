"""What an acknowledgement may say, by the kind of alert (issue 15).

An alert raised by a client's words can be a false alarm ("killing it at work"); a run of
missed check-ins or a missed session cannot, but it can be excused (a known reason). A
crisis (an urgent alert from words) is never "excused": it was either acted on, is for
review, or was a false alarm. Excusing and calling a false alarm each need a reason in
words, kept on the alert; a false alarm also becomes a labelled example for the
understanding work (services/release.py ``false_alarms``).
"""

from __future__ import annotations

from companion.models import Outcome

NEEDS_REASON = frozenset({Outcome.EXCUSED, Outcome.FALSE_ALARM})


def outcomes_for(*, from_words: bool, urgent: bool) -> tuple[Outcome, ...]:
    """The acknowledgement options an alert offers, in the order the page shows them.

    ``from_words``: the alert was raised by a text the client sent (its message is inbound).
    """
    if from_words and urgent:
        return (Outcome.CONTACTED, Outcome.REVIEW, Outcome.FALSE_ALARM)
    if from_words:
        return (Outcome.CONTACTED, Outcome.EXCUSED, Outcome.REVIEW, Outcome.FALSE_ALARM)
    return (Outcome.CONTACTED, Outcome.EXCUSED, Outcome.REVIEW)


def needs_reason(outcome: Outcome) -> bool:
    """Whether the person acknowledging must say why (excused, false alarm)."""
    return outcome in NEEDS_REASON
