"""Reading Mastodon's answers safely: every field is checked before use.

A value of the wrong type raises ``ShapeError``; the connector turns it into an unknown
outcome after a write and a retryable error after a read, so no KeyError or TypeError
ever escapes to the publisher or the ingest loop.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from civicdesk.connectors.base import RejectedError
from civicdesk.connectors.shapes import ShapeError as ShapeError
from civicdesk.connectors.shapes import count as count
from civicdesk.connectors.shapes import obj as obj
from civicdesk.connectors.shapes import timestamp as timestamp


def list_of(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ShapeError(f"{what} is not a list")
    return value


_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_id(value: str) -> bool:
    """Mastodon's ids are digits; servers speaking its API may use letters too (ULIDs)."""
    return bool(_ID.fullmatch(value))


def snowflake(value: Any, what: str) -> str:
    """An entity id: a string (very old servers sent numbers), safe to put in a path."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ShapeError(f"{what} is missing or not an id")
    text = str(value)
    if not is_id(text):
        raise ShapeError(f"{what} is not an id")
    return text


def optional_snowflake(value: Any, what: str) -> str:
    return "" if value is None else snowflake(value, what)


def path_id(remote_id: str) -> str:
    """A status id we were given, checked before it goes into a request path."""
    if not is_id(str(remote_id)):
        raise RejectedError(f"not a Mastodon status id: {str(remote_id)[:40]!r}")
    return str(remote_id)


def string(value: Any, what: str, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"{what} is not a string")
    return value


def id_order(remote_id: str) -> tuple[int, str]:
    """Sort key of time-ordered ids: Mastodon's are integers written as strings, so a
    longer one is newer; fixed-width ids (ULIDs) sort as text."""
    return len(remote_id), remote_id


class _TextOf(HTMLParser):
    """The visible text of a status's HTML: paragraphs and line breaks become newlines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content: str) -> str:
    """Mastodon sends statuses as HTML; links keep their full address across the spans."""
    parser = _TextOf()
    parser.feed(content)
    parser.close()
    return html.unescape("".join(parser.parts)).strip()


_SPACE = re.compile(r"\s+")
_REMOTE_MENTION = re.compile(r"@(\w+)@[\w.-]*\w")


def comparable(text: str) -> str:
    """Text reduced to what survives a round trip through Mastodon's HTML.

    Mastodon shows a remote mention ``@name@server`` as ``@name``; whitespace is collapsed.
    """
    return _SPACE.sub(" ", _REMOTE_MENTION.sub(r"@\1", text)).strip()


def parse_reset(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds until an ``X-RateLimit-Reset`` time (ISO 8601), or None when absent or bad."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def link_param(response: httpx.Response, rel: str, name: str) -> str:
    """A parameter of a Link header target (Mastodon pages with max_id / min_id there)."""
    try:
        url = response.links.get(rel, {}).get("url", "")
    except (ValueError, AttributeError):
        return ""
    values = parse_qs(urlsplit(url).query).get(name) if url else None
    value = values[0] if values else ""
    return value if is_id(value) else ""
