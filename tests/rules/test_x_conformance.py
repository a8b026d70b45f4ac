"""X's rules against every case of twitter-text's conformance suite, read from its YAML files.

The files are kept unchanged in tests/contracts/twitter-text (see SOURCES.md there); as their
README asks, the cases are read from them, never copied into code. Each case is its own test,
named by its section and description, so a failure names the case.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest
import yaml

from civicdesk.rules import measure, measure_with
from civicdesk.rules.counting import rules_for
from civicdesk.rules.platforms import Counting
from civicdesk.rules.x_entities import (
    find_cashtags,
    find_hashtags,
    find_mentions,
    find_reply,
    find_urls,
    is_valid_hashtag,
    is_valid_list,
    is_valid_url,
    is_valid_username,
)
from tests.connectors.peers import contract

EXTRACT_SECTIONS = (
    "mentions",
    "mentions_with_indices",
    "mentions_or_lists_with_indices",
    "replies",
    "urls",
    "urls_with_indices",
    "urls_with_directional_markers",
    "tco_urls_with_params",
    "hashtags",
    "hashtags_from_astral",
    "hashtags_with_indices",
    "cashtags",
    "cashtags_with_indices",
)
VALIDATE_SECTIONS = (
    "tweets",
    "usernames",
    "lists",
    "hashtags",
    "urls",
    "urls_without_protocol",
    "WeightedTweetsCounterTest",
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)


@cache
def suite(name: str) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(contract("twitter-text", name).read_text(encoding="utf-8"))
    return data["tests"]


def cases(name: str, sections: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(section, case, id=f"{section}: {case['description']}")
        for section in sections
        for case in suite(name)[section]
    ]


def test_every_section_is_run() -> None:
    assert set(suite("extract.yml")) == set(EXTRACT_SECTIONS)
    assert set(suite("validate.yml")) == set(VALIDATE_SECTIONS)
    assert set(suite("tlds.yml")) == {"country", "generic"}


def _names(entities: list[Any]) -> list[str]:
    return [e.text[1:] for e in entities]


@pytest.mark.parametrize(("section", "case"), cases("extract.yml", EXTRACT_SECTIONS))
def test_extract(section: str, case: dict[str, Any]) -> None:
    text, expected = case["text"], case["expected"]
    if section == "mentions":
        assert _names(find_mentions(text, lists=False)) == expected
    elif section == "mentions_with_indices":
        found = find_mentions(text, lists=False)
        assert [{"screen_name": e.text[1:], "indices": [e.start, e.end]} for e in found] == expected
    elif section == "mentions_or_lists_with_indices":
        found = [(e.text[1:].partition("/"), e.start, e.end) for e in find_mentions(text)]
        assert [
            {"screen_name": name, "list_slug": slash + slug, "indices": [start, end]}
            for (name, slash, slug), start, end in found
        ] == expected
    elif section == "replies":
        assert find_reply(text) == expected
    elif section in {"urls", "tco_urls_with_params"}:
        assert [e.text for e in find_urls(text)] == expected
    elif section in {"urls_with_indices", "urls_with_directional_markers"}:
        found = find_urls(text)
        assert [{"url": e.text, "indices": [e.start, e.end]} for e in found] == expected
    elif section in {"hashtags", "hashtags_from_astral"}:
        assert _names(find_hashtags(text)) == expected
    elif section == "hashtags_with_indices":
        found = find_hashtags(text)
        assert [{"hashtag": e.text[1:], "indices": [e.start, e.end]} for e in found] == expected
    elif section == "cashtags":
        assert _names(find_cashtags(text)) == expected
    else:
        found = find_cashtags(text)
        assert [{"cashtag": e.text[1:], "indices": [e.start, e.end]} for e in found] == expected


@pytest.mark.parametrize(("section", "case"), cases("tlds.yml", ("country", "generic")))
def test_tlds(section: str, case: dict[str, Any]) -> None:
    assert [e.text for e in find_urls(case["text"])] == case["expected"]


# twitter-text's deprecated validity check: code points after NFC, links 23, at most 140.
LEGACY = replace(rules_for("x"), counting=Counting.CODE_POINTS, max_length=140)
V2 = replace(rules_for("x"), emoji_parsing=False)


@pytest.mark.parametrize(("section", "case"), cases("validate.yml", VALIDATE_SECTIONS))
def test_validate(section: str, case: dict[str, Any]) -> None:
    text, expected = case["text"], case["expected"]
    if section == "tweets":
        assert measure_with(text, LEGACY).valid is expected
    elif section == "usernames":
        assert is_valid_username(text) is expected
    elif section == "lists":
        assert is_valid_list(text) is expected
    elif section == "hashtags":
        assert is_valid_hashtag(text) is expected
    elif section == "urls":
        assert is_valid_url(text) is expected
    elif section == "urls_without_protocol":
        assert is_valid_url(text, require_protocol=False) is expected
    else:
        # Display and valid ranges are left out: they are in UTF-16 units in the suite.
        measured = measure_with(text, V2) if section == "WeightedTweetsCounterTest" else None
        measured = measured or measure(text, "x")
        assert {
            "weightedLength": measured.length,
            "valid": measured.valid,
            "permillage": measured.length * 1000 // measured.limit,
        } == {k: expected[k] for k in ("weightedLength", "valid", "permillage")}


def test_lengths() -> None:
    assert measure("This is a test.", "x").length == 15
    assert measure("Test https://test.com test https://test.com test.com test", "x").length == 86
    assert measure("\U00010000\U0010ffff", "x").length == 4
    assert measure("저찀쯿쿿", "x").length == 8
    assert not measure("", "x").valid
