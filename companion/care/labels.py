"""Staff-facing words defined in the domain, marked for the staff pages' catalog.

The domain stays free of Flask: ``W_`` only marks a label (a plan part's
name, a reason's label, why a level was raised) so ``make translations-update``
puts it in ``translations/web.pot``. The web layer translates it when it shows
it, with ``companion.web.language._``.
"""

from __future__ import annotations


def W_(label: str) -> str:  # noqa: N802 - a gettext-style marker
    """Mark ``label`` for the web catalog; returns it unchanged."""
    return label
