"""Thread splitting: cut at sentences, then words; never inside links, tags or graphemes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.rules import THREAD_PLATFORMS, measure, split_thread
from civicdesk.rules.text import refused_spans

from .helpers import assert_rejoins, texts

SENTENCES = (
    "Our new cycling plan adds 40 km of protected lanes by 2027. "
    "Consultation opens on Monday at https://www.example.gov/cycling/consultation-2025. "
    "Tell us what you think, and share it with your neighbours! "
) * 4


def test_text_that_fits_is_one_unnumbered_part() -> None:
    assert split_thread("Short post.", "x") == ["Short post."]
    assert split_thread(" \n ", "x") == []


@pytest.mark.parametrize("platform", THREAD_PLATFORMS)
def test_parts_are_valid_numbered_and_rejoin(platform: str) -> None:
    parts = split_thread(SENTENCES * 3, platform)
    assert len(parts) > 1
    for index, part in enumerate(parts, start=1):
        assert part.endswith(f" {index}/{len(parts)}")
        assert measure(part, platform).valid
    assert_rejoins(SENTENCES * 3, parts, numbered=True)


def test_prefers_sentence_ends() -> None:
    parts = split_thread(SENTENCES, "x", numbering=False)
    assert all(part.endswith((".", "!")) for part in parts)


def test_never_cuts_inside_a_link_or_hashtag() -> None:
    url = "https://www.example.gov/very/long/path/to/the/consultation/page?utm_source=x"
    text = ("word " * 50 + url + " #ClimateAction ") * 3
    for part in split_thread(text, "x", numbering=False):
        for token in part.split():
            if token.startswith("http"):
                assert token == url
            if token.startswith("#"):
                assert token == "#ClimateAction"


def test_never_cuts_inside_a_grapheme() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    parts = split_thread(family * 400, "bluesky", numbering=False)
    assert "".join(parts) == family * 400
    assert all(len(part) % len(family) == 0 for part in parts)


def test_numbering_width_grows_past_nine_parts() -> None:
    parts = split_thread("word " * 1000, "x", numbering=True)
    assert len(parts) >= 10
    assert parts[-1].endswith(f" {len(parts)}/{len(parts)}")
    assert all(measure(part, "x").valid for part in parts)


def test_limit_override_and_no_numbering() -> None:
    parts = split_thread("one two three four five six", "mastodon", numbering=False, limit=10)
    assert parts == ["one two", "three four", "five six"]


def test_over_long_link_is_cut_as_a_last_resort() -> None:
    url = "https://example.org/" + "a" * 700
    parts = split_thread(url, "bluesky", numbering=False)
    assert "".join(parts) == url
    assert all(measure(part, "bluesky").valid for part in parts)


def test_cjk_text_splits_after_full_stops() -> None:
    text = "日本語の文章です。" * 60
    parts = split_thread(text, "x", numbering=False)
    assert all(part.endswith("。") for part in parts)
    assert "".join(parts) == text


def test_platforms_without_threads_refuse() -> None:
    with pytest.raises(ValueError, match="threads"):
        split_thread("a " * 40_000, "facebook")


@settings(max_examples=150, deadline=None)
@given(text=texts, platform=st.sampled_from(THREAD_PLATFORMS), numbering=st.booleans())
def test_split_parts_fit_and_rejoin(text: str, platform: str, numbering: bool) -> None:
    parts = split_thread(text, platform, numbering=numbering)
    assert bool(parts) == bool(text.strip())
    for part in parts:
        measured = measure(part, platform)
        assert measured.fits
        if not refused_spans(text) and text.strip():
            assert measured.valid
    assert_rejoins(text, parts, numbered=numbering)


@settings(max_examples=60, deadline=None)
@given(text=texts, platform=st.sampled_from(THREAD_PLATFORMS), limit=st.integers(20, 120))
def test_split_with_small_limits(text: str, platform: str, limit: int) -> None:
    parts = split_thread(text, platform, numbering=True, limit=limit)
    assert all(measure(part, platform, limit=limit).fits for part in parts)
    assert_rejoins(text, parts, numbered=True)
