"""Staff sign-in and sign-out, password changes, and what protects them.

- **Rate limit** (Flask-Limiter, ``SIGN_IN_RATE_LIMIT``): failed sign-ins from one
  address; past it the page answers 429 and says when to try again. Successful
  sign-ins do not count, so a shared office address is not locked out by its own staff.
- **Lock** (``SIGN_IN_MAX_FAILURES`` in a row, ``SIGN_IN_LOCK_MINUTES``): the account
  refuses sign-in for a while; an administrator can unlock it (``/admin/staff``).
  An address that matches no account gets the same answers after the same number of
  tries (counted in the limiter's storage), so the page never tells whether an
  email belongs to someone.
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
import hashlib
import logging
import math
import secrets
import time
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
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user
from limits import RateLimitItemPerMinute
from werkzeug.wrappers import Response

from companion.extensions import db, limiter, login_manager
from companion.models import Role, StaffUser
from companion.services import accounts, staff_sessions
from companion.web import SESSION_TOKEN_KEY, clock
from companion.web.access import Action, public, requires
from companion.web.auth.forms import ChangePasswordForm, LoginForm
from companion.web.language import _, ngettext
from companion.web.shared import safe_next

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

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
def _bind_limiter(state) -> None:  # type: ignore[no-untyped-def]
    limiter.init_app(state.app)


# -- failed sign-ins ----------------------------------------------------------------------


def _lock_minutes() -> int:
    return int(current_app.config["SIGN_IN_LOCK_MINUTES"])


def _max_failures() -> int:
    return int(current_app.config["SIGN_IN_MAX_FAILURES"])


def _locked_message() -> str:
    return ngettext(
        "Too many failed sign-ins for this email address. Sign-in is paused for "
        "%(num)d minute: try again then, or ask an administrator to unlock the account.",
        "Too many failed sign-ins for this email address. Sign-in is paused for "
        "%(num)d minutes: try again then, or ask an administrator to unlock the account.",
        _lock_minutes(),
    )


def _lockout() -> accounts.Lockout:
    return accounts.Lockout(max_failures=_max_failures(), minutes=_lock_minutes())


def _unknown_email_counter(email: str) -> tuple[RateLimitItemPerMinute, str, str]:
    """The limiter's counter for failures on an address that is no account's."""
    item = RateLimitItemPerMinute(_max_failures(), _lock_minutes())
    digest = hashlib.sha256(email.encode()).hexdigest()
    return item, "companion-sign-in-unknown", digest


def _unknown_email_locked(email: str, *, fail: bool) -> bool:
    """As ``record_failure`` for an address with no account: locked (now or already)?

    If the limiter's storage (Redis) cannot be reached, nothing is counted: accounts
    still lock (that is in the database), and sign-in keeps working.
    """
    item, *keys = _unknown_email_counter(email)
    strategy = limiter.limiter
    try:
        if not strategy.test(item, *keys):
            return True
        if fail:
            strategy.hit(item, *keys)
            return not strategy.test(item, *keys)
    except Exception as exc:  # any storage failure: count nothing, and say so
        log.warning("rate-limit storage unavailable for sign-in counting: %s", type(exc).__name__)
    return False


def _spend_as_long_as_a_check(password: str) -> None:
    """Verify against a throwaway hash: an unknown email takes as long as a wrong password."""
    global _dummy_hash
    hasher = PasswordHasher()
    if _dummy_hash is None:
        _dummy_hash = hasher.hash(secrets.token_hex(16))
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(_dummy_hash, password)


def _too_many_from_here(limit: RequestLimit) -> Response:
    """Past SIGN_IN_RATE_LIMIT: the sign-in page, 429, and when to try again."""
    seconds = max(1, int(limit.reset_at - time.time()))  # reset_at is rounded up already
    minutes = math.ceil(seconds / 60)
    flash(
        ngettext(
            "Too many failed sign-ins from this network. Try again in %(num)d minute.",
            "Too many failed sign-ins from this network. Try again in %(num)d minutes.",
            minutes,
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
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"],
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,  # failures only
    on_breach=_too_many_from_here,
)
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        password = form.password.data or ""
        user = accounts.staff_by_email(db.session, email)
        now = clock.now()
        if user is None:
            locked = _unknown_email_locked(email, fail=False)
            if not locked:
                _spend_as_long_as_a_check(password)
                locked = _unknown_email_locked(email, fail=True)
            accounts.unknown_email_failed(db.session, now)
            flash(_locked_message() if locked else _failed_message(), "error")
            return render_template("auth/login.html", form=form)
        if user.is_locked(now):
            accounts.locked_out(db.session, user, now)
            flash(_locked_message(), "error")
            return render_template("auth/login.html", form=form)
        if user.check_password(password) and user.is_active:
            return _signed_in(user, now)
        locked = accounts.wrong_password(db.session, user, now, _lockout())
        flash(_locked_message() if locked else _failed_message(), "error")
    return render_template("auth/login.html", form=form)


def _failed_message() -> str:
    return _("That email and password do not match an active account.")


def _signed_in(user: StaffUser, now: datetime) -> Response:
    # Permanent: the cookie and the server both expire it after PERMANENT_SESSION_LIFETIME.
    session.permanent = True
    # A new server-side session; whatever this browser held before is ended.
    staff_sessions.end(db.session, session.pop(SESSION_TOKEN_KEY, None), now)
    session[SESSION_TOKEN_KEY] = staff_sessions.start(db.session, user, now)
    login_user(user)
    accounts.signed_in(db.session, user, now)
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
            locked = accounts.password_change_refused(db.session, user, now, _lockout())
            if locked:
                _end_this_session()
                flash(_locked_message(), "error")
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
