"""Reading RSS 2.0 and Atom feeds safely.

The XML parser refuses entity expansion and external references (defusedxml), and every
field is bounded, so a hostile or broken feed gives an error, never a hang or a crash.
"""

from __future__ import annotations

import email.utils
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
MAX_ITEMS = 200
_TAGS = re.compile(r"<[^>]+>")


class FeedError(ValueError):
    """The document is not a feed we can read."""


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    link: str
    summary: str = ""
    published_at: datetime | None = None
    image_url: str = ""


@dataclass(frozen=True)
class Feed:
    title: str
    link: str
    language: str
    items: list[FeedItem]


def plain(value: str | None, limit: int = 2000) -> str:
    """Feed text may carry HTML: keep the words only."""
    text = html.unescape(_TAGS.sub(" ", value or ""))
    return " ".join(text.split())[:limit]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(element: Element | None, tag: str) -> str:
    found = element.find(tag) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _safe_url(url: str) -> str:
    url = url.strip()
    return url[:500] if url.startswith(("http://", "https://")) else ""


def parse_feed(content: bytes) -> Feed:
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise FeedError(f"not a readable feed: {exc}") from exc
    if root.tag == f"{ATOM}feed":
        return _atom(root)
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise FeedError("neither an RSS nor an Atom feed")
    return _rss(channel)


def _rss(channel: Element) -> Feed:
    items = []
    for item in channel.findall("item")[:MAX_ITEMS]:
        link = _safe_url(_text(item, "link"))
        guid = _text(item, "guid") or link or _text(item, "title")
        if not guid:
            continue
        image = ""
        enclosure = item.find("enclosure")
        if enclosure is not None and enclosure.get("type", "").startswith("image/"):
            image = _safe_url(enclosure.get("url", ""))
        media = item.find(f"{MEDIA}content")
        if not image and media is not None:
            image = _safe_url(media.get("url", ""))
        items.append(
            FeedItem(
                guid=guid[:500],
                title=plain(_text(item, "title"), 500),
                link=link,
                summary=plain(_text(item, "description")),
                published_at=_date(_text(item, "pubDate")),
                image_url=image,
            )
        )
    return Feed(
        title=plain(_text(channel, "title"), 200),
        link=_safe_url(_text(channel, "link")),
        language=_text(channel, "language")[:2].lower(),
        items=items,
    )


def _atom(root: Element) -> Feed:
    def link_of(element: Element) -> str:
        for link in element.findall(f"{ATOM}link"):
            if link.get("rel", "alternate") == "alternate":
                return _safe_url(link.get("href", ""))
        return ""

    items = []
    for entry in root.findall(f"{ATOM}entry")[:MAX_ITEMS]:
        link = link_of(entry)
        guid = _text(entry, f"{ATOM}id") or link
        if not guid:
            continue
        summary = _text(entry, f"{ATOM}summary") or _text(entry, f"{ATOM}content")
        published = _text(entry, f"{ATOM}published") or _text(entry, f"{ATOM}updated")
        items.append(
            FeedItem(
                guid=guid[:500],
                title=plain(_text(entry, f"{ATOM}title"), 500),
                link=link,
                summary=plain(summary),
                published_at=_date(published),
            )
        )
    language = root.get("{http://www.w3.org/XML/1998/namespace}lang", "")[:2].lower()
    return Feed(
        title=plain(_text(root, f"{ATOM}title"), 200),
        link=link_of(root),
        language=language,
        items=items,
    )
