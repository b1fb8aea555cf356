"""Who may close an alert, and who may read why it was raised: the role policy for alerts.

Under the containment model the team shares what the client's release covers, but a
clinical crisis stays with clinicians (docs/roles.md, ../shared/DOMAIN.md):

| reason                                   | provider | officer | examiner | admin |
|------------------------------------------|----------|---------|----------|-------|
| self-harm, urge, threat, life event      | closes   | —       | —        | —     |
| missed check-ins or appointment, can't   | closes   | closes  | —        | —     |
| reach, access to minors or a victim      |          |         |          |       |

An examiner sees that an alert about their examinee exists, never a clinical reason.
"""

from __future__ import annotations

from companion.care.ladder import Reason
from companion.models import Role

# Alerts whose content is clinical: only a clinician closes them.
CLINICAL = frozenset({Reason.SELF_HARM, Reason.HIGH_URGE, Reason.THREAT, Reason.LIFE_EVENT})
# Supervision matters the officer acts on (within the release, which decided they were told).
SUPERVISION = frozenset(
    {Reason.MISSED_CHECKINS, Reason.MISSED_APPOINTMENT, Reason.CANT_REACH, Reason.VICTIM_ACCESS}
)


def may_close_alert(role: Role, reason: str) -> bool:
    """Whether someone in ``role`` may acknowledge (and so stop) an alert raised for ``reason``."""
    if role == Role.PROVIDER:
        return True
    if role == Role.OFFICER:
        return Reason(reason) in SUPERVISION
    return False  # examiners and admins close none


def may_read_reason(role: Role, reason: str) -> bool:
    """Whether someone in ``role`` may read why an alert was raised."""
    return role != Role.EXAMINER or Reason(reason) not in CLINICAL
