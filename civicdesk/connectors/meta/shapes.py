"""Checking the shape of Graph API answers before using them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from civicdesk.connectors.base import RetryableError, parse_time


class ShapeError(Exception):
    """The platform answered, but not with what its API promises."""


def object_of(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what} is not an object")
    return value


def list_of(value: Any, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        raise ShapeError(f"{what} is not a list")
    return [object_of(item, f"an item of {what}") for item in value]


def id_of(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ShapeError(f"{what} is missing or not an id")
    return str(value)


def optional_id(value: Any, what: str) -> str:
    return "" if value is None else id_of(value, what)


def text_of(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"{what} is not a string")
    return value


def count_of(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ShapeError(f"{what} is not a count")
    return value


def time_of(value: Any, what: str) -> datetime:
    """A Graph timestamp: ISO 8601 with a "+0000" offset, or epoch seconds."""
    if isinstance(value, str) and len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit():
        value = f"{value[:-2]}:{value[-2:]}"  # "+0000" -> "+00:00" for fromisoformat
    try:
        return parse_time(value)
    except RetryableError as exc:
        raise ShapeError(f"{what}: {exc.message}") from None
