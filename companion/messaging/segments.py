"""How many SMS segments a text costs, and in which encoding.

No well-kept PyPI library does this, so it lives here, tested. GSM-7 (the
basic table plus the extension table, whose characters take two septets)
fits 160 septets in one segment and 153 per segment of a long message; any
other character turns the whole text into UCS-2: 70 UTF-16 units in one
segment, 67 per segment otherwise. An escape pair or a surrogate pair is
never split across segments.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character fits the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(widths: list[int], single: int, multi: int) -> int:
    total = sum(widths)
    if total <= single:
        return 1
    segments, used = 1, 0
    for width in widths:
        if used + width > multi:  # never split a pair: start a new segment
            segments += 1
            used = 0
        used += width
    return segments


def segment_info(text: str) -> SegmentInfo:
    """Encoding, length in units and segment count of ``text``."""
    if is_gsm7(text):
        widths = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SegmentInfo("GSM-7", sum(widths), _pack(widths, 160, 153))
    widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentInfo("UCS-2", sum(widths), _pack(widths, 70, 67))
