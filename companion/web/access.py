"""Who may see which client: the caseload rule, in one place."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, or_, select

from companion.extensions import db
from companion.models import Client, Role, StaffUser


def caseload_query(user: StaffUser) -> Select[tuple[Client]]:
    """Clients ``user`` may see: admins all, providers theirs, officers their supervisees."""
    query = select(Client)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.PROVIDER:
        return query.where(Client.provider_id == user.id)
    if user.role == Role.OFFICER:
        return query.where(
            or_(
                Client.officer_id == user.id,
                Client.officer.has(StaffUser.backup_officer_id == user.id),
            )
        )
    return query.where(Client.id.is_(None))


def client_or_403(client_id: int) -> Client:
    """The client, if in the signed-in user's caseload; 404 if none, 403 if not theirs."""
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    allowed = db.session.scalar(
        caseload_query(current_user).where(Client.id == client_id).with_only_columns(Client.id)
    )
    if allowed is None:
        abort(403)
    return client
