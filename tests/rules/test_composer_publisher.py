"""The composer and the publisher count alike, and Mastodon counts as its documentation says.

The composer's preview shows ``measure(text, platform)``; the publisher's last check runs
``check_variant`` on the same text. For tricky texts on every platform, the text is padded to
exactly the limit the composer shows: the publisher must accept it, and refuse (or thread) it
one character later.
"""

from __future__ import annotations

import pytest

from civicdesk.pages import preview
from civicdesk.publishing import checks
from civicdesk.rules import PLATFORMS, VariantDraft, check_variant, default_policy, measure

TRICKY = [
    "Plain words",
    "Links http://tld-too-short.x and https://example.com/a_(b) and example.org.",
    "CJK link https://example.com/これは日本語です。example.jp中国語",
    "✌️#hashtag and ＃全角 and RT@user and @aliceìnheiro",
    "Family 👨\u200d👩\u200d👧\u200d👦 flag 🇫🇷 keycap 1\u20e3 e\u0301",
    "@alice@mastodon.example and @bob.bsky.social see bsky.app/profile",
    "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069 and t.co/abc",
]
LENGTH_CODES = {"platform.too_long", "platform.thread", "platform.too_many_bytes"}


def _length_findings(text: str, platform: str) -> set[str]:
    draft = VariantDraft(platform=platform, language="en", text=text)
    return {f.code for f in check_variant(draft, default_policy())} & LENGTH_CODES


def test_composer_and_publisher_use_the_same_measure() -> None:
    assert preview.measure is measure
    assert checks.check_variant is check_variant


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("text", TRICKY)
def test_publisher_agrees_with_the_composers_number(platform: str, text: str) -> None:
    shown = measure(text, platform)
    assert shown.remaining > 1, "the tricky text itself must fit"
    # " a" then "a"s: the space ends any link, and "a" weighs one on every platform.
    at_limit = text + " " + "a" * (shown.remaining - 1)
    assert measure(at_limit, platform).remaining == 0
    assert _length_findings(at_limit, platform) == set()
    over = at_limit + "a"
    assert measure(over, platform).remaining == -1
    assert _length_findings(over, platform)


def test_mastodon_counts_links_as_23_and_mentions_by_username() -> None:
    # docs.joinmastodon.org: every link counts 23 characters whatever its length, and a
    # mention of a remote account counts only its username part.
    long_link = "https://example.org/" + "a" * 200
    assert measure(long_link, "mastodon").length == 23
    assert measure(f"See {long_link} now", "mastodon").length == 4 + 23 + 4
    assert measure("@user@mastodon.example hello", "mastodon").length == len("@user hello")
    assert measure("@user hello", "mastodon").length == len("@user hello")
    # No scheme, no link: it counts as written.
    assert measure("example.org/" + "a" * 30, "mastodon").length == 42
    measured = measure(f"@user@social.example {long_link}", "mastodon")
    assert [m.text for m in measured.mentions] == ["@user@social.example"]
    assert [u.text for u in measured.urls] == [long_link]
