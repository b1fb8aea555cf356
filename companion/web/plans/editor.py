"""The plan editor's working parts: items read from the request, list actions, previews.

The editor is plain submit buttons (``action=add:<part>``, ``up:<part>:<i>``…) that
re-render the form from the request, so it works without JavaScript and never loses
what was typed.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from babel.support import LazyProxy
from werkzeug.datastructures import MultiDict

from companion import runtime
from companion.care.plan import MAX_ITEMS, PART_BY_KEY, PARTS, PartSpec, reminder_lines
from companion.messaging.compose import render
from companion.messaging.i18n import language_name
from companion.messaging.texts import PLAN_LINES
from companion.models import Client
from companion.web.language import L_, _

# Longest plan reminder we let a provider approve: three SMS segments.
MAX_REMINDER_SEGMENTS = 3

# The choices of a plan item's choice fields (care.plan): the value is stored, this is shown.
PLAN_CHOICES: dict[str, LazyProxy] = {
    "avoid": L_("avoid"),
    "manage": L_("manage"),
    "court": L_("court"),
    "officer": L_("officer"),
    "provider": L_("provider"),
    "relatedness": L_("relatedness"),
    "community": L_("community"),
    "work": L_("work"),
    "knowledge": L_("knowledge"),
    "inner peace": L_("inner peace"),
    "health": L_("health"),
    "creativity": L_("creativity"),
    "pleasure": L_("pleasure"),
    "agency": L_("agency"),
    "spirituality": L_("spirituality"),
    "life": L_("life"),
}

ITEM_NOUNS = {
    "warning_signs": L_("warning sign"),
    "high_risk_situations": L_("high-risk situation"),
    "thinking_errors": L_("thinking error"),
    "coping_strategies": L_("coping strategy"),
    "support_contacts": L_("support contact"),
    "external_controls": L_("external control"),
    "approach_goals": L_("approach goal"),
}

# How each part reads in a text (from the text source itself, so it cannot drift),
# with its words named after the form's fields. The text stays as the source has it;
# the words in brackets are the staff member's.
_LINE_OF_PART = {
    "warning_signs": ("warning_sign", {"sign": L_("warning sign"), "step": L_("coping step")}),
    "high_risk_situations": ("avoid", {"situation": L_("situation")}),
    "thinking_errors": ("thought", {"thought": L_("replacement thought")}),
    "coping_strategies": ("coping", {"trigger": L_("trigger"), "steps": L_("steps")}),
    "support_contacts": ("support", {"contact": L_("name"), "contact_phone": L_("phone")}),
    "external_controls": ("control", {"condition": L_("condition")}),
    "approach_goals": ("goal", {"goal": L_("goal"), "step": L_("next step")}),
}


def line_hints() -> dict[str, str]:
    """Each part's line as texted, with its words in brackets (in the reader's language)."""
    return {
        part: PLAN_LINES[template] % {k: f"[{v}]" for k, v in words.items()}
        for part, (template, words) in _LINE_OF_PART.items()
    }


LINE_NOTES = {
    "high_risk_situations": L_("Only situations to avoid are ever texted."),
    "thinking_errors": L_("The thinking error itself is never texted."),
}


_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _new_item(part: PartSpec) -> dict[str, Any]:
    item: dict[str, Any] = {"id": _fresh_id(), "ok_to_text": part.texted_by_default}
    for spec in part.fields:
        item[spec.name] = False if spec.kind == "bool" else ""
    return item


def _fresh_id() -> str:
    # The shape normalise() gives a new item, made here so an item added with
    # "Add" keeps its id through every re-render before the save.
    return uuid.uuid4().hex[:12]


def items_from_form(form: MultiDict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The plan's items as typed, part by part, in the order of the form.

    Each item is named ``<part>-<index>-<field>``; an item exists when its
    hidden ``id`` does (so an item with every box empty is still an item).
    """
    items: dict[str, list[dict[str, Any]]] = {}
    for part in PARTS:
        pattern = re.compile(rf"{part.key}-(\d{{1,3}})-id")
        indices = sorted({int(m.group(1)) for key in form if (m := pattern.fullmatch(key))})
        found = []
        for index in indices[: MAX_ITEMS + 10]:  # normalise() reports more than MAX_ITEMS
            prefix = f"{part.key}-{index}-"
            raw_id = form.get(prefix + "id", "")
            item: dict[str, Any] = {
                "id": raw_id if _ID.fullmatch(raw_id) else _fresh_id(),
                "ok_to_text": prefix + "ok_to_text" in form,
            }
            for spec in part.fields:
                if spec.kind == "bool":
                    item[spec.name] = prefix + spec.name in form
                else:
                    item[spec.name] = form.get(prefix + spec.name, "")
            found.append(item)
        items[part.key] = found
    return items


def apply_action(items: dict[str, list[dict[str, Any]]], action: str) -> str:
    """Add, remove or move one item (``add:<part>``, ``up:<part>:<i>``…); say what was done."""
    verb, _sep, rest = action.partition(":")
    key, _sep, index_text = rest.partition(":")
    part = PART_BY_KEY.get(key)
    if part is None:
        return ""
    noun = ITEM_NOUNS[key]
    found = items[key]
    if verb == "add":
        if len(found) >= MAX_ITEMS:
            return _(
                "There are already %(count)s items under %(part)s, the most a plan holds.",
                count=MAX_ITEMS,
                part=_(part.title),
            )
        found.append(_new_item(part))
        return _("Added %(item)s %(number)s.", item=noun, number=len(found))
    if not index_text.isdigit() or not 0 <= int(index_text) < len(found):
        return ""
    index = int(index_text)
    if verb == "remove":
        found.pop(index)
        return _("Removed %(item)s %(number)s.", item=noun, number=index + 1)
    if verb == "up" and index > 0:
        found[index - 1], found[index] = found[index], found[index - 1]
        return _("Moved %(item)s %(number)s up.", item=noun, number=index + 1)
    if verb == "down" and index < len(found) - 1:
        found[index + 1], found[index] = found[index], found[index + 1]
        return _("Moved %(item)s %(number)s down.", item=noun, number=index + 1)
    return ""


def reminder_preview(client: Client, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Each line the plan lets us text, rendered as the client would read it.

    In the language the texts actually go in (English while the client's is
    held back or has no catalog), so the counts are what the phone will show.
    """
    language = texts_language(client)
    preview = []
    for line in reminder_lines(content):
        rendered = render(
            "plan_reminder",
            language,
            {
                "name": client.display_name,
                "line_template": line.template,
                "line_words": line.params,
            },
        )
        preview.append({"line": line, "rendered": rendered})
    return preview


def texts_language(client: Client) -> str:
    # The language the dispatcher would send in now (approval in production included).
    return runtime.language_in_use(client)[0]


def segment_errors(client: Client, content: dict[str, Any]) -> dict[str, str]:
    """Errors for items whose reminder would take more than three texts in the client's language."""
    where = {
        item["id"]: (part.key, index)
        for part in PARTS
        for index, item in enumerate(content.get(part.key, []))
    }
    errors = {}
    for entry in reminder_preview(client, content):
        rendered = entry["rendered"]
        if rendered.segments <= MAX_REMINDER_SEGMENTS:
            continue
        part_key, index = where[entry["line"].item_id]
        errors[f"{part_key}.{index}.ok_to_text"] = _(
            "As a text in %(language)s this would be %(characters)s characters, "
            "%(segments)s messages on the phone (at most %(most)s). "
            'Shorten it, or untick "OK to text".',
            language=language_name(client.language),
            characters=len(rendered.body),
            segments=rendered.segments,
            most=MAX_REMINDER_SEGMENTS,
        )
    return errors
