"""The role policy: who may do what, as one table of role × action (× condition).

Every staff page declares the action it performs (``web/access.py``: ``@requires``), and
every service call that changes something checks the same table (``check``). The
caseload ("this client is theirs") is a separate rule, checked for every page about a
client (``services/caseload.py``). docs/roles.md shows this table; tests/security/
test_policy.py walks every route × every role against it.

Under the containment model the team shares what the client's release covers, but a
clinical crisis stays with clinicians (../shared/DOMAIN.md): the provider reads and
acts on clinical content; the officer acts on supervision matters; the polygraph
examiner sees exam appointments, attendance and that an alert exists; the admin manages
accounts and settings and never reads clinical content.
"""

from __future__ import annotations

import enum

from companion.care.ladder import Reason
from companion.care.release import Category, category_of
from companion.models import AppointmentKind, Role

# Alerts whose content is clinical (care/release.py: their release category): only a
# clinician closes them.
CLINICAL = frozenset(r for r in Reason if category_of(r) == Category.CLINICAL)
# Supervision matters the officer acts on, within the release (attendance, adherence,
# channel changes, supervision conditions): every other category.
SUPERVISION = frozenset(r for r in Reason if category_of(r) != Category.CLINICAL)


class Action(enum.StrEnum):
    """What a staff member does, in the team's words (one per kind of page or change)."""

    SEE_HOME = "see their start page"
    MANAGE_OWN_ACCOUNT = "change their own password, sign out"
    LIST_CLIENTS = "list the clients in their caseload"
    VIEW_CLIENT_SUMMARY = "view a client's reduced record (name, status, staff, appointments)"
    VIEW_CLINICAL_RECORD = "view clinical content (check-in answers, texts, timeline)"
    ADD_CLIENT = "add or onboard a client"
    EDIT_CLIENT = "edit a client's details and assignments"
    VIEW_PLAN = "read the relapse-prevention plan"
    EDIT_PLAN = "edit the relapse-prevention plan"
    VIEW_SCHEDULE = "read risk assessments and the schedule"
    EDIT_SCHEDULE = "record risk assessments, override the schedule"
    PREVIEW_TEXTS = "preview a client's texts, send a test to oneself"
    USE_SIMULATOR = "use the phone simulator (development)"
    VIEW_APPOINTMENTS = "view appointments and attendance"
    MANAGE_APPOINTMENTS = "add, change or cancel appointments"
    RECORD_ATTENDANCE = "record an appointment kept or missed"
    IMPORT_APPOINTMENTS = "import appointments from a file"
    VIEW_ALERTS = "view alerts (that one exists, who was told)"
    READ_ALERT_REASON = "read why an alert was raised"
    CLOSE_ALERT = "acknowledge (close) an alert"
    VIEW_ONCALL = "view the on-call clinician rota"
    EDIT_ONCALL = "set the on-call clinician rota"
    WORK_TASKS = "see and complete tasks"
    VIEW_TEAM_REPORT = "view a client's monthly containment report"
    VIEW_AUDIT_LOG = "read the audit log"
    MANAGE_STAFF = "manage staff accounts and caseload assignments"
    VIEW_UNDERSTANDING = "see how replies are read: each language's phrase review"

    APPROVE_LANGUAGES = "approve a drafted text language for sending, or withdraw it"
    VIEW_RELEASE = "read the client's release of information and who is told what"
    EDIT_RELEASE = "record the client's release of information"


class Condition(enum.StrEnum):
    """A cell that depends on the case: the facts are named in ``allowed(…, **facts)``."""

    SUPERVISION_REASON = "only supervision matters, within the release (reason=…, released=…)"
    NON_CLINICAL_REASON = "only when the reason is not clinical (reason=…)"


YES, NO = True, False
NOT_CLINICAL, SUPERVISION_ONLY = Condition.NON_CLINICAL_REASON, Condition.SUPERVISION_REASON


def _cells(
    provider: bool | Condition,
    officer: bool | Condition,
    examiner: bool | Condition,
    admin: bool | Condition,
) -> dict[Role, bool | Condition]:
    return {Role.PROVIDER: provider, Role.OFFICER: officer, Role.EXAMINER: examiner,
            Role.ADMIN: admin}  # fmt: skip


# action → its cell for each role: YES, NO or a Condition. Every action on a client is
# also bounded by the caseload (services/caseload.py).
POLICY: dict[Action, dict[Role, bool | Condition]] = {
    #                                    provider officer examiner admin
    Action.SEE_HOME:              _cells(YES, YES, YES, YES),
    Action.MANAGE_OWN_ACCOUNT:    _cells(YES, YES, YES, YES),
    Action.LIST_CLIENTS:          _cells(YES, YES, YES, YES),
    Action.VIEW_CLIENT_SUMMARY:   _cells(YES, YES, YES, YES),
    Action.VIEW_CLINICAL_RECORD:  _cells(YES, YES, NO, NO),
    Action.ADD_CLIENT:            _cells(YES, NO, NO, YES),
    Action.EDIT_CLIENT:           _cells(YES, NO, NO, YES),
    Action.VIEW_PLAN:             _cells(YES, YES, NO, NO),
    Action.EDIT_PLAN:             _cells(YES, NO, NO, NO),
    Action.VIEW_SCHEDULE:         _cells(YES, YES, NO, NO),
    Action.EDIT_SCHEDULE:         _cells(YES, NO, NO, NO),
    Action.PREVIEW_TEXTS:         _cells(YES, YES, NO, NO),
    Action.USE_SIMULATOR:         _cells(YES, YES, NO, NO),
    Action.VIEW_APPOINTMENTS:     _cells(YES, YES, YES, YES),
    Action.MANAGE_APPOINTMENTS:   _cells(YES, YES, NO, YES),
    Action.RECORD_ATTENDANCE:     _cells(YES, YES, NO, YES),
    Action.IMPORT_APPOINTMENTS:   _cells(YES, NO, NO, YES),
    Action.VIEW_ALERTS:           _cells(YES, YES, YES, YES),
    Action.WORK_TASKS:            _cells(YES, YES, NO, NO),
    Action.VIEW_TEAM_REPORT:      _cells(YES, YES, NO, NO),
    Action.VIEW_AUDIT_LOG:        _cells(NO, NO, NO, YES),
    Action.MANAGE_STAFF:          _cells(NO, NO, NO, YES),
    Action.VIEW_UNDERSTANDING:    _cells(NO, NO, NO, YES),

    Action.APPROVE_LANGUAGES:     _cells(NO, NO, NO, YES),
    Action.READ_ALERT_REASON:     _cells(YES, YES, NOT_CLINICAL, NOT_CLINICAL),
    Action.CLOSE_ALERT:           _cells(YES, SUPERVISION_ONLY, NO, NO),
    Action.VIEW_RELEASE:          _cells(YES, YES, NO, NO),
    Action.EDIT_RELEASE:          _cells(YES, NO, NO, NO),
    # The rota names people and hours, nothing about a client: the officer may see whom to
    # call; providers arrange it among themselves and the admin keeps it filled.
    Action.VIEW_ONCALL:           _cells(YES, YES, NO, YES),
    Action.EDIT_ONCALL:           _cells(YES, NO, NO, YES),
}  # fmt: skip


# The appointments each role sees (None: every kind). A polygraph examiner sees the exams
# of their examinees and whether they were kept, never treatment sessions, supervision
# meetings or court dates: those say more about the client than an exam needs.
APPOINTMENTS_SEEN: dict[Role, frozenset[AppointmentKind] | None] = {
    Role.PROVIDER: None,
    Role.OFFICER: None,
    Role.EXAMINER: frozenset({AppointmentKind.POLYGRAPH}),
    Role.ADMIN: None,
}


def appointment_kinds_seen(role: Role) -> frozenset[AppointmentKind] | None:
    """The kinds of appointment ``role`` may see, or None for every kind."""
    return APPOINTMENTS_SEEN.get(role, frozenset())


class NotAllowed(PermissionError):
    """The role policy does not let this person do that (403 on the web)."""


def _holds(condition: Condition, facts: dict[str, object]) -> bool:
    if "reason" not in facts:
        raise TypeError(f"{condition.name} needs the alert's reason")
    clinical = category_of(str(facts["reason"])) == Category.CLINICAL
    if condition == Condition.SUPERVISION_REASON:
        # Within the release: an alert the officer may not hear is not theirs to close.
        # Without the fact (a page deciding whether to show the form at all) it is assumed.
        return not clinical and bool(facts.get("released", True))
    return not clinical  # NON_CLINICAL_REASON


def allowed(role: Role, action: Action, **facts: object) -> bool:
    """Whether ``role`` may do ``action``; a conditional cell needs its facts (``reason=…``)."""
    cell = POLICY[action].get(role, NO)
    if isinstance(cell, Condition):
        return _holds(cell, facts)
    return cell


def ever_allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may do ``action`` in some case: the gate before the facts are known."""
    return POLICY[action].get(role, NO) is not NO


def check(role: Role, action: Action, **facts: object) -> None:
    """Raise ``NotAllowed`` unless ``role`` may do ``action``: for every service that changes."""
    if not allowed(role, action, **facts):
        raise NotAllowed(f"a {role.value} may not {action.value}")


def may_close_alert(role: Role, reason: str, *, released: bool = True) -> bool:
    """Whether someone in ``role`` may acknowledge (and so stop) an alert raised for ``reason``.

    Decided by the alert's release category (care/release.py): a clinical alert is for
    the clinicians (the provider, the on-call clinician); the officer closes the other
    kinds only where the release lets them hear it (``released``); the examiner and the
    admin close none.
    """
    return allowed(role, Action.CLOSE_ALERT, reason=reason, released=released)


def may_read_reason(role: Role, reason: str) -> bool:
    """Whether someone in ``role`` may read why an alert was raised."""
    return allowed(role, Action.READ_ALERT_REASON, reason=reason)
