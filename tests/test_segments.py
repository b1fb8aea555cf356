"""Segment counting: GSM-7 versus UCS-2, and where long texts split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from companion.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, segment_info


def test_plain_english_is_gsm7_and_160_fits_one_segment():
    assert segment_info("a" * 160).segments == 1
    assert segment_info("a" * 161).segments == 2
    assert segment_info("a" * 306).segments == 2
    assert segment_info("a" * 307).segments == 3
    assert segment_info("a" * 160).encoding == "GSM-7"


def test_extension_characters_count_double():
    info = segment_info("€" * 80)
    assert info.encoding == "GSM-7" and info.units == 160 and info.segments == 1
    assert segment_info("€" * 81).segments == 2


def test_an_escape_pair_is_never_split_across_segments():
    # 152 plain septets then a two-septet character: it moves whole to segment 2.
    text = "a" * 152 + "€" + "a" * 10
    assert segment_info(text).segments == 2
    text = "a" * 152 + "€" + "a" * 152
    assert segment_info(text).segments == 3


def test_one_accent_outside_gsm7_makes_the_whole_text_ucs2():
    info = segment_info("Mañana a las 10" + " " * 50 + "ó")
    assert info.encoding == "UCS-2"
    assert segment_info("á" * 70).segments == 1
    assert segment_info("á" * 71).segments == 2
    assert segment_info("á" * 134).segments == 2
    assert segment_info("á" * 135).segments == 3


def test_gsm7_accents_stay_gsm7():
    assert segment_info("é è ù ì ò ñ Ñ ü ä ö à").encoding == "GSM-7"


def test_emoji_take_two_units_and_are_never_split():
    assert segment_info("🙂" * 35).segments == 1
    assert segment_info("🙂" * 36).segments == 2
    assert segment_info("a" * 66 + "🙂").segments == 1  # 68 units fit a single text
    text = "a" * 66 + "🙂" + "a" * 10  # 66 + 2 = 68 > 67: the pair moves to segment 2
    assert segment_info(text).segments == 2
    assert segment_info("a" * 66 + "🙂" + "a" * 66).segments == 3


def test_narrow_no_break_space_would_force_ucs2():
    assert segment_info("10:00\u202fa.m.").encoding == "UCS-2"


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=800))
def test_gsm7_segments_never_undercount(text):
    info = segment_info(text)
    assert info.encoding == "GSM-7"
    capacity = 160 if info.segments == 1 else 153 * info.segments
    assert info.units <= capacity


@given(
    st.text(min_size=1, max_size=500).filter(
        lambda t: any(c not in GSM7_BASIC and c not in GSM7_EXTENSION for c in t)
    )
)
def test_ucs2_segments_never_undercount(text):
    info = segment_info(text)
    assert info.encoding == "UCS-2"
    capacity = 70 if info.segments == 1 else 67 * info.segments
    assert info.units <= capacity


def test_direction_isolates_cost_one_unit_each_and_make_a_text_ucs2():
    """Farsi and Arabic texts carry isolates around numbers (compose.py): each is one UTF-16
    unit, so the budgets count them; in an otherwise GSM-7 text one would force UCS-2."""
    info = segment_info("\u2066988\u2069")
    assert info.encoding == "UCS-2" and info.units == 5
    assert segment_info("x" * 67 + "\u2068A\u2069").segments == 1  # 70 units
    assert segment_info("x" * 68 + "\u2068A\u2069").segments == 2
