"""The staff pages in English or Spanish: Flask-Babel, ``web`` domain.

This module is the web's one i18n entry point; client texts have theirs,
``companion.messaging.i18n`` (the ``messages`` domain, in every shipped
language, chosen by the client's language). The pages staff read are the
``web`` domain, ``companion/translations/<lang>/LC_MESSAGES/web.po``, offered
in the languages listed in ``UI_LANGUAGES``; each staff member picks one with
the switch in the page header, kept in their session.

Flask-Babel does the work: its locale selector is ``ui_language``, its domain
is ``WEB`` (which compiles the ``.po`` in memory through
``messaging.i18n.translations_for``, so no ``.mo`` is built or shipped), it
gives templates ``_``, ``ngettext`` and ``{% trans %}``, and Flask-WTF takes
WTForms' own messages ("This field is required.") in the same language from it.

In Python, wrap page strings in ``_()`` (at request time) or ``L_()`` (at
import time: form labels, choices, module-level tables); in templates, use
``{{ _("...") }}`` or ``{% trans %}``. ``make translations-update`` extracts
them into ``companion/translations/web.pot``. ``W_`` marks labels the domain
defines (``companion/care/labels.py``); the pages translate them with ``_``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import flask_babel
from babel import support
from flask import Blueprint, Flask, has_request_context, redirect, request, session, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from companion.care.labels import W_
from companion.messaging.i18n import (
    SOURCE_LANGUAGE,
    TRANSLATIONS_DIR,
    language_name,
    translations_for,
)
from companion.web.access import public

__all__ = ["L_", "W_", "StaffForm", "_", "install", "ngettext", "ui_language"]

UI_LANGUAGES = ("en", "es")
SESSION_KEY = "ui_language"
DOMAIN = "web"

bp = Blueprint("language", __name__)


def ui_language() -> str:
    """The language the current staff member reads the pages in (Flask-Babel's locale)."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in UI_LANGUAGES else SOURCE_LANGUAGE


class WebDomain(flask_babel.Domain):
    """The ``web`` domain, read straight from its ``.po`` files.

    Flask-Babel's own domain loads compiled ``.mo`` files and caches per
    locale in ``g``; this one asks ``ui_language`` on every lookup (the session
    can change between two requests sharing ``g``, as in the tests) and takes
    the catalog ``messaging.i18n`` compiles in memory, once per process.
    """

    def __init__(self) -> None:
        super().__init__(translation_directories=[str(TRANSLATIONS_DIR)], domain=DOMAIN)

    def get_translations(self) -> support.NullTranslations:
        found = translations_for(ui_language(), DOMAIN)
        # English (the source) is identity; Flask-Babel wants Babel's NullTranslations.
        return found if isinstance(found, support.NullTranslations) else support.NullTranslations()


WEB = WebDomain()


class _Babel(flask_babel.Babel):
    """Flask-Babel with the ``web`` domain as the app's domain (templates, ``gettext``)."""

    @property
    def domain_instance(self) -> flask_babel.Domain:  # type: ignore[override]
        return WEB


def _(message: str, **values: Any) -> str:
    """``message`` in the staff member's language, with ``%(name)s`` values filled in."""
    return WEB.gettext(message, **values)


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for ``n``, in the staff member's language."""
    return WEB.ngettext(singular, plural, n, **values)


def L_(message: str) -> support.LazyProxy:  # noqa: N802 - a gettext-style marker
    """``message``, translated when it is shown (for strings defined at import time).

    Babel's LazyProxy, not Flask-Babel's LazyString: that one has ``__html__``, so Jinja
    would take every translation as safe HTML and skip escaping it.
    """
    return support.LazyProxy(WEB.gettext, message, enable_cache=False)


# C0 and C1 control characters and DEL: never typed by a person, and NUL cannot be stored
# in PostgreSQL text at all. A textarea keeps its tab and line breaks.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_TEXTAREA = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class StaffForm(FlaskForm):
    """A staff page's form: Flask-WTF gives WTForms' own messages ("This field is
    required.") in the page's language, from Flask-Babel's locale.

    Every field of every staff form is first checked for control characters (a NUL
    pasted into a client's name or an appointment's place): such a form is refused
    before any other check or query sees the value, with a message on each field
    that had them; the field shows what was typed, without them.
    """

    def validate(self, extra_validators: Any = None) -> bool:
        if self._refuse_control_characters():
            return False
        return bool(super().validate(extra_validators))

    def _refuse_control_characters(self) -> bool:
        """True when a field held control characters (each then carries the message)."""
        tainted = []
        for field in self:
            pattern = CONTROL_IN_TEXTAREA if isinstance(field, TextAreaField) else CONTROL
            raw = [v for v in (field.raw_data or []) if isinstance(v, str)]
            if any(pattern.search(v) for v in raw):
                tainted.append(field)
                field.raw_data = [
                    pattern.sub("", v) if isinstance(v, str) else v for v in field.raw_data
                ]
                if isinstance(field.data, str):
                    field.data = pattern.sub("", field.data)
        if not tainted:
            return False
        for field in self:  # as WTForms' own validate leaves them: lists, for later checks
            field.errors = list(field.process_errors)
        for field in tainted:
            field.errors.append(
                _(
                    "This field had invisible control characters (such as a NUL), which "
                    "cannot be saved. They have been removed: check the text and save again."
                )
            )
        return True


def install(app: Flask) -> None:
    """Flask-Babel (``_``, ``ngettext`` and ``{% trans %}`` in templates) and the switch."""
    _Babel(
        app,
        default_locale=SOURCE_LANGUAGE,
        default_domain=DOMAIN,
        default_translation_directories=str(TRANSLATIONS_DIR),
        locale_selector=ui_language,
    )
    app.register_blueprint(bp)
    app.add_template_filter(language_name, "language_name")

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel keeps the locale in ``g``: read it again for every request
        # (WTForms' messages follow it), so a switch shows on the very next page.
        flask_babel.refresh()

    @app.context_processor
    def language_globals() -> dict[str, Any]:
        return {
            "ui_language": ui_language(),
            "ui_languages": [(code, language_name(code)) for code in UI_LANGUAGES],
        }


@bp.post("/language")
@public
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
