"""Checks and small text rules that several connectors share because they are the same.

Each platform's own ``shapes`` module re-exports the checks it uses next to the ones
only that platform needs (its ids, URIs, error bodies). A ``ShapeError`` means the
platform answered, but not with what its API documents; the connector turns it into an
unknown outcome after a write and a retryable error after a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from civicdesk.connectors.base import RetryableError, parse_time


class ShapeError(Exception):
    """The platform answered, but not with what its API promises."""


def obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what} is not an object")
    return value


def count(data: Mapping[str, Any] | None, *keys: str) -> int | None:
    """The first of ``keys`` present in ``data`` as a count; None when none is reported."""
    if not data:
        return None
    for key in keys:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ShapeError(f"{key} is not a count")
        return value
    return None


def timestamp(value: Any, what: str) -> datetime:
    try:
        return parse_time(value)
    except RetryableError as exc:
        raise ShapeError(f"{what}: {exc.message}") from None


def with_link(text: str, link: str) -> str:
    """A post's text with its link on a line of its own, unless the text already has it."""
    if link and link not in text:
        return f"{text}\n{link}" if text else link
    return text
