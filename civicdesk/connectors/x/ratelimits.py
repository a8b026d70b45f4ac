"""X's rate limits: the window its headers report, and how long to wait after a 429."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from civicdesk.connectors.base import parse_retry_after

# Without rate-limit headers X still means "not now": wait a minute.
DEFAULT_RETRY_AFTER = 60.0
# A usage cap (the month's quota of posts) lifts far later than a rate-limit window.
USAGE_CAP_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class RateLimit:
    """X's 15-minute window for the endpoint last called, as its headers reported it."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit:
        limit, remaining, reset = (
            _number(headers.get(f"x-rate-limit-{name}")) for name in ("limit", "remaining", "reset")
        )
        return cls(
            limit=int(limit) if limit is not None else None,
            remaining=int(remaining) if remaining is not None else None,
            reset_at=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
        )


def rate_limit_wait(headers: httpx.Headers, *, now: float | None = None) -> float:
    """Seconds until X lifts the limit that answered 429.

    X reports a 15-minute window (``x-rate-limit-*``) and, for posting, 24-hour user and
    app windows (``x-user-limit-24hour-*``, ``x-app-limit-24hour-*``). The exhausted
    window with the latest reset wins; without any, Retry-After, else a default.
    """
    now = time.time() if now is None else now
    exhausted: list[float] = []
    any_reset: list[float] = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = _number(headers.get(f"{prefix}-reset"))
        if reset is None:
            continue
        any_reset.append(reset)
        if _number(headers.get(f"{prefix}-remaining")) == 0:
            exhausted.append(reset)
    chosen = max(exhausted) if exhausted else (max(any_reset) if any_reset else None)
    if chosen is not None:
        return max(1.0, chosen - now)
    retry_after = parse_retry_after(headers.get("retry-after"))
    return retry_after if retry_after is not None else DEFAULT_RETRY_AFTER


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
