"""Unicode measuring tape: grapheme clusters, emoji sequences, code units and refused characters.

Platforms disagree about what a "character" is. This room holds the few primitives they are
built from, so each platform's rule in ``counting`` reads as one line of arithmetic.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import regex

GRAPHEME = regex.compile(r"\X")
# A cluster that may be an emoji starts with one of these.
_EMOJI_START = regex.compile(r"(?=[\p{Extended_Pictographic}\p{Regional_Indicator}0-9#*])\X")
_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")
_REGIONAL_INDICATOR = regex.compile(r"\p{Regional_Indicator}")
_EMOJI_MODIFIER = regex.compile(r"\p{Emoji_Modifier}")

ZWJ = "\u200d"
VARIATION_SELECTOR_16 = "\ufe0f"
KEYCAP = "\u20e3"

# Characters no platform accepts in a post: lone surrogates (unencodable), the non-characters
# twitter-text refuses, and C0/C1 controls other than tab and line breaks.
_REFUSED = regex.compile(
    r"[\ud800-\udfff\ufffe\uffff\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]+"
)


def graphemes(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) code-point spans of the extended grapheme clusters of ``text``."""
    for match in GRAPHEME.finditer(text):
        yield match.span()


def grapheme_count(text: str) -> int:
    return sum(1 for _ in GRAPHEME.finditer(text))


def grapheme_boundaries(text: str) -> list[int]:
    """Every offset where a cut keeps grapheme clusters whole, including 0 and len(text)."""
    bounds = [0]
    bounds.extend(match.end() for match in GRAPHEME.finditer(text))
    return bounds


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit JavaScript-based composers count."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def utf8_offsets(text: str) -> list[int]:
    """Byte offset of each code-point offset 0..len(text) in the UTF-8 encoding of ``text``."""
    offsets = [0]
    total = 0
    for char in text:
        code = ord(char)
        total += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        offsets.append(total)
    return offsets


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def is_emoji_cluster(cluster: str) -> bool:
    """True when a grapheme cluster is shown as an emoji (and counted as one by X)."""
    if not cluster:
        return False
    if KEYCAP in cluster:
        return cluster[0] in "0123456789#*"
    if _REGIONAL_INDICATOR.match(cluster):
        return True
    if _EMOJI_PRESENTATION.search(cluster):
        return True
    if _PICTOGRAPHIC.match(cluster):
        # Text-style pictographs (©, ☺, ✈) are emoji only when asked to be, or when combined.
        return (
            VARIATION_SELECTOR_16 in cluster
            or ZWJ in cluster
            or bool(_EMOJI_MODIFIER.search(cluster))
        )
    return False


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """Code-point spans of the emoji (whole sequences: flags, families, keycaps) in ``text``."""
    return [m.span() for m in _EMOJI_START.finditer(text) if is_emoji_cluster(m.group())]


def refused_spans(text: str) -> list[tuple[int, int]]:
    """Spans of characters that platforms refuse outright."""
    return [m.span() for m in _REFUSED.finditer(text)]


def fold(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded text, with the original offset of every folded character.

    ``fold("Élan")`` is ``("elan", [0, 1, 2, 3])``; matching runs on the folded text and the
    offsets map each hit back into the text the author wrote.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            piece = char.lower()
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            piece = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        out.append(piece)
        origin.extend([index] * len(piece))
    return "".join(out), origin
