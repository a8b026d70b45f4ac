"""Finding URLs, mentions and hashtags the way each platform's own parser finds them.

Offsets are code points into the text as given. Links are found first; a mention or hashtag
inside a link (``https://example.org/#news``) is part of the link, not an entity of its own.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import regex

from .bluesky_text import extract_bluesky
from .types import Entity
from .x_entities import MASTODON_LINKS, extract_x, find_urls

# Generic top-level domains a bare domain (no "https://") may end in; two-letter country codes
# are recognised by shape. Links with an explicit scheme accept any alphabetic TLD.
GENERIC_TLDS = frozenset(
    """
    com net org edu gov mil int info biz name pro aero coop museum mobi asia tel travel jobs
    cat post xxx app dev io ai page blog shop online site store tech news media social cloud
    live tv video museum africa berlin paris quebec wien london nyc amsterdam brussels eus
    gal scot wales cymru bzh alsace corsica swiss lat health care green eco energy earth
    global world today community foundation institute ngo ong charity gives law legal
    """.split()
)
# Bare two-letter domains link only with a path, except these (twitter-text's rule).
_SPECIAL_SHORT_CCTLDS = frozenset({"co", "tv"})

_LABEL = r"[\p{L}\p{M}\p{N}_](?:[\p{L}\p{M}\p{N}_-]*[\p{L}\p{M}\p{N}_])?"
_HOST = rf"(?:{_LABEL}\.)+\p{{L}}[\p{{L}}\p{{M}}]*+(?![\p{{N}}_\-])"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_IPV6 = r"\[[0-9A-Fa-f:.]+\]"
# Where a link's tail stops: whitespace, quotes and brackets that cannot be in a URL, CJK
# punctuation, fullwidth forms and bidirectional controls.
_TAIL = r"(?:[/?#][^\s<>\"{}|\\^`\u3000-\u303f\uff00-\uffef\u202a-\u202e\u2066-\u2069]*)?"
_URL_WITH_SCHEME = regex.compile(
    rf"(?<![\w@.\-/])(?P<scheme>https?://)(?:[^\s/@:]+(?::[^\s/@]*)?@)?"
    rf"(?P<host>{_HOST}|{_IPV4}|{_IPV6})(?::\d{{1,5}})?(?P<tail>{_TAIL})",
    regex.IGNORECASE | regex.VERSION0,
)
_URL_BARE = regex.compile(
    rf"(?<![\w@.\-/:#$])(?P<host>{_HOST})(?::\d{{1,5}})?(?P<tail>{_TAIL})",
    regex.IGNORECASE | regex.VERSION0,
)
_TRAILING_PUNCTUATION = ".,;:!?'\"*…»”’"

# Mentions and hashtags, one grammar a family of platforms (X's and Bluesky's have their own
# modules, x_entities and bluesky_text).
_FEDI_MENTION = regex.compile(
    r"(?<![\w/@.])@[A-Za-z0-9_]+(?:[.\-]+[A-Za-z0-9_]+)*(?:@[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)?"
)
_EXNET_MENTION = regex.compile(r"(?<![A-Za-z0-9_@])@[A-Za-z0-9_]{1,30}")
_WHOLE_TOKEN_LINK = regex.compile(r"https?://\S+", regex.IGNORECASE)
_META_MENTION = regex.compile(r"(?<![\w@.])@[A-Za-z0-9._]{1,30}")
_GENERIC_MENTION = regex.compile(r"(?<![\w@])@\w{1,50}")
# Possessive runs keep matching linear on hostile input (no backtracking into the tag).
_WORD_TAG = regex.compile(
    r"(?<![\w&#＃])[#＃](?=[\p{M}\p{N}_\u200c\u200d\u00b7]*+\p{L})"
    r"[\p{L}\p{M}\p{N}_\u200c\u200d\u00b7]++(?![#＃]|://)"
)


@dataclass(frozen=True, slots=True)
class Grammar:
    """How one platform recognises links, mentions and hashtags."""

    bare_domains: bool  # does "example.org" become a link without "https://"?
    mention: regex.Pattern[str]
    hashtag: regex.Pattern[str]
    # A link is the whole run of non-space characters after "http(s)://" (the exercise network).
    whole_token_links: bool = False


GRAMMARS: dict[str, Grammar] = {
    "mastodon": Grammar(False, _FEDI_MENTION, _WORD_TAG),
    "exnet": Grammar(False, _EXNET_MENTION, _WORD_TAG, whole_token_links=True),
    "threads": Grammar(True, _META_MENTION, _WORD_TAG),
    "instagram": Grammar(False, _META_MENTION, _WORD_TAG),
    "facebook": Grammar(True, _GENERIC_MENTION, _WORD_TAG),
    "linkedin": Grammar(True, _GENERIC_MENTION, _WORD_TAG),
    "youtube": Grammar(True, _GENERIC_MENTION, _WORD_TAG),
}
DEFAULT_GRAMMAR = GRAMMARS["facebook"]


def _label_ok(label: str) -> bool:
    if not label or label.startswith("-") or label.endswith("-"):
        return False
    if label.isascii():
        return len(label) <= 63
    try:
        return len("xn--" + label.encode("punycode").decode("ascii")) <= 63
    except UnicodeError:
        return False


def _host_ok(host: str, *, scheme: bool, has_path: bool) -> bool:
    if host.startswith("["):
        return scheme
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        return scheme and len(labels) == 4 and all(int(label) <= 255 for label in labels)
    if not all(_label_ok(label) for label in labels):
        return False
    # Underscores are tolerated in subdomains only.
    if any("_" in label for label in labels[-2:]):
        return False
    if scheme:
        return True
    tld = labels[-1].lower()
    if tld in GENERIC_TLDS:
        return True
    if len(tld) == 2 and tld.isascii() and tld.isalpha():
        return has_path or len(labels) > 2 or tld in _SPECIAL_SHORT_CCTLDS
    return False


def _trim_tail(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation and unbalanced closing brackets from a link."""
    while end > start:
        last = text[end - 1]
        if last in _TRAILING_PUNCTUATION:
            end -= 1
        elif last in ")]":
            opener = "(" if last == ")" else "["
            piece = text[start:end]
            if piece.count(opener) < piece.count(last):
                end -= 1
            else:
                break
        else:
            break
    return end


def extract_urls(text: str, *, bare_domains: bool) -> list[Entity]:
    """Links in ``text``: with an http(s) scheme always, bare domains if the platform links them."""
    found: list[Entity] = []
    for match in _URL_WITH_SCHEME.finditer(text):
        end = _trim_tail(text, match.start(), match.end())
        has_path = end > match.start("tail")
        if _host_ok(match.group("host"), scheme=True, has_path=has_path):
            found.append(Entity("url", text[match.start() : end], match.start(), end))
    if bare_domains and "." in text:
        starts = [e.start for e in found]
        ends = [e.end for e in found]
        for match in _URL_BARE.finditer(text):
            start = match.start()
            index = bisect_right(starts, start) - 1
            if index >= 0 and start < ends[index]:
                continue  # inside a link that has a scheme
            end = _trim_tail(text, start, match.end())
            has_path = end > match.start("tail")
            if _host_ok(match.group("host"), scheme=False, has_path=has_path):
                found.append(Entity("url", text[start:end], start, end))
        found.sort(key=lambda e: e.start)
    return found


def _outside(entity_start: int, spans: list[tuple[int, int]]) -> bool:
    """True when ``entity_start`` is in none of the sorted, disjoint ``spans``."""
    index = bisect_right(spans, (entity_start, 1 << 62)) - 1
    return index < 0 or entity_start >= spans[index][1]


def extract_mentions(text: str, grammar: Grammar, urls: list[Entity]) -> list[Entity]:
    if "@" not in text and "＠" not in text:
        return []
    spans = [(u.start, u.end) for u in urls]
    found = []
    for match in grammar.mention.finditer(text):
        start, end = match.span()
        while end > start + 1 and text[end - 1] == ".":
            end -= 1
        if _outside(start, spans):
            found.append(Entity("mention", text[start:end], start, end))
    return found


def extract_hashtags(text: str, grammar: Grammar, urls: list[Entity]) -> list[Entity]:
    if "#" not in text and "＃" not in text:
        return []
    spans = [(u.start, u.end) for u in urls]
    found = []
    for match in grammar.hashtag.finditer(text):
        start, end = match.span()
        if _outside(start, spans):
            found.append(Entity("hashtag", text[start:end], start, end))
    return found


def extract(text: str, platform: str) -> tuple[list[Entity], list[Entity], list[Entity]]:
    """(urls, mentions, hashtags) in ``text`` as ``platform`` sees them."""
    if platform == "x":
        return extract_x(text)
    if platform == "bluesky":
        return extract_bluesky(text)
    grammar = GRAMMARS.get(platform, DEFAULT_GRAMMAR)
    if platform == "mastodon":
        urls = find_urls(text, MASTODON_LINKS)
    elif grammar.whole_token_links:
        urls = [
            Entity("url", m.group(), m.start(), m.end()) for m in _WHOLE_TOKEN_LINK.finditer(text)
        ]
    else:
        urls = extract_urls(text, bare_domains=grammar.bare_domains) if "." in text else []
    return urls, extract_mentions(text, grammar, urls), extract_hashtags(text, grammar, urls)
