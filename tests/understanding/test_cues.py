"""Word-list cues: grouping the phrases by first character changes no match."""

from __future__ import annotations

import re

import pytest

from civicdesk.understanding import cues

_TEXTS = [
    "The building is ON FIRE, à l'aide! SOS",
    "feu! fire fires firefighter f*ck",
    "a ab abc b a-b",
    "STRASSE straße Straße",
    "",
]


@pytest.mark.parametrize(
    "phrases",
    [
        ("fire", "on fire", "feu", "f*ck", "à l'aide", "a", "ab", "sos"),
        ("Straße", "strasse", "street"),  # two first letters alike but for case
    ],
)
def test_grouped_words_match_as_one_alternation(phrases: tuple[str, ...]) -> None:
    body = "|".join(sorted((re.escape(p) for p in phrases), key=len, reverse=True))
    plain = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    grouped = cues._words(*phrases)
    for text in _TEXTS:
        assert [m.group(0) for m in grouped.finditer(text)] == [
            m.group(0) for m in plain.finditer(text)
        ]
        assert [m.span() for m in grouped.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ]
