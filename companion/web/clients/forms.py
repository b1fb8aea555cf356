"""The client form (add, edit, and the first step of guided onboarding) and its labels."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from flask import current_app
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from companion.care.phones import to_e164
from companion.extensions import db
from companion.messaging.i18n import language_name, shipped_languages
from companion.models import ClientStatus, RiskLevel, Role
from companion.services import clients, pauses
from companion.web import clock
from companion.web.language import L_, StaffForm, _, ui_language

STATUS_CHOICES = {
    ClientStatus.ACTIVE: L_("Active"),
    ClientStatus.PAUSED: L_("Paused"),
    ClientStatus.DISCHARGED: L_("Discharged"),
}
PAUSE_REASON_LABELS = {
    "custody": L_("In custody"),
    "hospital": L_("In hospital"),
    "other": L_("Other"),
}


class ClientForm(StaffForm):
    display_name = StringField(
        L_("First name or alias"),
        validators=[DataRequired(message=L_("Enter a first name or alias.")), Length(max=60)],
        description=L_("Shown in texts. No surname: a text can be read by others."),
    )
    phone = StringField(
        L_("Mobile number"),
        validators=[
            DataRequired(message=L_("Enter the client's mobile number.")),
            Length(max=40),
        ],
        description=L_("For example (213) 555-0123."),
    )
    language = SelectField(L_("Language for texts"))
    timezone = StringField(L_("Time zone"), validators=[DataRequired(), Length(max=64)])
    send_window_start = TimeField(L_("Texts from"), default=time(8, 0))
    send_window_end = TimeField(L_("Texts until"), default=time(21, 0))
    risk_level = SelectField(L_("Risk level (Static-99R)"))  # choices: in __init__
    provider_id = SelectField(L_("Provider"), coerce=int)
    officer_id = SelectField(L_("Supervising officer"), coerce=int)
    consent = BooleanField(L_("The client agreed to receive texts (consent given in person)"))
    examiner_id = SelectField(
        L_("Polygraph examiner"),
        coerce=int,
        validate_choice=False,  # checked in validate_examiner_id, with a clearer message
        description=L_("Optional. The examiner sees this client's appointments and alerts."),
    )
    status = SelectField(
        L_("Status"),
        choices=[
            SelectChoice(s.value, STATUS_CHOICES.get(s, s.value.capitalize())) for s in ClientStatus
        ],
    )
    pause_reason = SelectField(
        L_("Why paused"),
        choices=[SelectChoice("", L_("— choose —"))]
        + [
            SelectChoice(key, PAUSE_REASON_LABELS.get(key, label))
            for key, label in pauses.PAUSE_REASONS.items()
        ],
        validate_choice=False,  # required only when paused: checked in validate()
    )
    paused_until = DateField(
        L_("Paused until"),
        validators=[Optional()],
        description=L_(
            "The client's local date. That day the client becomes active again and "
            "texts start again."
        ),
    )
    simple_words = BooleanField(
        L_("Simple words"),
        description=L_(
            'Shorter, plainer check-in questions ("Send a number: 0 = none, 10 = strong"). '
            "For clients who find the usual wording hard to read."
        ),
    )
    roi_officer_contact = BooleanField(
        L_(
            "The client's release of information lets the officer hear about changes in how "
            "they can be reached"
        )
    )

    def __init__(self, *args: object, client_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._client_id = client_id
        self._e164: str | None = None
        self.language.choices = [
            SelectChoice(lang, language_name(lang)) for lang in shipped_languages()
        ]
        self.risk_level.choices = [
            SelectChoice(r.value, _("Level %(level)s", level=r.value)) for r in RiskLevel
        ]
        providers = clients.staff_by_role(db.session, Role.PROVIDER)
        officers = clients.staff_by_role(db.session, Role.OFFICER)
        self.provider_id.choices = [SelectChoice(p.id, p.name) for p in providers]
        self.officer_id.choices = [SelectChoice(0, _("— none —"))] + [
            SelectChoice(o.id, o.name) for o in officers
        ]
        examiners = clients.staff_by_role(db.session, Role.EXAMINER)
        self.examiner_id.choices = [SelectChoice(0, _("— none —"))] + [
            SelectChoice(e.id, e.name) for e in examiners
        ]

    def validate_phone(self, field: StringField) -> None:
        e164 = to_e164(field.data or "", current_app.config["DEFAULT_REGION"])
        if e164 is None:
            raise ValidationError(
                _(
                    "That is not a phone number we can text. Enter a mobile number "
                    "such as (213) 555-0123, or +52 for a number outside the US."
                )
            )
        if clients.phone_taken(db.session, e164, self._client_id):
            raise ValidationError(_("Another client already has this number."))
        self._e164 = e164

    def validate_timezone(self, field: StringField) -> None:
        try:
            ZoneInfo((field.data or "").strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                _("Choose a time zone from the list, such as America/Los_Angeles.")
            ) from None

    def validate_send_window_end(self, field: TimeField) -> None:
        if self.send_window_start.data and field.data and field.data <= self.send_window_start.data:
            raise ValidationError(_("The end of the texting window must be after its start."))

    def validate_examiner_id(self, field: SelectField) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_("Choose a polygraph examiner from the list, or none."))

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        if self.status.data == ClientStatus.PAUSED.value:
            self._check_pause()
        return ok and not any(f.errors for f in self)

    def _check_pause(self) -> None:
        """A pause needs a reason and an end date after today (the client's today)."""
        if self.pause_reason.data not in pauses.PAUSE_REASONS:
            self.pause_reason.errors.append(
                _("Choose why the client is paused: in custody, in hospital or other.")
            )
        until = self.paused_until
        if until.errors:
            return
        if until.data is None:
            until.errors.append(
                _("Enter the date the pause ends: texts and alerts start again that day.")
            )
            return
        today = self._client_today()
        if until.data <= today:
            until.errors.append(
                _(
                    "The pause must end after today (%(today)s where the client lives). "
                    "To end it now, set the status to Active.",
                    today=format_date(today, "full", locale=ui_language()),
                )
            )

    def _client_today(self) -> date:
        try:
            zone = ZoneInfo((self.timezone.data or "").strip())
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("America/Los_Angeles")  # the time zone field shows its own error
        return clock.now().astimezone(zone).date()

    @property
    def e164(self) -> str:
        assert self._e164 is not None
        return self._e164


def client_values(form: ClientForm) -> dict[str, Any]:
    """The client's fields as the form gives them (checked), in the order they are audited."""
    paused = form.status.data == ClientStatus.PAUSED.value
    return {
        "display_name": form.display_name.data.strip(),
        "phone": form.e164,
        "language": form.language.data,
        "timezone": form.timezone.data.strip(),
        "send_window_start": form.send_window_start.data,
        "send_window_end": form.send_window_end.data,
        "risk_level": RiskLevel(form.risk_level.data),
        "provider_id": form.provider_id.data,
        "officer_id": form.officer_id.data or None,
        "examiner_id": form.examiner_id.data or None,
        "status": ClientStatus(form.status.data),
        # A pause's reason and end date mean something only while paused.
        "pause_reason": form.pause_reason.data if paused else None,
        "paused_until": form.paused_until.data if paused else None,
        "roi_officer_contact": bool(form.roi_officer_contact.data),
        "simple_words": bool(form.simple_words.data),
    }
