"""Alert email over SMTP: the ``alert_emails`` table is sent like the SMS outbox.

Each pending row is sent once; a refused or unreachable server is retried
with doubling delays (``RETRY``, the policy the texts use too) and then the
row is marked failed with the reason (never the address or the body in the log).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.messaging.retry import RetryPolicy
from companion.models import AlertEmail, EmailStatus

log = logging.getLogger(__name__)

# Five attempts, a minute, two, four and eight apart.
RETRY = RetryPolicy(max_attempts=5, base=timedelta(minutes=1))


@dataclass(frozen=True)
class MailSettings:
    """Alert email over SMTP; built from the app's settings (``Settings.mail``)."""

    server: str
    port: int = 25
    use_tls: bool = False
    username: str = ""
    password: str = ""
    sender: str = "companion@localhost"
    timeout: float = 10.0


def send_due_emails(session: Session, now: datetime, settings: MailSettings | None) -> int:
    """Send every alert email that is due; return how many went."""
    if settings is None:
        return 0
    due = session.scalars(
        select(AlertEmail)
        .where(AlertEmail.status == EmailStatus.PENDING, AlertEmail.send_after <= now)
        .order_by(AlertEmail.send_after, AlertEmail.id)
        .limit(200)
    ).all()
    if not due:
        return 0
    sent = 0
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for row in due:
            _failed_attempt(row, now, f"mail server unreachable: {type(exc).__name__}")
        session.commit()
        log.warning("mail: server unreachable (%s); %d email(s) wait", type(exc).__name__, len(due))
        return 0
    with smtp:
        for row in due:
            message = EmailMessage()
            message["From"] = settings.sender
            message["To"] = row.to_address
            message["Subject"] = row.subject
            message.set_content(row.body)
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                row.status = EmailStatus.FAILED
                row.error = "the server refused the address"
                row.attempts += 1
            except (OSError, smtplib.SMTPException) as exc:
                _failed_attempt(row, now, type(exc).__name__)
            else:
                row.status = EmailStatus.SENT
                row.sent_at = now
                row.attempts += 1
                sent += 1
            session.commit()
    log.info("mail: %d alert email(s) sent", sent)
    return sent


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    if settings.use_tls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp


def _failed_attempt(row: AlertEmail, now: datetime, reason: str) -> None:
    row.attempts += 1
    if RETRY.gives_up(row.attempts):
        row.status = EmailStatus.FAILED
        row.error = f"gave up after {row.attempts} attempts: {reason}"[:200]
    else:
        row.send_after = now + RETRY.delay(row.attempts)
        row.error = reason[:200]
