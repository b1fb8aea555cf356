"""The on-call clinician: the weekly rota, who is on call now, and where nobody is.

Replies that need a clinician now (self-harm, urges with fear of acting, threats, victim
access: care/ladder.py ``CLINICIAN_LADDER``) go to the clinician on call at once, then to
the shift's backup when nobody acknowledges within ONCALL_ACK_MINUTES; with nobody on
call (a gap in the rota) the client's own provider is told. The officer comes after
them only where the client's release covers clinical risk (services/escalations.py
``_officer_may_hear``).

The rota's times are the team's (BUSINESS_TIMEZONE, the zone of the business calendar).
Functions take a session, their inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.care import rota
from companion.care.ladder import Reason, Rung
from companion.care.roles import Action, check
from companion.models import Client, Escalation, EscalationEvent, OnCallShift, Role, StaffUser
from companion.services import audit

log = logging.getLogger(__name__)

GAP_HORIZON = timedelta(days=7)

# What the officer may hear, per kind of alert (DOMAIN.md "Release of information").
CATEGORY: dict[Reason, str] = {
    Reason.MISSED_CHECKINS: "adherence",
    Reason.MISSED_APPOINTMENT: "attendance",
    Reason.CANT_REACH: "channel_changes",
    Reason.SELF_HARM: "clinical_risk",
    Reason.HIGH_URGE: "clinical_risk",
    Reason.THREAT: "clinical_risk",
    Reason.LIFE_EVENT: "clinical_risk",
    Reason.VICTIM_ACCESS: "supervision",
}


# -- who is on call --------------------------------------------------------------------------


def shifts(session: Session) -> list[OnCallShift]:
    return list(
        session.scalars(
            select(OnCallShift).order_by(OnCallShift.weekday, OnCallShift.starts, OnCallShift.id)
        )
    )


def _slots(rows: list[OnCallShift]) -> list[rota.Slot]:
    return [rota.Slot(r.id, r.weekday, r.starts, r.ends) for r in rows]


def on_call_at(session: Session, now: datetime, zone: ZoneInfo) -> OnCallShift | None:
    """The shift on call at ``now`` (the earliest-starting of overlapping ones), or None."""
    rows = shifts(session)
    local = now.astimezone(zone).replace(tzinfo=None)
    covering = rota.covering(_slots(rows), local)
    by_id = {r.id: r for r in rows}
    return by_id[covering[0].key] if covering else None


def reachable(person: StaffUser | None, email: bool) -> bool:
    """Whether an alert can reach ``person``: an active account with a phone, or an email
    address when alert email is on."""
    return (
        person is not None
        and person.is_active_account
        and (bool(person.phone) or (email and bool(person.email)))
    )


def recipient(
    session: Session, client: Client, rung: Rung, now: datetime, zone: ZoneInfo
) -> StaffUser | None:
    """Who the on-call rungs mean at ``now``.

    The clinician on call; with nobody on call, the client's own provider. The backup
    rung: the shift's backup, or else the client's provider when someone else was on call.
    """
    shift = on_call_at(session, now, zone)
    if rung == Rung.ON_CALL:
        return shift.clinician if shift is not None else client.provider
    if shift is None:
        return None  # the provider was told on the first rung
    if shift.backup is not None:
        return shift.backup
    return client.provider if shift.clinician_id != client.provider_id else None


def stand_in(session: Session, now: datetime, zone: ZoneInfo, email: bool) -> StaffUser | None:
    """The next person on the rota who can be reached: the clinician on call, then the
    shift's backup (when a client's provider cannot be told)."""
    shift = on_call_at(session, now, zone)
    if shift is None:
        return None
    for person in (shift.clinician, shift.backup):
        if reachable(person, email):
            return person
    return None


def record_gap(
    session: Session,
    escalation: Escalation,
    rung: Rung,
    person: StaffUser | None,
    now: datetime,
    *,
    stand_in: bool = True,
) -> None:
    """Someone on ``rung`` could not be told (and, with ``stand_in``, the rota's next person
    was): on the alert's timeline, in the admin's count of alerts that found nobody, and
    audited. The one record of a gap, whoever finds it (services/escalations.py too)."""
    what = f"no {rung.replace('_', ' ')} on file" if person is None else (
        f"{person.name} has no phone or email for alerts")  # fmt: skip
    if stand_in:
        what += "; the clinician on call is told instead"
    session.add(
        EscalationEvent(escalation_id=escalation.id, at=now, kind="no_recipient",
                        detail=what[:300])  # fmt: skip
    )
    escalation.nobody_told_count = (escalation.nobody_told_count or 0) + 1
    escalation.nobody_told_at = now
    details: dict[str, object] = {"rung": str(rung), "staff_id": person.id if person else None}
    if stand_in:
        details["stand_in"] = "on_call"
    audit.record(session, "escalation.no_recipient", now=now, actor_kind="system",
                 subject=escalation, details=details)  # fmt: skip
    log.warning("escalation %d: nobody to tell on the %s rung", escalation.id, rung)


# -- gaps, for the admin's page ------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """Where an alert to the clinician on call would not reach anyone who is on call."""

    starts: datetime  # local, naive (the team's zone)
    ends: datetime
    who: str = ""  # a clinician on the rota who cannot be reached; "" for nobody on call


def gaps(
    session: Session, now: datetime, zone: ZoneInfo, email: bool, horizon: timedelta = GAP_HORIZON
) -> list[Gap]:
    """The next ``horizon`` (7 days): spans with nobody on call, and shifts whose clinician
    cannot be reached (no phone or email, or a closed account), in time order."""
    rows = shifts(session)
    start = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    end = start + horizon
    found = [Gap(a, b) for a, b in rota.gaps(_slots(rows), start, end)]
    for row in rows:
        if reachable(row.clinician, email):
            continue
        day = start.date() - rota.DAY
        while day <= end.date():
            if day.weekday() == row.weekday:
                begin, finish = rota.Slot(row.id, row.weekday, row.starts, row.ends).on(day)
                if finish > start and begin < end:
                    found.append(Gap(max(begin, start), min(finish, end), row.clinician.name))
            day += rota.DAY
    return sorted(found, key=lambda g: (g.starts, g.who))


# -- setting the rota ----------------------------------------------------------------------------


class RotaError(ValueError):
    """A shift that cannot be saved; the message says why (shown to staff)."""


def clinicians(session: Session) -> list[StaffUser]:
    """Who may be on call: active staff with the provider role."""
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.role == Role.PROVIDER, StaffUser.is_active_account.is_(True))
            .order_by(StaffUser.name)
        )
    )


def add_shift(
    session: Session,
    actor: StaffUser,
    *,
    weekday: int,
    starts: time,
    ends: time,
    clinician_id: int,
    backup_id: int | None,
    now: datetime,
) -> OnCallShift:
    """Add a weekly shift; audited; commits. Raises ``RotaError`` for a bad one."""
    check(actor.role, Action.EDIT_ONCALL)
    if not 0 <= weekday <= 6:
        raise RotaError("weekday")
    allowed = {c.id for c in clinicians(session)}
    if clinician_id not in allowed or (backup_id is not None and backup_id not in allowed):
        raise RotaError("clinician")
    if backup_id == clinician_id:
        raise RotaError("backup")
    shift = OnCallShift(weekday=weekday, starts=starts, ends=ends, clinician_id=clinician_id,
                        backup_id=backup_id, set_by_id=actor.id, set_at=now)  # fmt: skip
    session.add(shift)
    session.flush()
    audit.record(session, "oncall.shift_added", now=now, actor=actor, subject=shift,
                 details={"weekday": weekday, "clinician_id": clinician_id,
                          "backup_id": backup_id})  # fmt: skip
    session.commit()
    return shift


def remove_shift(session: Session, actor: StaffUser, shift_id: int, now: datetime) -> bool:
    """Remove a shift; False if there was none; audited; commits."""
    check(actor.role, Action.EDIT_ONCALL)
    shift = session.get(OnCallShift, shift_id)
    if shift is None:
        return False
    details = {"weekday": shift.weekday, "clinician_id": shift.clinician_id}
    audit.record(session, "oncall.shift_removed", now=now, actor=actor, subject=shift,
                 details=details)  # fmt: skip
    session.delete(shift)
    session.commit()
    return True
