"""Team pages: a client's timeline, the monthly containment report, the audit log, and a
polygraph examiner's clients. One blueprint (``team``); its routes live in ``views.py``,
``report.py`` and ``audit.py``."""

from flask import Blueprint

bp = Blueprint("team", __name__)


def blueprint() -> Blueprint:
    """The blueprint with every team route on it (importing the modules adds them)."""
    from companion.web.team import audit, report, views  # noqa: F401

    return bp
