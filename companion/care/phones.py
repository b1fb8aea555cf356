"""Phone numbers: what the code stores is E.164 (``+15035550123``), validated with phonenumbers."""

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
