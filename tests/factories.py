"""factory_boy factories for the rows tests build: staff, clients, plans, check-ins,
appointments, messages.

Each one saves to the app's session (``db.session``) and commits, as the old
conftest closures did, with the same defaults: a staff member's password is
``PASSWORD``, a client is an English-speaking, opted-in, active client in Los
Angeles on risk level III, and every timestamp is ``MONDAY_9AM`` unless given.
Rows that belong to a client take ``client=`` (a ``Client``; a new one is made
when neither it nor ``client_id`` is given); a client takes ``provider=`` the
same way.

    StaffUserFactory(role=Role.OFFICER, phone="+12135550182")
    ClientFactory(provider=dana, language="es")
    CheckInFactory(client=ana, topic="urges", status=CheckInStatus.MISSED)

The fixtures in conftest.py (``staff``, ``provider``, ``make_client``) are thin
wrappers over these, so tests keep their signatures.
"""

from __future__ import annotations

from datetime import time, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    PlanVersion,
    Release,
    RiskLevel,
    Role,
    StaffUser,
)
from companion.models.message import Direction, Message, Status

from helpers import MONDAY_9AM, PASSWORD


class _Factory(SQLAlchemyModelFactory):
    """Saved to the current app's session and committed, one row at a time."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the session of the moment
        sqlalchemy_session_persistence = "commit"


class StaffUserFactory(_Factory):
    """A staff member: ``provider1@example.test``, "Provider 1"... with ``PASSWORD``."""

    class Meta:
        model = StaffUser

    role = Role.PROVIDER
    email = factory.LazyAttributeSequence(lambda o, n: f"{Role(o.role).value}{n}@example.test")
    name = factory.LazyAttributeSequence(lambda o, n: f"{Role(o.role).value.capitalize()} {n}")
    created_at = MONDAY_9AM
    password = PASSWORD  # hashed into password_hash before the row is saved

    @classmethod
    def _create(cls, model_class, *args, password=PASSWORD, role=Role.PROVIDER, **kwargs):  # type: ignore[no-untyped-def, override]
        user = model_class(*args, role=Role(role), **kwargs)
        user.set_password(password)
        session = cls._meta.sqlalchemy_session_factory()
        session.add(user)
        session.commit()
        return user


class ClientFactory(_Factory):
    """A client: "Ana" on +1 213 555 0120 onwards, English, opted in, risk level III."""

    class Meta:
        model = Client
        exclude = ("provider",)

    provider = None  # a StaffUser; without it or provider_id, a new provider is made
    provider_id = factory.LazyAttribute(
        lambda o: (
            o.provider
            or StaffUserFactory(name="Dana Provider", public_phone="+12135550100")
        ).id
    )
    display_name = "Ana"
    phone = factory.Sequence(lambda n: f"+1213555{n:04d}")
    language = "en"
    timezone = "America/Los_Angeles"
    send_window_start = time(8, 0)
    send_window_end = time(21, 0)
    risk_level = RiskLevel.III
    consent = Consent.OPTED_IN
    status = ClientStatus.ACTIVE
    created_at = MONDAY_9AM
    updated_at = MONDAY_9AM

    @factory.post_generation
    def releases(client, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """The release most clients sign under the containment model (DOMAIN.md): attendance
        and adherence, channel changes where ``roi_officer_contact``; ``releases=()`` for
        none, or the categories to grant, signed the day the client was made."""
        if not create:
            return
        if extracted is None:
            extracted = ("attendance", "adherence") + (
                ("channel",) if client.roi_officer_contact else ()
            )
        for category in extracted:
            db.session.add(
                Release(client_id=client.id, category=category, granted=True,
                        signed_on=client.created_at.date(), recorded_at=client.created_at,
                        note="")
            )  # fmt: skip
        db.session.commit()


class _ClientRow(_Factory):
    """A row that belongs to a client: ``client=`` or ``client_id=``."""

    class Meta:
        abstract = True
        exclude = ("client",)

    client = None  # a Client; without it or client_id, a new client is made
    client_id = factory.LazyAttribute(lambda o: (o.client or ClientFactory()).id)


class PlanVersionFactory(_ClientRow):
    """Version 1 of a client's plan, empty unless ``content`` is given."""

    class Meta:
        model = PlanVersion

    version = 1
    content = factory.LazyFunction(dict)
    created_at = MONDAY_9AM


class CheckInFactory(_ClientRow):
    """An open check-in due at ``MONDAY_9AM``, closing six hours later."""

    class Meta:
        model = CheckIn

    topic = "stress"
    due_at = MONDAY_9AM
    closes_at = factory.LazyAttribute(lambda o: o.due_at + timedelta(hours=6))
    status = CheckInStatus.OPEN
    created_at = factory.LazyAttribute(lambda o: o.due_at)


class AppointmentFactory(_ClientRow):
    """A scheduled individual session a week after ``MONDAY_9AM``."""

    class Meta:
        model = Appointment

    kind = AppointmentKind.INDIVIDUAL
    starts_at = MONDAY_9AM + timedelta(days=7)
    location = ""
    status = AppointmentStatus.SCHEDULED
    revision = 1
    created_at = MONDAY_9AM
    updated_at = factory.LazyAttribute(lambda o: o.created_at)


class MessageFactory(_ClientRow):
    """A text sent to the client at ``MONDAY_9AM`` (``kind`` and ``dedupe_key`` vary)."""

    class Meta:
        model = Message

    direction = Direction.OUTBOUND
    kind = "checkin_prompt"
    dedupe_key = factory.Sequence(lambda n: f"factory-{n}")
    status = Status.SENT
    params = factory.LazyFunction(dict)
    send_after = MONDAY_9AM
    sent_at = factory.LazyAttribute(lambda o: o.send_after)
    created_at = factory.LazyAttribute(lambda o: o.send_after)
    updated_at = factory.LazyAttribute(lambda o: o.send_after)
