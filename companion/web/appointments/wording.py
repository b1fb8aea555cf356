"""Sentences about an appointment's notices, said after adding, moving or importing one."""

from __future__ import annotations

from companion.models import Client
from companion.web.language import _, ngettext


def texts_off_note(client: Client) -> str:
    """A sentence saying texts are off when no notice will reach the client, else empty."""
    if client.can_be_texted:
        return ""
    return " " + _(
        "Texts to %(name)s are off (%(consent)s, %(status)s): "
        "no notice goes out unless that changes.",
        name=client.display_name,
        consent=client.consent.value.replace("_", " "),
        status=client.status.value,
    )


def notices_words(count: int) -> str:
    """How many notices were queued, in words."""
    if count == 0:
        return _("No notice is due before it at this client's level.")
    return ngettext("%(num)d notice queued.", "%(num)d notices queued.", count)
