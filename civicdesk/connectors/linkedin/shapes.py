"""Checking the shape of LinkedIn's answers, and LinkedIn's URNs.

LinkedIn names everything with URNs (``urn:li:organization:123``, ``urn:li:share:456``,
``urn:li:comment:(urn:li:activity:789,101)``); in a path or a query they are
percent-encoded whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from civicdesk.connectors.shapes import ShapeError as ShapeError
from civicdesk.connectors.shapes import count as count
from civicdesk.connectors.shapes import obj as obj

POST_URN = re.compile(r"^urn:li:(share|ugcPost):\d+$")
ORGANIZATION_URN = re.compile(r"^urn:li:organization:\d+$")
COMMENT_URN = re.compile(r"^urn:li:comment:\((urn:li:[A-Za-z]+:\d+),(\d+)\)$")


def encode(urn: str) -> str:
    """A URN as one path segment or query value."""
    return quote(urn, safe="")


def urn_list(urns: list[str]) -> str:
    """Rest.li 2.0 list syntax: the URNs encoded, the brackets and commas not."""
    return "List(" + ",".join(encode(u) for u in urns) + ")"


def comment_object(comment_urn: str) -> str:
    """The post (activity, share or ugcPost) a comment URN belongs to, or ''."""
    match = COMMENT_URN.match(comment_urn)
    return match.group(1) if match else ""


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def elements(value: Any) -> list[Mapping[str, Any]]:
    body = obj(value, "the answer")
    items = body.get("elements")
    if not isinstance(items, list):
        raise ShapeError("elements is not a list")
    return [obj(item, "an element") for item in items]


def text(value: Any, what: str, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str) or (not optional and not value):
        raise ShapeError(f"{what} is missing or not a string")
    return value


def urn(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.startswith("urn:li:"):
        raise ShapeError(f"{what} is missing or not a URN")
    return value


def epoch_ms(value: Any, what: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ShapeError(f"{what} is not a time in milliseconds")
    return datetime.fromtimestamp(value / 1000, UTC)


def total(*values: int | None) -> int | None:
    """The sum of counts, or None when any of them was not reported."""
    if any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)
