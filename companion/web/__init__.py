"""The web layer: staff pages, Twilio webhooks and the health check."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, render_template, session

from companion.care.roles import NotAllowed
from companion.extensions import db, login_manager
from companion.models import StaffUser
from companion.services import staff_sessions
from companion.web import clock
from companion.web.access import Action, may, refuse_undeclared
from companion.web.language import L_


def register_web(app: Flask) -> None:
    """Attach every blueprint, the sign-in loader and the error pages."""
    from companion.care.phones import display_phone
    from companion.web import headers, health, language, twilio_hooks
    from companion.web.admin import understanding as understanding_admin
    from companion.web.admin import views as staff_admin
    from companion.web.alerts import views as escalations
    from companion.web.appointments import views as appointments
    from companion.web.auth import views as auth
    from companion.web.clients import views as clients
    from companion.web.home import views as home
    from companion.web.imports import views as imports
    from companion.web.languages import views as text_languages
    from companion.web.onboarding import views as onboarding
    from companion.web.oncall import views as oncall
    from companion.web.plans import views as plans
    from companion.web.previews import views as previews
    from companion.web.release import views as release
    from companion.web.schedule import views as schedule
    from companion.web.shared import clienttime, date_words, localtime
    from companion.web.simulator import views as simulator
    from companion.web.tasks import views as tasks
    from companion.web.team import blueprint as team_blueprint

    app.register_blueprint(auth.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(onboarding.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(schedule.bp)
    app.register_blueprint(appointments.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(oncall.bp)
    app.register_blueprint(escalations.bp)
    app.register_blueprint(team_blueprint())
    app.register_blueprint(staff_admin.bp)
    app.register_blueprint(understanding_admin.bp)

    app.register_blueprint(text_languages.bp)
    app.register_blueprint(previews.bp)
    app.register_blueprint(simulator.bp)
    app.register_blueprint(twilio_hooks.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(release.bp)
    language.install(app)
    headers.install(app)
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(clienttime, "clienttime")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(date_words, "date_words")

    @login_manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        # "<id>.<stamp>" (StaffUser.get_id): a session from before the password last
        # changed (here or on another device, or reset by an admin) no longer signs anyone in.
        number, _dot, stamp = user_id.partition(".")
        try:
            user = db.session.get(StaffUser, int(number))
        except ValueError:
            return None
        if user is None or stamp != user.session_stamp or not user.is_active:
            return None
        # The server-side session: ended at sign-out, a new password, a reset or a
        # deactivation, and after the idle and absolute limits (SESSION_*_MINUTES).
        if not staff_sessions.check(
            db.session, session.get(SESSION_TOKEN_KEY), user, clock.now(), _session_limits()
        ):
            return None
        return user

    # The role policy (care/roles.py): each view declares its action (``@requires``) or
    # ``@public``; one that declares nothing is refused before it runs.
    app.before_request(refuse_undeclared)
    app.register_error_handler(NotAllowed, _error_page(403, L_("Not allowed")))
    app.add_template_global(may, "may")
    app.add_template_global(Action, "Action")

    @app.context_processor
    def inject_globals() -> dict:
        return {"sms_transport": app.config["SMS_TRANSPORT"]}

    titles = (
        (403, L_("Not allowed")),
        (404, L_("Not found")),
        (400, L_("Bad request")),
        # A body over MAX_CONTENT_LENGTH, refused from its Content-Length before it is read.
        (413, L_("Too large")),
    )
    for code, title in titles:
        app.register_error_handler(code, _error_page(code, title))


# Where the cookie session keeps its server-side session's token (web/auth/views.py).
SESSION_TOKEN_KEY = "staff_session"  # noqa: S105 - a key name, not a secret


def _session_limits() -> staff_sessions.Limits:
    config = current_app.config
    return staff_sessions.Limits(
        idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        absolute=timedelta(minutes=int(config["SESSION_LIFETIME_MINUTES"])),
    )


def _error_page(code: int, title: object):  # type: ignore[no-untyped-def]
    def handler(error: Exception):  # type: ignore[no-untyped-def]
        return render_template("error.html", code=code, title=title), code

    return handler
