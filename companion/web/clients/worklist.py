"""The client list as a worklist: its query string read into ``Filters``, and the links
and labels the page needs, each made once per request (never once per row)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask import url_for
from werkzeug.datastructures import MultiDict

from companion.messaging.i18n import language_name
from companion.models import RiskLevel
from companion.services.worklist import Filters, Sort, Worklist
from companion.web.language import L_, _

MAX_SEARCH = 60  # a name is at most 60 characters

# Column headings that sort, in the order the table shows them (name first).
SORTS = (
    (Sort.NAME, L_("Name")),
    (Sort.NEXT_TEXT, L_("Next text")),
    (Sort.LAST_REPLY, L_("Last reply")),
    (Sort.ADHERENCE, L_("Answered (14 days)")),
    (Sort.ALERTS, L_("Open alerts")),
    (Sort.LANGUAGE, L_("Language")),
    (Sort.RISK, L_("Risk level")),
)


CLINICAL_SORTS = frozenset({Sort.LAST_REPLY, Sort.ADHERENCE})  # not for the reduced record


def read_filters(args: MultiDict[str, str], full: bool) -> Filters:
    """The query string as filters; anything unreadable (or, for the reduced record, an
    order by replies or adherence) falls back to the default."""
    try:
        risk = RiskLevel(args.get("risk", "")) if args.get("risk") else None
    except ValueError:
        risk = None
    try:
        sort = Sort(args.get("sort", Sort.ATTENTION.value))
    except ValueError:
        sort = Sort.ATTENTION
    if not full and sort in CLINICAL_SORTS:
        sort = Sort.ATTENTION
    page = args.get("page", "1")
    return Filters(
        search=args.get("q", "")[:MAX_SEARCH],
        risk=risk,
        language=args.get("language", "")[:16],
        attention_only=args.get("attention") == "1",
        sort=sort,
        descending=args.get("dir") == "desc",
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    )


def _args(filters: Filters) -> dict[str, Any]:
    """``filters`` as a query string (defaults left out, so links stay short)."""
    args: dict[str, Any] = {}
    if filters.search:
        args["q"] = filters.search
    if filters.risk is not None:
        args["risk"] = filters.risk.value
    if filters.language:
        args["language"] = filters.language
    if filters.attention_only:
        args["attention"] = "1"
    if filters.sort != Sort.ATTENTION:
        args["sort"] = filters.sort.value
    if filters.descending:
        args["dir"] = "desc"
    if filters.page > 1:
        args["page"] = filters.page
    return args


@dataclass(frozen=True)
class Heading:
    label: Any
    href: str
    sorted: str  # "ascending", "descending" or "none" (aria-sort)


def headings(filters: Filters, full: bool) -> list[Heading]:
    """Each sortable column's link: by it ascending, or reversed when it is the order."""
    found = []
    for sort, label in SORTS:
        if not full and sort in CLINICAL_SORTS:
            continue
        current = filters.sort == sort
        flipped = replace(filters, sort=sort, descending=current and not filters.descending, page=1)
        state = ("descending" if filters.descending else "ascending") if current else "none"
        found.append(Heading(label, url_for("clients.index", **_args(flipped)), state))
    return found


def page_links(filters: Filters, found: Worklist) -> dict[str, str]:
    """Links to the first, previous, next and last pages (those that exist)."""
    links = {}
    if found.page > 1:
        links["first"] = url_for("clients.index", **_args(replace(filters, page=1)))
        links["previous"] = url_for("clients.index", **_args(replace(filters, page=found.page - 1)))
    if found.page < found.pages:
        links["next"] = url_for("clients.index", **_args(replace(filters, page=found.page + 1)))
        links["last"] = url_for("clients.index", **_args(replace(filters, page=found.pages)))
    return links


def language_labels(languages: list[str]) -> dict[str, str]:
    """Each language's own name, once per request."""
    return {language: language_name(language) for language in languages}


def risk_labels() -> dict[RiskLevel, str]:
    """Each Static-99R level as the page names it, once per request."""
    return {level: _("Level %(level)s", level=level.value) for level in RiskLevel}


def attention_labels(full: bool) -> dict[int, str]:
    """Why a client is near the top (services/worklist.py: the attention ranks); the
    reduced record says no more than that a check-in matter needs someone."""
    return {
        0: _("urgent alert"),
        1: _("open alert"),
        2: _("missed a check-in this week") if full else _("needs attention"),
        3: _("opted out of texts"),
        4: _("no check-in topics"),
    }
