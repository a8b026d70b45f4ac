"""Measuring a text exactly as a platform counts it, and the Bluesky and LinkedIn encodings.

X follows twitter-text's v3 configuration: NFC first, then code points weigh 1 in the ranges
0-4351, 8192-8205, 8208-8223 and 8242-8247 and 2 elsewhere, each link weighs 23 and each emoji
sequence weighs 2. The other platforms count grapheme clusters or UTF-16 code units.
"""

from __future__ import annotations

from dataclasses import replace

import regex

from . import text as tx
from .entities import extract
from .platforms import Counting, PlatformRules, platform_limits
from .types import Entity, Facet, Measurement
from .x_entities import find_urls

# Code points outside X's weight-1 ranges.
_X_HEAVY = regex.compile(r"[^\x00-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
_X_INVALID = ("\ufffe", "\ufeff", "\uffff")


def _x_weight(text: str, emoji_parsing: bool) -> int:
    """X weight of a stretch of text that holds no link."""
    weight = len(text) + len(_X_HEAVY.findall(text))
    if emoji_parsing:
        for start, end in tx.emoji_spans(text):
            piece = text[start:end]
            weight += 2 - (len(piece) + len(_X_HEAVY.findall(piece)))
    return weight


def x_weighted_length(
    text: str,
    *,
    url_length: int = 23,
    emoji_parsing: bool = True,
    urls: list[Entity] | None = None,
) -> int:
    """twitter-text's weighted length (v3 configuration by default; v2 without emoji parsing).

    ``urls``, X's links in ``text`` when the caller has them, are reused if NFC leaves the
    text unchanged.
    """
    normalized = tx.nfc(text)
    if urls is None or normalized != text:
        urls = find_urls(normalized)
    total = 0
    cursor = 0
    for url in urls:
        total += _x_weight(normalized[cursor : url.start], emoji_parsing) + url_length
        cursor = url.end
    return total + _x_weight(normalized[cursor:], emoji_parsing)


def _countable_text(
    text: str, rules: PlatformRules, urls: list[Entity], mentions: list[Entity]
) -> str:
    """The text with links shortened to their fixed length and remote mentions to ``@user``."""
    replacements: list[tuple[int, int, str]] = []
    if rules.url_length is not None:
        replacements += [(u.start, u.end, "x" * rules.url_length) for u in urls]
    if rules.remote_mentions_count_local_part:
        for mention in mentions:
            local, at, _domain = mention.text[1:].partition("@")
            if at:
                replacements.append((mention.start, mention.end, "@" + local))
    if not replacements:
        return text
    replacements.sort()
    pieces = []
    cursor = 0
    for start, end, new in replacements:
        if start < cursor:
            continue
        pieces += [text[cursor:start], new]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def count_length(text: str, rules: PlatformRules, *, urls: list[Entity] | None = None) -> int:
    """Length of ``text`` in the unit of ``rules``, links and mentions counted as it counts them.

    ``urls``, X's links in ``text`` when the caller has found them, spare a second search.
    """
    if rules.counting is Counting.WEIGHTED:
        return x_weighted_length(
            text, url_length=rules.url_length or 23, emoji_parsing=rules.emoji_parsing, urls=urls
        )
    if rules.url_length is None and not rules.remote_mentions_count_local_part:
        countable = text
    else:
        urls, mentions, _tags = extract(text, rules.slug)
        countable = _countable_text(text, rules, urls, mentions)
    if rules.counting is Counting.GRAPHEMES:
        return tx.grapheme_count(countable)
    if rules.counting is Counting.CODE_POINTS:
        return len(countable)
    return tx.utf16_length(countable)


def fits(text: str, rules: PlatformRules) -> bool:
    """True when ``text`` is within every length limit of ``rules``."""
    if rules.max_bytes is not None and tx.utf8_length(text) > rules.max_bytes:
        return False
    if rules.max_raw_length is not None and len(text) > rules.max_raw_length:
        return False
    return count_length(text, rules) <= rules.max_length


def bluesky_facets(
    text: str, urls: list[Entity], mentions: list[Entity], hashtags: list[Entity]
) -> tuple[Facet, ...]:
    """Bluesky rich-text facets for the entities, with UTF-8 byte offsets."""
    offsets = tx.utf8_offsets(text)
    facets = []
    for entity in sorted([*urls, *mentions, *hashtags], key=lambda e: e.start):
        if entity.kind == "url":
            uri = entity.text if entity.text.startswith("http") else "https://" + entity.text
            feature, value = "app.bsky.richtext.facet#link", uri
        elif entity.kind == "mention":
            feature, value = "app.bsky.richtext.facet#mention", entity.text[1:]
        elif entity.text.startswith("$"):
            feature, value = "app.bsky.richtext.facet#tag", entity.text.upper()  # a cashtag
        else:
            feature, value = "app.bsky.richtext.facet#tag", entity.text[1:]
        facets.append(Facet(offsets[entity.start], offsets[entity.end], feature, value))
    return tuple(facets)


# LinkedIn's "little text" format reserves these characters; literal use must be escaped.
LINKEDIN_RESERVED = frozenset("|{}@[]()<>#\\*_~")


def linkedin_escape(text: str) -> str:
    """Escape LinkedIn's reserved characters so the text shows exactly as written."""
    return "".join("\\" + c if c in LINKEDIN_RESERVED else c for c in text)


def measure_with(text: str, rules: PlatformRules) -> Measurement:
    """Measure ``text`` against explicit rules (e.g. one Mastodon instance's)."""
    urls, mentions, hashtags = extract(text, rules.slug)
    x_urls = urls if rules.slug == "x" else None
    length = count_length(text, rules, urls=x_urls)
    invalid = tx.refused_spans(text)
    if rules.counting is Counting.WEIGHTED:
        invalid += [
            (i, i + 1)
            for i, c in enumerate(text)
            if c in _X_INVALID and not any(s <= i < e for s, e in invalid)
        ]
        invalid.sort()
    facets = bluesky_facets(text, urls, mentions, hashtags) if rules.slug == "bluesky" else ()
    measurement = Measurement(
        platform=rules.slug,
        length=length,
        limit=rules.max_length,
        valid=False,
        remaining=rules.max_length - length,
        urls=tuple(urls),
        mentions=tuple(mentions),
        hashtags=tuple(hashtags),
        facets=facets,
        byte_length=tx.utf8_length(text),
        byte_limit=rules.max_bytes,
        raw_length=len(text),
        raw_limit=rules.max_raw_length,
        invalid_ranges=tuple(invalid),
    )
    has_text = bool(text.strip()) or not rules.text_required
    return replace(measurement, valid=has_text and measurement.fits and not invalid)


def rules_for(platform: str, limit: int | None = None) -> PlatformRules:
    rules = platform_limits(platform)
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer, got {limit!r}")
        rules = replace(rules, max_length=limit)
    return rules


def measure(text: str, platform: str, *, limit: int | None = None) -> Measurement:
    """Measure ``text`` as ``platform`` counts it; ``limit`` overrides the platform's limit."""
    return measure_with(text, rules_for(platform, limit))
