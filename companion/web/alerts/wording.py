"""How an alert reads on the staff pages: why it was raised, who it reached, what came of it.

Public: the home page and the team pages show alerts too.
"""

from __future__ import annotations

from flask_login import current_user

from companion.care.ladder import RULES, Reason
from companion.care.roles import may_read_reason
from companion.models import Outcome
from companion.web.language import L_, _

OUTCOME_LABELS = {
    Outcome.CONTACTED: L_("Contacted (or contacting) the client"),
    Outcome.EXCUSED: L_("Excused: a known reason, nothing more to do"),
    Outcome.REVIEW: L_("Needs review at the next team meeting"),
    Outcome.FALSE_ALARM: L_("False alarm: the words did not mean that"),
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
    """Why the escalation was raised, in the staff member's language: unless the reason is
    clinical and the reader may not know it (an examiner; care/roles.py)."""
    if current_user.is_authenticated and not may_read_reason(current_user.role, reason):
        return _("An alert for the provider (the reason is clinical)")
    return _(reason_text(reason))
