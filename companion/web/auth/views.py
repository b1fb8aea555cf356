"""Staff sign-in and sign-out, password changes, and what protects them.

- **Rate limit** (``SIGN_IN_RATE_LIMIT``, throttle.py): failed sign-ins from one client
  address, whatever the email, counted in Redis in production so that every gunicorn
  worker sees the same count; past it the page answers 429 and says when to try again.
  Successful sign-ins do not count, so a shared office address is not held up by its
  own staff. Redis down: each worker counts on its own meanwhile, and says so in the log.
- **Growing delays per email and address** (services/accounts.py): after
  ``SIGN_IN_MAX_FAILURES`` free tries, the address that fails on an email waits 1, 2,
  4... minutes (at most ``SIGN_IN_LOCK_MINUTES``) before its next try on that email; the
  page answers 429 and says when. Nobody else waits: the owner or a colleague at another
  address signs in at once, so wrong passwords cannot lock anyone out. A success from the
  address forgets its failures; an administrator's unlock (``/admin/staff``) forgets them
  all. An email that is no one's gets exactly the same answers, so the page never tells
  whether an email belongs to someone. The client address is ``request.remote_addr``,
  the proxy's ``X-Forwarded-For`` only when ``PROXY_COUNT`` says to trust it.
- **Temporary passwords**: an account an administrator created or reset must choose
  its own password before any other page opens.
- **Sessions** live on the server (services/staff_sessions.py): the cookie holds a random
  token, checked on every request (``load_user``). Signing out ends it, a new password
  ends every other session of that person, an administrator's reset or a deactivation
  ends all of them; ``SESSION_IDLE_MINUTES`` without a request or
  ``SESSION_LIFETIME_MINUTES`` after sign-in end it too. A copied cookie therefore
  opens nothing once its session is over. A small cookie remembers that this browser
  was signed in, so an expired session leads to the sign-in page with a message
  rather than silently.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from companion.extensions import db, login_manager
from companion.models import Role, StaffUser
from companion.services import accounts, staff_sessions
from companion.web import SESSION_TOKEN_KEY, clock
from companion.web.access import Action, public, requires
from companion.web.auth.forms import ChangePasswordForm, LoginForm
from companion.web.auth.throttle import init_throttle, throttle_of
from companion.web.language import _, ngettext
from companion.web.shared import safe_next

bp = Blueprint("auth", __name__)

# Set at sign-in, removed at sign-out: a request that carries it without a session
# comes from a browser whose session expired. It holds nothing but "1".
SIGNED_IN_COOKIE = "companion_signed_in"
SIGNED_IN_COOKIE_DAYS = 7
# Pages a staff member with a temporary password may still open.
WHILE_CHANGING_PASSWORD = frozenset(
    {"auth.change_password", "auth.logout", "auth.login", "language.choose"}
)
_dummy_hash: str | None = None


@bp.record_once
def _bind_throttle(state) -> None:  # type: ignore[no-untyped-def]
    init_throttle(state.app)


# -- failed sign-ins ----------------------------------------------------------------------


def _delays() -> accounts.SignInDelays:
    config = current_app.config
    return accounts.SignInDelays(
        free_tries=int(config["SIGN_IN_MAX_FAILURES"]),
        max_minutes=int(config["SIGN_IN_LOCK_MINUTES"]),
        account_alarm=int(config["SIGN_IN_ACCOUNT_FAILURES"]),
    )


def _client_address() -> str:
    """The client's address (ProxyFix has put the proxy's X-Forwarded-For there if trusted)."""
    return request.remote_addr or "unknown"


def _wait_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins with this email address from here. Try again in "
        "%(num)d minute, or ask an administrator to clear the delay.",
        "Too many failed sign-ins with this email address from here. Try again in "
        "%(num)d minutes, or ask an administrator to clear the delay.",
        minutes,
    )


def _must_wait(form: LoginForm, until: datetime, now: datetime) -> Response:
    """This address tried this email too often: 429, and when to try again."""
    flash(_wait_message(until, now), "error")
    response = current_app.make_response((render_template("auth/login.html", form=form), 429))
    response.headers["Retry-After"] = str(max(1, math.ceil((until - now).total_seconds())))
    return response


def _spend_as_long_as_a_check(password: str) -> None:
    """Verify against a throwaway hash: an unknown email takes as long as a wrong password."""
    global _dummy_hash
    hasher = PasswordHasher()
    if _dummy_hash is None:
        _dummy_hash = hasher.hash(secrets.token_hex(16))
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_dummy_hash, password)


def _too_many_from_here(seconds: int) -> Response:
    """Past SIGN_IN_RATE_LIMIT: the sign-in page, 429, and when to try again."""
    flash(
        ngettext(
            "Too many failed sign-ins from this network. Try again in %(num)d minute.",
            "Too many failed sign-ins from this network. Try again in %(num)d minutes.",
            math.ceil(seconds / 60),
        ),
        "error",
    )
    response = current_app.make_response(
        (render_template("auth/login.html", form=LoginForm()), 429)
    )
    response.headers["Retry-After"] = str(seconds)
    return response


# -- pages --------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    address = _client_address()
    throttle = throttle_of()
    if request.method == "POST" and (seconds := throttle.wait_seconds(address)):
        return _too_many_from_here(seconds)
    form = LoginForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            throttle.failed(address)
        return render_template("auth/login.html", form=form)
    email = (form.email.data or "").strip().lower()
    password = form.password.data or ""
    user = accounts.staff_by_email(db.session, email)
    now = clock.now()
    if until := accounts.waiting_until(db.session, email, address, now):
        throttle.failed(address)
        accounts.refused_while_waiting(db.session, user, now)
        return _must_wait(form, until, now)
    if user is not None and user.check_password(password) and user.is_active:
        return _signed_in(user, address, now)
    if user is None:
        _spend_as_long_as_a_check(password)
    throttle.failed(address)
    if until := accounts.sign_in_failed(db.session, email, user, address, now, _delays()):
        return _must_wait(form, until, now)
    flash(_failed_message(), "error")
    return render_template("auth/login.html", form=form)


def _failed_message() -> str:
    return _("That email and password do not match an active account.")


def _signed_in(user: StaffUser, address: str, now: datetime) -> Response:
    # Permanent: the cookie and the server both expire it after PERMANENT_SESSION_LIFETIME.
    session.permanent = True
    # A new server-side session; whatever this browser held before is ended.
    staff_sessions.end(db.session, session.pop(SESSION_TOKEN_KEY, None), now)
    session[SESSION_TOKEN_KEY] = staff_sessions.start(db.session, user, now)
    login_user(user)
    accounts.signed_in(db.session, user, address, now)
    target = safe_next(request.args.get("next"))
    if user.must_change_password:  # the page itself says why
        response = redirect(url_for("auth.change_password", next=target))
    else:
        response = redirect(target or url_for("auth.home"))
    response.set_cookie(
        SIGNED_IN_COOKIE,
        "1",
        max_age=SIGNED_IN_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


@bp.post("/logout")
@requires(Action.MANAGE_OWN_ACCOUNT)
def logout() -> Response:
    _end_this_session()
    flash(_("You are signed out."), "info")
    response = redirect(url_for("auth.login"))
    response.delete_cookie(SIGNED_IN_COOKIE)
    return response


@bp.route("/password", methods=["GET", "POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
def change_password() -> Response | str:
    """Choose a new password (required after an administrator set a temporary one)."""
    user: StaffUser = current_user._get_current_object()  # type: ignore[attr-defined]
    form = ChangePasswordForm()
    if form.validate_on_submit():
        now = clock.now()
        if not user.check_password(form.current.data or ""):
            until = accounts.password_change_refused(
                db.session, user, _client_address(), now, _delays()
            )
            if until:
                _end_this_session()
                flash(_wait_message(until, now), "error")
                response = redirect(url_for("auth.login"))
                response.delete_cookie(SIGNED_IN_COOKIE)
                return response
            form.current.errors.append(_("That is not your current password."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("Choose a password different from the current one."))
        else:
            accounts.change_password(
                db.session, user, form.new.data or "", now, keep=session.get(SESSION_TOKEN_KEY)
            )
            # This session goes on with the new stamp; every other one now signs in again.
            login_user(user)
            flash(_("Your password was changed."), "info")
            return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
    return render_template(
        "auth/change_password.html", form=form, required=user.must_change_password
    )


def _end_this_session() -> None:
    """Sign out here and end the session on the server: its cookie opens nothing more."""
    staff_sessions.end(db.session, session.pop(SESSION_TOKEN_KEY, None), clock.now())
    logout_user()


@bp.get("/")
@public
def home() -> Response:
    """Each role's start page: today's work (examiners go on to their clients)."""
    if current_user.is_authenticated and current_user.role == Role.EXAMINER:
        return redirect(url_for("team.assigned"))
    return redirect(url_for("home.index"))


# -- every request: expired sessions, temporary passwords ---------------------------------


@bp.before_app_request
def _session_checks() -> Response | None:
    if request.endpoint in (None, "static", "health.healthz") or request.blueprint == "twilio":
        return None
    # The signed-in user is read from this request's session (see web/__init__.py).
    g.pop("_login_user", None)
    if not current_user.is_authenticated:
        signing_in = request.endpoint == "auth.login" and request.method == "POST"
        if request.cookies.get(SIGNED_IN_COOKIE) and not signing_in:
            g.session_ended = True
            flash(_("Your session expired. Please sign in again."), "info")
            if request.method == "GET" and request.endpoint != "auth.login":
                return redirect(url_for("auth.login", next=_next_here()))
        return None
    if current_user.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
        return redirect(url_for("auth.change_password", next=_next_here()))
    return None


@bp.after_app_request
def _forget_the_session(response: Response) -> Response:
    if g.get("session_ended"):
        response.delete_cookie(SIGNED_IN_COOKIE)
    return response


def _next_here() -> str | None:
    if request.method != "GET":
        return None
    return request.full_path if request.query_string else request.path


@login_manager.unauthorized_handler
def _sign_in_first() -> Response:
    """A page that needs a signed-in user: to the sign-in page, then back here."""
    if not g.get("session_ended"):
        flash(_("Please sign in to see that page."), "info")
    return redirect(url_for("auth.login", next=_next_here()))
