"""Properties over arbitrary text: nothing crashes, counting is stable, policies round-trip."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.rules import (
    PLATFORMS,
    THREAD_PLATFORMS,
    MediaSpec,
    Policy,
    VariantDraft,
    check_media,
    check_post,
    default_policy,
    measure,
    policy_from_yaml,
    policy_to_yaml,
    split_thread,
)
from civicdesk.rules.policy import AccessibilityRules, ApprovalRule, LinkRules

from .helpers import TOKENS, assert_rejoins, texts

POLICY = policy_from_yaml(
    """
languages: {official: [en, fr]}
links: {own_domains: [example.gov], tracking_parameters: [utm_source], allowed_domains: [who.int]}
approvals:
  - {id: legal, topic: law, approver: counsel, terms: [lawsuit, "litig*", "e\u0301t\u00e9"]}
forbidden: [{id: bad, terms: [forbidden word, "ß"], reason: {en: no.}}]
"""
)
HOSTILE = [
    "",
    " ",
    "\x00",
    "\ud800",
    "\udfff\ud800",
    "<script>alert(1)</script>",
    "&lt;b&gt;",
    "\u202e\u2066",
    "\ufeff\ufffe\uffff",
    "#",
    "@",
    "@@",
    "##",
    "http://",
    "https://.",
    "https://[::1]:99999/",
    "a.b.c.d.e.f.g.h",
    "\u0301" * 50,
    "\U000e0067" * 20,
    "🏴" + "\U000e0067" * 30,
    "\r\n\r\n",
    "x" * 10,
    "#" + "\u0301" * 10,
    "@a@b@c@d",
    "http://a_b.com",
    ".." * 50,
]


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(texts, st.sampled_from(HOSTILE)), platform=st.sampled_from(PLATFORMS))
def test_measure_never_crashes(text: str, platform: str) -> None:
    m = measure(text, platform)
    assert m.length >= 0 and m.remaining == m.limit - m.length
    for entity in (*m.urls, *m.mentions, *m.hashtags):
        assert text[entity.start : entity.end] == entity.text
    if platform == "bluesky":
        encoded = text.encode("utf-8", "surrogatepass")
        for facet in m.facets:
            assert 0 <= facet.byte_start < facet.byte_end <= len(encoded)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.one_of(texts, st.sampled_from(HOSTILE)), min_size=1, max_size=3),
    platform=st.sampled_from([*PLATFORMS, "newsroom"]),
    language=st.sampled_from(["en", "fr", "es", "de", "", "fr-CA"]),
)
def test_check_post_never_crashes(texts: list[str], platform: str, language: str) -> None:
    media = [MediaSpec("image/jpeg", 10, 1, 1, "")]
    variants = [VariantDraft(platform, language, t, media) for t in texts]
    for finding in check_post(variants, POLICY, official_languages=["en", "fr"]):
        assert finding.message
        if finding.start is not None and finding.end is not None:
            assert 0 <= finding.start <= finding.end


@settings(max_examples=60, deadline=None)
@given(text=texts, platform=st.sampled_from(["x", "bluesky", "mastodon"]))
def test_counting_is_stable_under_normalization(text: str, platform: str) -> None:
    # X normalizes to NFC; Bluesky and Mastodon count grapheme clusters, which NFD keeps.
    nfc = measure(unicodedata.normalize("NFC", text), platform).length
    nfd = measure(unicodedata.normalize("NFD", text), platform).length
    assert nfc == nfd


@settings(max_examples=40, deadline=None)
@given(
    platform=st.sampled_from(PLATFORMS),
    media=st.lists(
        st.builds(
            MediaSpec,
            content_type=st.sampled_from(
                ["image/jpeg", "image/png", "video/mp4", "", "x/y", "image/"]
            ),
            size_bytes=st.integers(-1, 10**10),
            width=st.one_of(st.none(), st.integers(-5, 10**5)),
            height=st.one_of(st.none(), st.integers(-5, 10**5)),
            alt_text=st.text(max_size=50),
        ),
        max_size=6,
    ),
)
def test_check_media_never_crashes(platform: str, media: list[MediaSpec]) -> None:
    for finding in check_media(platform, media):
        assert finding.blocking


_words = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(
    version=st.integers(1, 10**6),
    name=st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    max_emoji=st.integers(0, 50),
    acronyms=st.lists(_words, max_size=4),
    domains=st.lists(_words, max_size=3),
    terms=st.lists(
        _words.filter(lambda t: bool(t.strip().strip("*").strip())), min_size=1, max_size=3
    ),
)
def test_policies_round_trip(
    version: int,
    name: str,
    max_emoji: int,
    acronyms: list[str],
    domains: list[str],
    terms: list[str],
) -> None:
    policy = Policy(
        name=name,
        version=version,
        accessibility=AccessibilityRules(max_emoji=max_emoji, acronyms=acronyms),
        links=LinkRules(own_domains=domains),
        approvals=[ApprovalRule(id="a", topic="t", approver="p", terms=terms)],
    )
    assert policy_from_yaml(policy_to_yaml(policy)) == policy


def _big_text(size: int) -> str:
    chooser = random.Random(2025)
    pieces: list[str] = []
    total = 0
    while total < size:
        token = chooser.choice(TOKENS)
        pieces.append(token)
        total += len(token) + 1
    return " ".join(pieces)[:size]


def test_hundred_kilobytes() -> None:
    # How fast this runs is measured in bench/, not asserted here.
    text = _big_text(100_000)
    for platform in PLATFORMS:
        measure(text, platform)
    for platform in THREAD_PLATFORMS:
        parts = split_thread(text, platform)
        assert all(measure(p, platform).fits for p in parts)
        assert_rejoins(text, parts, numbered=True)
    check_post(
        [VariantDraft("x", "en", text), VariantDraft("x", "fr", text)],
        default_policy(),
        official_languages=["en", "fr"],
    )


def test_hundred_kilobytes_of_hostile_shapes() -> None:
    for text in [
        "#" + "a" * 100_000 + "#",
        "a." * 50_000,
        "http://" + "a-" * 50_000,
        "@" + "a." * 50_000,
        "\u0301" * 100_000,
        "😀" * 50_000,
        "<p>" * 30_000,
    ]:
        for platform in PLATFORMS:
            measure(text, platform)
        check_post([VariantDraft("bluesky", "en", text)], POLICY, official_languages=["en"])
    parts = split_thread("\u0301" * 5000, "x", numbering=False)
    assert "".join(parts) == "\u0301" * 5000
