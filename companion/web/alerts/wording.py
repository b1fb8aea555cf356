"""How an alert reads on the staff pages: why it was raised, who it reached, what came of it.

Public: the home page and the team pages show alerts too.
"""

from __future__ import annotations

from companion.care.ladder import RULES, Reason
from companion.models import Outcome
from companion.web.language import L_, _

OUTCOME_LABELS = {
    Outcome.CONTACTED: L_("Contacted (or contacting) the client"),
    Outcome.EXCUSED: L_("Excused: a known reason, nothing more to do"),
    Outcome.REVIEW: L_("For review at the next team meeting"),
}
RUNG_LABELS = {
    "provider": L_("Provider"),
    "officer": L_("Officer"),
    "backup_officer": L_("Backup officer"),
}


def reason_text(reason: str) -> str:
    """Why the escalation was raised, in English (as its "opened" step records it)."""
    return RULES[Reason(reason)].label


def reason_label(reason: str) -> str:
    """Why the escalation was raised, in the staff member's language."""
    return _(reason_text(reason))
