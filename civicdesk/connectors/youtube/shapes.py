"""Checking the shape of YouTube's answers, its quota clock and the inbox cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from civicdesk.connectors.base import RejectedError, RetryableError, parse_time

PACIFIC = ZoneInfo("America/Los_Angeles")


class ShapeError(Exception):
    """YouTube answered, but not with what its discovery document promises."""


def next_pacific_midnight(now: datetime | None = None) -> datetime:
    """When YouTube's daily quota resets."""
    local = (now or datetime.now(UTC)).astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    return midnight.astimezone(UTC)


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    return max(1.0, (next_pacific_midnight(now) - now).total_seconds())


def reasons(response: httpx.Response) -> set[str]:
    """The ``error.errors[].reason`` values of a Google API error."""
    try:
        body = response.json()
    except ValueError:
        return set()
    error = body.get("error") if isinstance(body, dict) else None
    errors = error.get("errors") if isinstance(error, dict) else None
    if not isinstance(errors, list):
        return set()
    return {e["reason"] for e in errors if isinstance(e, dict) and isinstance(e.get("reason"), str)}


def obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what} is not an object")
    return value


def string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ShapeError(f"{what} is missing or not a string")
    return value


def optional_string(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"{what} is not a string")
    return value


def count(stats: Mapping[str, Any], key: str) -> int | None:
    """YouTube's counts are decimal strings (uint64); absent means not reported."""
    value = stats.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ShapeError(f"{key} is not a count")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ShapeError(f"{key} is not a count")


def timestamp(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise ShapeError(f"{what} is missing")
    try:
        return parse_time(value)
    except RetryableError as exc:
        raise ShapeError(f"{what}: {exc.message}") from None


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def cursor(cursor: str | None) -> dict[str, Any]:
    state: dict[str, Any] = {"w": None, "t": None, "n": None}
    if not cursor:
        return state
    try:
        raw = json.loads(cursor)
        if not isinstance(raw, dict):
            raise ValueError
        for key in ("w", "n"):
            if raw.get(key) is not None:
                state[key] = datetime.fromisoformat(str(raw[key]))
        if raw.get("t") is not None:
            state["t"] = str(raw["t"])
    except (ValueError, TypeError):
        raise RejectedError(f"not a YouTube inbox cursor: {cursor[:40]!r}") from None
    return state
