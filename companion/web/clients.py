"""Client list, create and edit: the caseload of the signed-in staff member."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, ValidationError

from companion import audit
from companion.extensions import db
from companion.messaging.i18n import language_name, shipped_languages
from companion.messaging.inbound import to_e164
from companion.messaging.outbox import cancel_pending, enqueue
from companion.models import (
    Client,
    ClientStatus,
    Consent,
    Direction,
    Message,
    RiskLevel,
    Role,
    StaffUser,
)
from companion.planning import replan
from companion.web import clock
from companion.web.access import caseload_query, client_or_403
from companion.web.care import client_overview

bp = Blueprint("clients", __name__, url_prefix="/clients")

COMMON_TIMEZONES = [
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Anchorage",
    "Pacific/Honolulu",
]


class ClientForm(FlaskForm):
    display_name = StringField(
        "First name or alias",
        validators=[DataRequired(message="Enter a first name or alias."), Length(max=60)],
        description="Shown in texts. No surname: a text can be read by others.",
    )
    phone = StringField(
        "Mobile number",
        validators=[DataRequired(message="Enter the client's mobile number."), Length(max=40)],
        description="For example (213) 555-0123.",
    )
    language = SelectField("Language for texts")
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=64)])
    send_window_start = TimeField("Texts from", default=time(8, 0))
    send_window_end = TimeField("Texts until", default=time(21, 0))
    risk_level = SelectField(
        "Risk level (Static-99R)",
        choices=[SelectChoice(r.value, f"Level {r.value}") for r in RiskLevel],
    )
    provider_id = SelectField("Provider", coerce=int)
    officer_id = SelectField("Supervising officer", coerce=int)
    consent = BooleanField("The client agreed to receive texts (consent given in person)")
    status = SelectField(
        "Status", choices=[SelectChoice(s.value, s.value.capitalize()) for s in ClientStatus]
    )

    def __init__(self, *args: object, client_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._client_id = client_id
        self._e164: str | None = None
        self.language.choices = [
            SelectChoice(lang, language_name(lang)) for lang in shipped_languages()
        ]
        providers = db.session.scalars(
            select(StaffUser).where(StaffUser.role == Role.PROVIDER).order_by(StaffUser.name)
        ).all()
        officers = db.session.scalars(
            select(StaffUser).where(StaffUser.role == Role.OFFICER).order_by(StaffUser.name)
        ).all()
        self.provider_id.choices = [SelectChoice(p.id, p.name) for p in providers]
        self.officer_id.choices = [SelectChoice(0, "— none —")] + [
            SelectChoice(o.id, o.name) for o in officers
        ]

    def validate_phone(self, field: StringField) -> None:
        e164 = to_e164(field.data or "", current_app.config["DEFAULT_REGION"])
        if e164 is None:
            raise ValidationError(
                "That is not a phone number we can text. Enter a mobile number "
                "such as (213) 555-0123, or +52 for a number outside the US."
            )
        taken = db.session.scalar(
            select(Client.id).where(Client.phone == e164, Client.id != (self._client_id or 0))
        )
        if taken is not None:
            raise ValidationError("Another client already has this number.")
        self._e164 = e164

    def validate_timezone(self, field: StringField) -> None:
        try:
            ZoneInfo((field.data or "").strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                "Choose a time zone from the list, such as America/Los_Angeles."
            ) from None

    def validate_send_window_end(self, field: TimeField) -> None:
        if self.send_window_start.data and field.data and field.data <= self.send_window_start.data:
            raise ValidationError("The end of the texting window must be after its start.")

    @property
    def e164(self) -> str:
        assert self._e164 is not None
        return self._e164


def _apply(form: ClientForm, client: Client, now: datetime) -> list[str]:
    """Copy the form onto the client; return the names of what changed."""
    changes = []
    values = {
        "display_name": form.display_name.data.strip(),
        "phone": form.e164,
        "language": form.language.data,
        "timezone": form.timezone.data.strip(),
        "send_window_start": form.send_window_start.data,
        "send_window_end": form.send_window_end.data,
        "risk_level": RiskLevel(form.risk_level.data),
        "provider_id": form.provider_id.data,
        "officer_id": form.officer_id.data or None,
        "status": ClientStatus(form.status.data),
    }
    for name, value in values.items():
        if getattr(client, name) != value:
            changes.append(name)
            setattr(client, name, value)
    wants_texts = bool(form.consent.data)
    if wants_texts and client.consent != Consent.OPTED_IN:
        client.consent, client.consent_changed_at = Consent.OPTED_IN, now
        changes.append("consent")
    elif not wants_texts and client.consent == Consent.OPTED_IN:
        client.consent, client.consent_changed_at = Consent.OPTED_OUT, now
        changes.append("consent")
    client.updated_at = now
    return changes


def _after_save(client: Client, changes: list[str], now: datetime) -> None:
    """Welcome a newly consenting client; withdraw texts when consent or status ends."""
    if client.can_be_texted:
        enqueue(
            db.session,
            kind="welcome",
            dedupe_key=f"welcome:{client.id}",
            client_id=client.id,
            now=now,
        )
    elif "consent" in changes or "status" in changes:
        cancel_pending(db.session, client_id=client.id, reason="texts stopped by staff", now=now)


# Edits that move when texts go out (issue 3: "a client's timezone change
# reschedules what is pending"); consent and status coming back restart planning.
RESCHEDULING = frozenset(
    {"timezone", "send_window_start", "send_window_end", "risk_level", "status", "consent"}
)


def _replan_if_moved(client: Client, changes: list[str], now: datetime) -> bool:
    """Re-plan pending texts after an edit that moves them; return whether it did."""
    if not client.can_be_texted or not RESCHEDULING.intersection(changes):
        return False
    replan(db.session, client, now, "client details changed")
    return True


@bp.get("/")
@login_required
def index() -> str:
    clients = db.session.scalars(caseload_query(current_user).order_by(Client.display_name)).all()
    return render_template("clients/index.html", clients=clients)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str:
    if current_user.role not in (Role.PROVIDER, Role.ADMIN):
        abort(403)
    form = ClientForm()
    if not form.is_submitted():
        form.timezone.data = "America/Los_Angeles"
        if current_user.role == Role.PROVIDER:
            form.provider_id.data = current_user.id
    if form.validate_on_submit():
        if current_user.role == Role.PROVIDER and form.provider_id.data != current_user.id:
            form.provider_id.errors = ["You can only add clients to your own caseload."]
        else:
            now = clock.now()
            client = Client(created_at=now, updated_at=now, consent=Consent.NOT_ASKED)
            changes = _apply(form, client, now)
            db.session.add(client)
            db.session.flush()
            audit.record(
                db.session,
                "client.created",
                now=now,
                actor=current_user,
                subject=client,
                details={"fields": changes},
            )
            _after_save(client, changes, now)
            db.session.commit()
            flash(f"{client.display_name} was added.", "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None, timezones=COMMON_TIMEZONES)


@bp.get("/<int:client_id>")
@login_required
def show(client_id: int) -> str:
    client = client_or_403(client_id)
    now = clock.now()
    audit.record(db.session, "client.viewed", now=now, actor=current_user, subject=client)
    db.session.commit()
    messages = db.session.scalars(
        select(Message)
        .where(Message.client_id == client.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "clients/show.html",
        client=client,
        messages=messages,
        Direction=Direction,
        care=client_overview(client, now),
    )


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@login_required
def edit(client_id: int) -> Response | str:
    client = client_or_403(client_id)
    if current_user.role not in (Role.PROVIDER, Role.ADMIN):
        abort(403)
    form = ClientForm(obj=client, client_id=client.id)
    if not form.is_submitted():
        form.consent.data = client.consent == Consent.OPTED_IN
        form.officer_id.data = client.officer_id or 0
        form.risk_level.data = client.risk_level.value
        form.status.data = client.status.value
    if form.validate_on_submit():
        if current_user.role == Role.PROVIDER and form.provider_id.data != current_user.id:
            form.provider_id.errors = ["Ask an administrator to move a client to another provider."]
        else:
            now = clock.now()
            changes = _apply(form, client, now)
            if changes:
                audit.record(
                    db.session,
                    "client.updated",
                    now=now,
                    actor=current_user,
                    subject=client,
                    details={"fields": changes},
                )
            _after_save(client, changes, now)
            rescheduled = _replan_if_moved(client, changes, now)
            db.session.commit()
            message = "Saved." if changes else "Nothing changed."
            if rescheduled:
                message += " Texts not yet sent were re-planned for the new settings."
            flash(message, "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template(
        "clients/form.html", form=form, client=client, timezones=COMMON_TIMEZONES
    )
