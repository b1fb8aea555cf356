"""Staff sign-in and sign-out."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from companion import audit
from companion.extensions import db
from companion.models import StaffUser
from companion.web.language import L_, StaffForm, _

bp = Blueprint("auth", __name__)


class LoginForm(StaffForm):
    # No format check here: it only has to match a stored address.
    email = EmailField(L_("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(L_("Password"), validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: never bounce a signed-in user to another site.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("clients.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalars(
            select(StaffUser).where(func.lower(StaffUser.email) == email)
        ).first()
        now = datetime.now(UTC)
        if user is not None and user.is_active and user.check_password(form.password.data or ""):
            session.permanent = True
            login_user(user)
            user.last_login_at = now
            audit.record(db.session, "staff.signed_in", now=now, actor=user, subject=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("clients.index"))
        audit.record(db.session, "staff.sign_in_failed", now=now, details={})
        db.session.commit()
        flash(_("That email and password do not match an active account."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home() -> Response:
    return redirect(url_for("clients.index"))
