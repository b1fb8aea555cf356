"""The one phone-number reader and writer (companion.care.phones)."""

from companion.care.phones import display_phone, to_e164


def test_numbers_are_read_into_e164_or_refused():
    assert to_e164(" (213) 555-0123 ") == "+12135550123"
    assert to_e164("+44 20 7946 0958", "US") == "+442079460958"
    assert to_e164("555-0123") is None
    assert to_e164("not a number") is None


def test_numbers_are_shown_as_people_in_the_region_write_them():
    assert display_phone("+12135550123", "US") == "(213) 555-0123"
    assert display_phone("+442079460958", "US") == "+44 20 7946 0958"
    assert display_phone("garbage", "US") == "garbage"
