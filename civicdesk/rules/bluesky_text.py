"""Bluesky's rich-text detection: the links, mentions and tags its app turns into facets.

Bluesky shows a link, mention or tag only where the post carries a facet for it, and its own
app finds them with ``@atproto/api``'s ``RichText.detectFacets``. This module follows that
reference step for step, so a post published here looks as it would had it been written in
the app (tests/rules/test_bluesky_facets.py runs the reference itself on the same texts):

- mentions: ``@handle`` after the start, a space or ``(``, where the handle ends in a known
  top-level domain (``bluesky_tlds.txt``, the list the reference uses) or in ``.test``;
- links: ``http(s)://`` and every non-space character after it, or a bare domain starting
  with a letter whose last label is a known top-level domain (then ``https://`` is added);
  one trailing ``.,;:!?`` is dropped, then a ``)`` when the link holds no ``(``;
- tags: ``#`` or ``＃`` after the start or a space, up to the next space, with at least one
  character that is not a digit or punctuation, trailing punctuation dropped, at most 64
  graphemes; cashtags ``$ABC`` (a letter and up to four letters or digits) become the tag
  ``$ABC``.

Offsets are code points; ``counting.bluesky_facets`` turns them into UTF-8 byte offsets.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import regex

from . import text as tx
from .types import Entity

TLD_FILE = Path(__file__).with_name("bluesky_tlds.txt")

# JavaScript's \s, which the reference's regular expressions use.
_JS_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ZERO_WIDTH = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"

_MENTION = regex.compile(rf"(?:^|[{_JS_SPACE}(])@([A-Za-z0-9.\-]+)\b", regex.ASCII)
_URL = regex.compile(
    rf"(?:^|[{_JS_SPACE}(])((?:[Hh][Tt][Tt][Pp][Ss]?://[^{_JS_SPACE}]+)"
    rf"|(?P<domain>[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+)[^{_JS_SPACE}]*)",
    regex.MULTILINE,
)
_TAG_START = regex.compile(rf"(?:^|[{_JS_SPACE}])[#＃]")
_TAG_BODY = regex.compile(rf"(?!\ufe0f)[^{_JS_SPACE}{_ZERO_WIDTH}]++")
_TAG_NEEDS = regex.compile(rf"[^0-9{_JS_SPACE}\p{{P}}{_ZERO_WIDTH}]")
_PUNCTUATION = regex.compile(r"\p{P}")
_CASHTAG = regex.compile(
    rf"(?:^|[{_JS_SPACE}(])\$([A-Za-z][A-Za-z0-9]{{0,4}})(?=[{_JS_SPACE}]|$|[.,;:!?)\"'\u2019])"
)
MAX_TAG_GRAPHEMES = 64


@cache
def bluesky_tlds() -> frozenset[str]:
    lines = TLD_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _known_domain(name: str) -> bool:
    """The reference's check: the name ends in ``.`` and a known top-level domain (case kept)."""
    head, dot, tld = name.rpartition(".")
    return bool(dot and head) and tld in bluesky_tlds()


def find_mentions(text: str) -> list[Entity]:
    found = []
    for match in _MENTION.finditer(text):
        handle = match.group(1)
        if _known_domain(handle) or handle.endswith(".test"):
            start = match.start(1) - 1
            found.append(Entity("mention", text[start : match.end(1)], start, match.end(1)))
    return found


def find_links(text: str) -> list[Entity]:
    found = []
    for match in _URL.finditer(text):
        uri = match.group(1)
        if not uri.startswith("http"):
            domain = match.group("domain")
            if not domain or not _known_domain(domain):
                continue
        start, end = match.start(1), match.end(1)
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            end -= 1
        found.append(Entity("url", text[start:end], start, end))
    return found


def find_tags(text: str) -> list[Entity]:
    """Hashtags and cashtags; a cashtag's text keeps its ``$`` (its tag is ``$`` + upper case)."""
    found = []
    # The reference's pattern, run in linear time: the body is the whole run up to a space
    # when the run holds one character that is not a digit or punctuation.
    for match in _TAG_START.finditer(text):
        body = _TAG_BODY.match(text, match.end())
        if body is None or not _TAG_NEEDS.search(body.group()):
            continue
        tag = body.group()
        # (The reference trims spaces first; the tag holds none.)
        while tag and _PUNCTUATION.match(tag[-1]):
            tag = tag[:-1]
        if not tag or tx.grapheme_count(tag) > MAX_TAG_GRAPHEMES:
            continue
        start = match.end() - 1
        end = start + 1 + len(tag)
        found.append(Entity("hashtag", text[start:end], start, end))
    for match in _CASHTAG.finditer(text):
        start = match.start(1) - 1
        found.append(Entity("hashtag", text[start : match.end(1)], start, match.end(1)))
    return found


def extract_bluesky(text: str) -> tuple[list[Entity], list[Entity], list[Entity]]:
    """(links, mentions, tags) in ``text`` as Bluesky's app finds them."""
    return find_links(text), find_mentions(text), find_tags(text)
