"""Shared helpers for the rules tests."""

from __future__ import annotations

import re

from hypothesis import strategies as st

NUMBERING = re.compile(r" \d+/\d+$")


def assert_rejoins(original: str, parts: list[str], *, numbered: bool) -> None:
    """The parts, without numbering, are the original text minus whitespace at the cuts."""
    bodies = [NUMBERING.sub("", part) for part in parts] if numbered and len(parts) > 1 else parts
    position = 0
    for body in bodies:
        assert body, "a part is empty"
        while not original.startswith(body, position):
            assert position < len(original) and original[position].isspace(), (
                f"part {body[:40]!r} does not continue the text at {position}"
            )
            position += 1
        position += len(body)
    assert not original[position:].strip()


TOKENS = [
    "The",
    "council",
    "approved",
    "the",
    "plan",
    "today.",
    "Read",
    "more:",
    "ça",
    "coûte",
    "Ünïcödé",
    "naïve",
    "e\u0301",
    "日本語のテキスト。",
    "故人西辞黄鹤楼，",
    "مرحبا",
    "שָׁלוֹם",
    "https://www.example.gov/plans/2025?utm_source=x",
    "example.org/a",
    "@citizen",
    "@alice@social.example",
    "@city.bsky.social",
    "#ClimateAction",
    "#budget2025",
    "😀",
    "👨\u200d👩\u200d👧\u200d👦",
    "🇫🇷",
    "1\u20e3",
    "🧕🏾",
    "!",
    "?",
    "...",
    "\n",
    "\n\n",
    "<b>",
    "&amp;",
    "a" * 40,
    "x" * 300,
    "https://example.org/" + "p" * 400,
    "#" + "Long" * 30,
]

realistic_text = st.lists(st.sampled_from(TOKENS), max_size=120).map(" ".join)
any_text = st.text(st.characters(exclude_categories=()), max_size=600)
texts = st.one_of(realistic_text, any_text)
