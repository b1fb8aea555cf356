"""Phone numbers: the one place that reads them (``to_e164``) and writes them for people.

Pure (phonenumbers only), so the domain and every layer above share it.

Numbers are stored in E.164 ("+12135550123"). Everything that takes a number
from a person or a provider (the client and staff forms, the import, the CLI,
inbound texts) validates it with ``to_e164``; texts and pages show it with
``display_phone``.
"""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, region: str = "US") -> str | None:
    """``raw`` as an E.164 number, or None when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str, region: str = "US") -> str:
    """A phone number as people in ``region`` write it, e.g. "(213) 555-0123"."""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
