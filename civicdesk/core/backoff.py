"""Back-off between retries: exponential, capped, with jitter, never sooner than asked."""

from __future__ import annotations

import random


def backoff_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1).

    "Equal jitter": half the exponential step is fixed, half is random, so retries from
    many publications spread out but none comes back almost at once. A platform's
    Retry-After is a floor, even above the cap: asking sooner only burns quota.
    """
    rng = rng or random.Random()
    step = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = step / 2 + rng.uniform(0, step / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
