"""The demo: invented staff and a dozen invented clients with weeks of history.

``load_demo`` (``flask --app companion seed-demo``, refused in production) enrols the
clients of ``people.PEOPLE`` the way staff do (``clients.create_client``,
``plans.save_plan``), writes their past weeks (``history.live``), records past
appointments and what became of them, catches the escalation ladder up to now, and adds
upcoming appointments of every kind (``appointments.add_appointment``, which plans their
notices). From then on the worker plans and sends as for any client.

The same demo every time: a fixed seed decides every answer, and every date is counted
back from the ``now`` it is seeded at. Seeded once: run again, it only sets the demo
passwords again (``already`` in the result) and adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.care import agenda
from companion.models import (
    AlertEmail,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Client,
    EmailStatus,
    Escalation,
    EscalationStatus,
    Message,
    Outcome,
    Release,
    Role,
    StaffUser,
)
from companion.services import appointments, clients, escalations, plans, release
from companion.services.demo import history, texts
from companion.services.demo.people import EXAM_ROOM, OFFICE, PEOPLE, STAFF, Person
from companion.services.simulation import RecordingTransport
from companion.services.tick import TickSettings

SEED = 17  # the demo's one seed: the same answers, misses and stories every time
DISCLOSURE = (
    "Companion sends short texts about your plan and appointments, a few a week. "
    "Reply STOP to stop, HELP for help. Message and data rates may apply."
)


@dataclass
class Loaded:
    """What seed-demo did: the logins to print, and whether the demo was there already."""

    logins: list[tuple[str, str]]
    already: bool
    clients: int = 0


def load_demo(session: Session, password: str, now: datetime, settings: TickSettings) -> Loaded:
    """Create the demo staff and clients with their weeks of history; commits.

    Already loaded (the first demo client's number is taken): only the passwords are set
    again, nothing is added or duplicated.
    """
    staff = _staff(session, password, now)
    logins = [(role, email) for role, email, *_ in STAFF]
    if session.scalar(select(Client.id).where(Client.phone == PEOPLE[0].phone)) is not None:
        session.commit()
        return Loaded(logins, already=True)
    transport = RecordingTransport()
    for index, person in enumerate(PEOPLE):
        rng = random.Random(SEED * 1000 + index)
        _enrol(session, person, staff, now, settings, rng, transport)
    _catch_up_ladder(session, now, settings, transport)
    # Alert emails of the invented past (with mail set up): never sent weeks late.
    session.execute(
        update(AlertEmail)
        .where(AlertEmail.status == EmailStatus.PENDING, AlertEmail.send_after < now)
        .values(status=EmailStatus.CANCELLED, error="demo history")
    )
    for person in PEOPLE:
        client = session.scalars(select(Client).where(Client.phone == person.phone)).one()
        # The worker plans from here on, as for any client.
        client.planned_until = now
        _upcoming(session, client, person, staff["provider"], now)
    session.commit()
    return Loaded(logins, already=False, clients=len(PEOPLE))


# The bare demo: the three clients the browser tests enrol from scratch (no plan, no history).
BARE = PEOPLE[:3]


def load_bare_demo(session: Session, password: str, now: datetime) -> list[tuple[str, str]]:
    """The demo staff and three clients with nothing but a welcome text; commits.

    For walk-throughs that start where a provider does (the browser tests write the
    first plan). Safe to run again: nothing is added twice.
    """
    staff = _staff(session, password, now)
    for person in BARE:
        client = session.scalars(select(Client).where(Client.phone == person.phone)).first()
        if client is None:
            values = {
                "display_name": person.name,
                "phone": person.phone,
                "language": person.language,
                "timezone": person.timezone,
                "risk_level": person.level,
                "provider_id": staff["provider"].id,
                "officer_id": staff["officer"].id,
                "examiner_id": staff["examiner"].id if person is PEOPLE[0] else None,
            }
            clients.add_client(session, values, True, staff["provider"], now, DISCLOSURE)
    session.commit()
    return [(role, email) for role, email, *_ in STAFF]


def _staff(session: Session, password: str, now: datetime) -> dict[str, StaffUser]:
    """The demo staff (created once); their password set to ``password``."""
    staff: dict[str, StaffUser] = {}
    hashed: str | None = None
    for role, email, name, phone, public_phone in STAFF:
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).first()
        if user is None:
            user = StaffUser(
                email=email,
                name=name,
                role=Role(role),
                phone=phone,
                public_phone=public_phone,
                created_at=now - timedelta(weeks=10),
            )
            session.add(user)
        if hashed is None:
            user.set_password(password)
            hashed = user.password_hash
        else:
            user.password_hash = hashed  # one password for all: hashed once (seconds each)
        staff.setdefault(role, user)
        staff[email] = user
    session.flush()
    staff["officer"].backup_officer_id = staff["backup.officer@demo.invalid"].id
    return staff


def _enrol(
    session: Session,
    person: Person,
    staff: dict[str, StaffUser],
    now: datetime,
    settings: TickSettings,
    rng: random.Random,
    transport: RecordingTransport,
) -> None:
    """One client: enrolled ``person.weeks`` ago at a morning session, then their weeks."""
    zone = ZoneInfo(person.timezone)
    first_day = agenda.local_date(now, zone) - timedelta(weeks=person.weeks)
    enrolled = agenda.local_instant(first_day, time(9, 30), zone)
    provider = staff["provider"]
    values = {
        "display_name": person.name,
        "phone": person.phone,
        "language": person.language,
        "timezone": person.timezone,
        "risk_level": person.level,
        "provider_id": provider.id,
        "officer_id": staff["officer"].id,
        "examiner_id": staff["examiner"].id if person.examined else None,
        "checkin_topics": list(person.topics),
        "checkin_times": list(person.times),
        "roi_officer_contact": True,
    }
    client = clients.create_client(session, values, True, provider, enrolled, DISCLOSURE)
    plans.save_plan(
        session, client, person.plan, first_day + timedelta(weeks=12), "0", provider,
        enrolled + timedelta(minutes=20),
    )  # fmt: skip
    ctx = texts.Context(session, client, person, staff, settings, rng, now, transport)
    welcome = session.scalars(
        select(Message).where(Message.dedupe_key == f"welcome:{client.id}")
    ).one()
    # What most clients sign under the containment model (DOMAIN.md): attendance and
    # adherence, plus the channel release the form's box records.
    for category in release.CONTAINMENT_RELEASE:
        session.add(
            Release(client_id=client.id, category=category.value, granted=True,
                    signed_on=first_day, expires_on=None, recorded_by_id=provider.id,
                    recorded_at=enrolled, note="")
        )  # fmt: skip
    told = session.scalars(
        select(Message).where(Message.dedupe_key == f"who_sees:{client.id}")
    ).one_or_none()
    session.delete(welcome)  # queued by create_client; stored here as the phone got it
    if told is not None:
        session.delete(told)
    session.flush()
    texts.sent(ctx, "welcome", enrolled + timedelta(minutes=1), dedupe_key=f"welcome:{client.id}")
    reach = release.client_reach(release.grants(session, client), first_day)
    texts.sent(
        ctx, release.WHO_SEES_KIND[reach], enrolled + timedelta(minutes=2),
        dedupe_key=f"who_sees:{client.id}",
    )  # fmt: skip
    history.live(ctx, enrolled)
    _past_appointments(ctx, enrolled)
    session.commit()


def _past_appointments(ctx: texts.Context, enrolled: datetime) -> None:
    """A weekly session since enrolment, kept; the stories' missed session or exam."""
    session, client, person, now = ctx.session, ctx.client, ctx.person, ctx.now
    zone = ctx.zone
    provider, officer = ctx.staff["provider"], ctx.staff["officer"]
    day = agenda.local_date(enrolled, zone) + timedelta(days=7)
    kind = AppointmentKind.TREATMENT_GROUP if ctx.rng.random() < 0.5 else AppointmentKind.INDIVIDUAL
    while (starts := agenda.local_instant(day, time(17), zone)) < now - timedelta(days=1):
        _past(session, client, kind, starts, OFFICE, AppointmentStatus.KEPT, provider)
        day += timedelta(days=7)
    story = [
        ("missed_polygraph", AppointmentKind.POLYGRAPH, 5, officer, None),
        ("missed_session_acknowledged", AppointmentKind.INDIVIDUAL, 12, provider, officer),
    ]
    for name, missed_kind, days_ago, recorder, acknowledger in story:
        if name not in person.story:
            continue
        starts = agenda.local_instant(
            agenda.local_date(now, zone) - timedelta(days=days_ago), time(10), zone
        )
        appointment = _past(
            session, client, missed_kind, starts, EXAM_ROOM, AppointmentStatus.SCHEDULED, None
        )
        recorded_at = starts + timedelta(hours=3)
        appointments.record_outcome(
            session, client, appointment, AppointmentStatus.MISSED, recorder, recorded_at,
            ctx.settings.escalation, what=missed_kind.value.replace("_", " ").capitalize(),
            when=starts.astimezone(zone).strftime("%a %b %d, %I:%M %p"),
        )  # fmt: skip
        texts.deliver_alerts(ctx, recorded_at)
        if acknowledger is not None:
            escalation = session.scalars(
                select(Escalation).where(
                    Escalation.appointment_id == appointment.id,
                    Escalation.status == EscalationStatus.OPEN,
                )
            ).first()
            if escalation is not None:
                escalations.acknowledge(
                    session, escalation, acknowledger, Outcome.CONTACTED,
                    "Reached him: he had the day wrong. Rescheduled for next week.",
                    recorded_at + timedelta(hours=2), "web",
                )  # fmt: skip


def _past(
    session: Session,
    client: Client,
    kind: AppointmentKind,
    starts: datetime,
    location: str,
    status: AppointmentStatus,
    recorder: StaffUser | None,
) -> Appointment:
    """A past appointment as staff left it (kept, with who recorded it and when)."""
    appointment = Appointment(
        client_id=client.id,
        kind=kind,
        starts_at=starts,
        location=location,
        status=status,
        revision=1,
        created_by_id=client.provider_id,
        created_at=starts - timedelta(days=7),
        updated_at=starts,
    )
    if recorder is not None:
        appointment.outcome = status
        appointment.outcome_by_id = recorder.id
        appointment.outcome_at = starts + timedelta(hours=2)
        appointment.updated_at = appointment.outcome_at
    session.add(appointment)
    session.flush()
    return appointment


def _catch_up_ladder(
    session: Session, now: datetime, settings: TickSettings, transport: RecordingTransport
) -> None:
    """Climb the open escalations nobody acknowledged, rung by rung at their moment, as the
    worker would have: the ladder timelines run up to now."""
    for _ in range(20):  # three rungs a reason at most; a bound, not a loop forever
        due = session.scalar(
            select(Escalation.climbs_at)
            .where(Escalation.status == EscalationStatus.OPEN, Escalation.climbs_at <= now)
            .order_by(Escalation.climbs_at)
            .limit(1)
        )
        if due is None:
            return
        escalations.climb_due(session, due, settings.escalation)
        ids = escalations.queued_alerts(session)
        if ids:
            from companion.services.tick import send_now

            send_now(session, ids, due, settings.dispatch, transport)
        session.commit()


def _upcoming(
    session: Session, client: Client, person: Person, provider: StaffUser, now: datetime
) -> None:
    """The appointments to come, added as staff add them (their notices planned)."""
    zone = ZoneInfo(person.timezone)
    today = agenda.local_date(now, zone)
    for kind, days, hour, location in person.appointments:
        starts = agenda.local_instant(today + timedelta(days=days), time(hour), zone)
        appointments.add_appointment(session, client, kind, starts, location, provider, now)
