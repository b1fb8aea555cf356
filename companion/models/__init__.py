"""The data model (SQLAlchemy 2.0 typed ORM). Import models from here."""

from companion.models.appointment import Appointment, AppointmentKind, AppointmentStatus
from companion.models.audit import AuditEvent, WorkerHeartbeat
from companion.models.base import Base, UTCDateTime
from companion.models.checkin import CheckIn, CheckInStatus
from companion.models.client import AcuteLevel, Client, ClientStatus, Consent, RiskLevel
from companion.models.consent import ConsentEvent, ConsentKind
from companion.models.dev_clock import DevClock
from companion.models.escalation import (
    AlertEmail,
    EmailStatus,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Outcome,
)
from companion.models.language import LanguageApproval
from companion.models.message import (
    FINAL,
    PROVIDER_STATUS_RANK,
    Direction,
    Message,
    Status,
)
from companion.models.oncall import CadenceChange, OnCallShift
from companion.models.plan import PlanVersion, ScheduleOverride
from companion.models.release import Release
from companion.models.staff import Role, SignInFailure, StaffSession, StaffUser
from companion.models.task import Task, TaskStatus

__all__ = [
    "AlertEmail",
    "CadenceChange",
    "OnCallShift",
    "EmailStatus",
    "Escalation",
    "EscalationEvent",
    "EscalationStatus",
    "Outcome",
    "FINAL",
    "AcuteLevel",
    "Appointment",
    "AppointmentKind",
    "AppointmentStatus",
    "CheckIn",
    "CheckInStatus",
    "PlanVersion",
    "Release",
    "ScheduleOverride",
    "Task",
    "TaskStatus",
    "PROVIDER_STATUS_RANK",
    "AuditEvent",
    "Base",
    "Client",
    "ClientStatus",
    "Consent",
    "ConsentEvent",
    "ConsentKind",
    "DevClock",
    "LanguageApproval",
    "Direction",
    "Message",
    "RiskLevel",
    "Role",
    "SignInFailure",
    "StaffSession",
    "StaffUser",
    "Status",
    "UTCDateTime",
    "WorkerHeartbeat",
]
