"""``/admin/understanding``: how replies are read, per language (admin only, issue 14).

Each language's phrase review status with who reviewed it and when, and how many phrases
each risk category has. Words only, never a client's text.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from companion.services.language_review import language_reviews
from companion.web.access import Action, requires
from companion.web.language import L_

bp = Blueprint("understanding_admin", __name__, url_prefix="/admin/understanding")

# Column headings, in the reader's words (staff-facing: the categories may be named).
CATEGORY_LABELS = {
    "self_harm": L_("Self-harm"),
    "high_urge": L_("High urge"),
    "child_sexual_thoughts": L_("Sexual thoughts involving children"),
    "csam": L_("Child sexual abuse material"),
    "minor_access": L_("Access to minors"),
    "victim_contact": L_("Contact with a victim"),
    "threat": L_("Threat"),
    "weapon": L_("Weapons"),
    "substance": L_("Alcohol or drugs"),
    "housing_work": L_("Housing or work"),
    "leaving_area": L_("Leaving the area"),
}
STATUS_LABELS = {
    "drafted": L_("drafted, not reviewed"),
    "reviewed": L_("reviewed"),
    "in_review": L_("in review"),
}


@bp.get("/")
@requires(Action.VIEW_UNDERSTANDING)
def index() -> str:
    reviews, categories = language_reviews()
    return render_template(
        "admin/understanding.html",
        reviews=reviews,
        categories=categories,
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
    )
