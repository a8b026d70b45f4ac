"""Reading X API v2 answers safely: every field is checked before it is used.

A ``ShapeError`` means X answered, but not with what its API promises; the connector turns
it into an unknown outcome after a write and a retryable error after a read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from civicdesk.connectors.base import RejectedError, RetryableError, parse_time
from civicdesk.connectors.shapes import ShapeError as ShapeError
from civicdesk.connectors.shapes import count as count
from civicdesk.connectors.shapes import obj as obj

# X ids are "snowflakes": the top bits are milliseconds since this epoch.
SNOWFLAKE_EPOCH_MS = 1288834974657
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")


def items(value: Any, what: str) -> list[Any]:
    """A list that X leaves out entirely when it is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{what} is not a list")
    return value


def x_id(value: Any, what: str) -> str:
    """X ids travel as strings of digits (numbers would lose precision in JavaScript)."""
    if not isinstance(value, str) or not _DIGITS.match(value):
        raise ShapeError(f"{what} is missing or not an X id")
    return value


def optional_id(value: Any, what: str) -> str:
    return "" if value is None else x_id(value, what)


def path_id(remote_id: str) -> str:
    """An id we were given, checked before it goes into a request path."""
    value = str(remote_id)
    if not value.isdigit() or len(value) > 19:
        raise RejectedError(f"not an X id: {value[:40]!r}")
    return value


def text(value: Any, what: str, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"{what} is not a string")
    return value


def id_time(remote_id: str) -> datetime:
    """When an X id was minted (to the millisecond), read from the id itself."""
    return datetime.fromtimestamp(((int(remote_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def created_at(item: Mapping[str, Any], remote_id: str) -> datetime:
    value = item.get("created_at")
    if value is None:
        return id_time(remote_id)
    try:
        return parse_time(value)
    except RetryableError:
        raise ShapeError("created_at is not a timestamp") from None


def problem_type(body: Any) -> str:
    """The last part of an RFC 7807 problem type ("client-forbidden"), or ""."""
    if not isinstance(body, dict):
        return ""
    kind = body.get("type")
    if isinstance(kind, str) and "/problems/" in kind:
        return kind.rsplit("/problems/", 1)[1].strip("/")
    return ""


def same_text(sent: str, found: str) -> bool:
    """Whether a post X returns is the text we sent.

    X rewrites every link as a t.co address (and adds one for attached media) and
    escapes &, < and > as HTML entities, so links are left out of the comparison.
    """
    return _normalize(sent) == _normalize(html.unescape(found))


def _normalize(value: str) -> str:
    return _SPACE.sub(" ", _URL.sub(" ", value)).strip()
