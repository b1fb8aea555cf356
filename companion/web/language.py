"""The staff pages in English or Spanish: the ``web`` gettext domain.

Client texts have their own catalogs (``messages``, in every shipped
language, chosen by the client's language). The pages staff read are a
separate domain, ``companion/translations/<lang>/LC_MESSAGES/web.po``, offered in the
languages listed in ``UI_LANGUAGES``; each staff member picks one with the
switch in the page header, kept in their session.

In Python, wrap page strings in ``_()`` (at request time) or ``L_()`` (at
import time: form labels, choices, module-level tables); in templates, use
``{{ _("...") }}`` or ``{% trans %}``. ``make translations-update`` extracts
them into ``companion/translations/web.pot``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from babel.support import LazyProxy
from flask import Blueprint, Flask, has_request_context, redirect, request, session, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.i18n import get_translations as wtforms_translations

from companion.messaging.i18n import SOURCE_LANGUAGE, language_name, translations_for

UI_LANGUAGES = ("en", "es")
SESSION_KEY = "ui_language"

bp = Blueprint("language", __name__)


def ui_language() -> str:
    """The language the current staff member reads the pages in."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in UI_LANGUAGES else SOURCE_LANGUAGE


def _(message: str, **values: Any) -> str:
    """``message`` in the staff member's language, with ``%(name)s`` values filled in."""
    text = translations_for(ui_language(), "web").gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n``, in the staff member's language."""
    text = translations_for(ui_language(), "web").ngettext(singular, plural, n)
    return text % {"num": n, **values}


def L_(message: str) -> LazyProxy:  # noqa: N802 - a gettext-style marker
    """``message``, translated when it is shown (for strings defined at import time)."""
    return LazyProxy(_, message, enable_cache=False)


class StaffForm(FlaskForm):
    """A staff page's form: WTForms' own messages ("This field is required.") follow the page."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            language = ui_language()
            if language == SOURCE_LANGUAGE:
                return None  # WTForms' English
            return wtforms_translations([language])


def install(app: Flask) -> None:
    """Give templates ``_``, ``ngettext`` and ``{% trans %}``, and the language switch."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Jinja's newstyle gettext fills in the values itself (escaping them), so the
    # templates get the bare catalog lookups.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations_for(ui_language(), "web").gettext(message),
        lambda singular, plural, n: translations_for(ui_language(), "web").ngettext(
            singular, plural, n
        ),
        newstyle=True,
    )
    app.register_blueprint(bp)
    app.add_template_filter(language_name, "language_name")

    @app.context_processor
    def language_globals() -> dict[str, Any]:
        return {
            "ui_language": ui_language(),
            "ui_languages": [(code, language_name(code)) for code in UI_LANGUAGES],
        }


@bp.post("/language")
def choose() -> Response:
    """Switch the pages' language, then go back to the page the switch was on."""
    chosen = request.form.get("language", "")
    if chosen in UI_LANGUAGES:
        session[SESSION_KEY] = chosen
    back = request.form.get("next", "")
    # Only a path on this site: never an open redirect.
    parts = urlsplit(back)
    if not back.startswith("/") or back.startswith("//") or parts.scheme or parts.netloc:
        back = url_for("auth.home")
    return redirect(back)
