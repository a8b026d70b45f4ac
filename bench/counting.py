"""How long finding entities, measuring and splitting threads take on large and hostile texts.

Run: python bench/counting.py            (every row)
     python bench/counting.py --quick    (skips split_thread on the platforms other than X)

Public messages and pasted drafts can be huge or built to be slow, and the composer measures
on every keystroke, so each row is one pass over 100 KB. Each figure is the best of a few runs
(a single run for the slow rows); the first row is the one-off cost of X's top-level domain list.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")

SIZE = 100_000
TOKENS = [
    "The", "council", "approved", "the", "plan", "today.", "Read", "more:", "ça", "coûte",
    "naïve", "e\u0301", "日本語のテキスト。", "故人西辞黄鹤楼，", "مرحبا", "שָׁלוֹם",
    "https://www.example.gov/plans/2025?utm_source=x", "example.org/a", "@citizen",
    "@alice@social.example", "@city.bsky.social", "#ClimateAction", "#budget2025", "😀",
    "👨\u200d👩\u200d👧\u200d👦", "🇫🇷", "1\u20e3", "!", "(see", "example.com)", "$CIVIC",
    "\n\n", "t.co/abc", "ünï.com", "a.b", "3.14", "e.g.", "U.S.A.",
]  # fmt: skip


def ordinary_text(size: int = SIZE) -> str:
    """Words, links, mentions, tags, emoji and several scripts, as in tests/rules."""
    chooser = random.Random(2025)
    pieces: list[str] = []
    total = 0
    while total < size:
        token = chooser.choice(TOKENS)
        pieces.append(token)
        total += len(token) + 1
    return " ".join(pieces)[:size]


HOSTILE = {
    "a. x50,000": "a." * 50_000,
    "http:// + a- x50,000": "http://" + "a-" * 50_000,
    "@ + a. x50,000": "@" + "a." * 50_000,
    "CJK host": "https://" + "日本語" * 33_000 + ".com",
    "dots after CJK": ("日本." * 33_000) + "com",
    "# + a x100,000 + #": "#" + "a" * 100_000 + "#",
    "a. x50,000 + /path": "a." * 49_990 + "com/" + "(a)" * 5,
}


def timed(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> None:
    import django

    django.setup()
    t0 = time.perf_counter()
    from civicdesk.rules import x_entities

    x_entities.find_urls("example.com")
    rows = [("X's TLD list, first use", (time.perf_counter() - t0) * 1000, "")]
    from civicdesk.rules.counting import measure
    from civicdesk.rules.entities import extract
    from civicdesk.rules.platforms import PLATFORMS, THREAD_PLATFORMS
    from civicdesk.rules.threads import split_thread

    quick = "--quick" in sys.argv
    text = ordinary_text()
    rows.append(("X entities, 100 KB ordinary", timed(lambda: extract(text, "x"), 5), "< 50"))
    for name, hostile in HOSTILE.items():
        ms = timed(lambda hostile=hostile: extract(hostile, "x"), 3)
        rows.append((f"X entities, {name}", ms, "< 200"))
    for platform in ("mastodon", "bluesky"):
        ms = timed(lambda platform=platform: extract(text, platform), 3)
        rows.append((f"{platform} entities, 100 KB ordinary", ms, ""))
    for platform in PLATFORMS:
        ms = timed(lambda platform=platform: measure(text, platform), 1)
        rows.append((f"measure {platform}, 100 KB ordinary", ms, ""))
    for platform in THREAD_PLATFORMS:
        if quick and platform != "x":
            continue
        ms = timed(lambda platform=platform: split_thread(text, platform), 1)
        rows.append((f"split_thread {platform}, 100 KB", ms, "< 1000"))
    width = max(len(name) for name, _ms, _target in rows)
    print(f"{'what':{width}s} {'ms':>10s} {'target ms':>10s}")
    for name, ms, target in rows:
        print(f"{name:{width}s} {ms:10,.1f} {target:>10s}")


if __name__ == "__main__":
    main()
