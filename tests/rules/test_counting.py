"""Each platform's counting, limits and entity extraction."""

from __future__ import annotations

import pytest

from civicdesk.rules import (
    PLATFORMS,
    UnknownPlatformError,
    linkedin_escape,
    mastodon_limits,
    mastodon_rules_from_instance,
    measure,
    measure_with,
    platform_limits,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def test_platform_list() -> None:
    # In the order of the platform packages (connectors/<platform>/platform.py).
    assert PLATFORMS == (
        "bluesky",
        "exnet",
        "facebook",
        "instagram",
        "linkedin",
        "mastodon",
        "threads",
        "x",
        "youtube",
    )
    limits = {slug: platform_limits(slug).max_length for slug in PLATFORMS}
    assert limits == {
        "x": 280,
        "bluesky": 300,
        "mastodon": 500,
        "threads": 500,
        "facebook": 63_206,
        "instagram": 2200,
        "linkedin": 3000,
        "youtube": 5000,
        "exnet": 500,
    }


def test_unknown_platform_is_a_clear_error() -> None:
    with pytest.raises(UnknownPlatformError, match="Unknown platform 'myspace'.*bluesky"):
        measure("hi", "myspace")
    with pytest.raises(ValueError):
        platform_limits("")


def test_limit_override() -> None:
    m = measure("hello world", "x", limit=5)
    assert (m.length, m.limit, m.valid, m.remaining) == (11, 5, False, -6)
    with pytest.raises(ValueError, match="positive"):
        measure("hello", "x", limit=0)


class TestBluesky:
    def test_counts_graphemes(self) -> None:
        assert measure(FAMILY + "e\u0301🇫🇷", "bluesky").length == 3
        assert measure("a" * 300, "bluesky").valid
        assert not measure("a" * 301, "bluesky").valid

    def test_links_count_in_full(self) -> None:
        url = "https://example.org/" + "a" * 40
        assert measure(url, "bluesky").length == len(url)

    def test_byte_limit(self) -> None:
        # 300 graphemes, each a family emoji of 25 bytes: within the grapheme limit, not bytes.
        m = measure(FAMILY * 300, "bluesky")
        assert m.length == 300
        assert m.byte_length == 7500
        assert not m.valid
        assert not m.fits

    def test_facets_use_utf8_byte_offsets(self) -> None:
        text = "✨ Read https://example.org/ré and ask @civic.bsky.social #Café2025!"
        m = measure(text, "bluesky")
        encoded = text.encode()
        by_feature = {f.feature.rsplit("#")[1]: f for f in m.facets}
        link = by_feature["link"]
        assert encoded[link.byte_start : link.byte_end].decode() == "https://example.org/ré"
        mention = by_feature["mention"]
        assert encoded[mention.byte_start : mention.byte_end].decode() == "@civic.bsky.social"
        assert mention.value == "civic.bsky.social"
        tag = by_feature["tag"]
        assert encoded[tag.byte_start : tag.byte_end].decode() == "#Café2025"
        assert tag.value == "Café2025"
        assert link.as_record() == {
            "index": {"byteStart": link.byte_start, "byteEnd": link.byte_end},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/ré"}
            ],
        }

    def test_bare_domain_becomes_https_link(self) -> None:
        m = measure("see gov.uk/guidance today", "bluesky")
        assert [f.value for f in m.facets] == ["https://gov.uk/guidance"]

    def test_numeric_tags_are_not_tags(self) -> None:
        assert measure("#2025 #1", "bluesky").hashtags == ()


class TestMastodon:
    def test_links_count_23_and_remote_mentions_their_local_part(self) -> None:
        text = "Hi @alice@example.social see https://example.org/" + "a" * 60
        m = measure(text, "mastodon")
        assert m.length == len("Hi @alice see ") + 23
        assert [e.text for e in m.mentions] == ["@alice@example.social"]

    def test_bare_domains_are_not_links(self) -> None:
        assert measure("example.org", "mastodon").urls == ()
        assert measure("example.org", "mastodon").length == 11

    def test_graphemes(self) -> None:
        assert measure(FAMILY * 2, "mastodon").length == 2

    def test_instance_limits(self) -> None:
        instance = {
            "domain": "social.example",
            "configuration": {
                "statuses": {
                    "max_characters": 5000,
                    "max_media_attachments": 8,
                    "characters_reserved_per_url": 30,
                },
                "media_attachments": {
                    "image_size_limit": 10_485_760,
                    "description_limit": 1800,
                    "supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
                },
            },
        }
        rules = mastodon_rules_from_instance(instance)
        assert (rules.max_length, rules.url_length) == (5000, 30)
        assert rules.media.max_items == 8
        assert rules.media.max_alt_text == 1800
        assert rules.media.image_types == ("image/jpeg", "image/png")
        assert mastodon_limits(instance) == (5000, 30)
        m = measure_with("go https://example.org", rules)
        assert (m.length, m.limit) == (33, 5000)

    @pytest.mark.parametrize(
        "instance",
        [
            {},
            {"configuration": None},
            {"configuration": {"statuses": {"max_characters": "a"}}},
            {
                "configuration": {
                    "statuses": {"max_characters": -1, "characters_reserved_per_url": True}
                }
            },
            [],
        ],
    )
    def test_instance_defaults(self, instance: object) -> None:
        assert mastodon_limits(instance) == (500, 23)  # type: ignore[arg-type]


class TestX:
    def test_mentions_and_hashtags(self) -> None:
        m = measure("@gov_uk thanks! #ClimateAction email me@example.com #123", "x")
        assert [e.text for e in m.mentions] == ["@gov_uk"]
        assert [e.text for e in m.hashtags] == ["#ClimateAction"]
        assert [(e.start, e.end) for e in m.mentions] == [(0, 7)]

    def test_anchor_in_link_is_no_hashtag(self) -> None:
        m = measure("https://example.org/page#section", "x")
        assert m.hashtags == ()
        assert [e.text for e in m.urls] == ["https://example.org/page#section"]

    def test_link_trailing_punctuation(self) -> None:
        m = measure("Read (https://example.org/a_(b)). Then https://example.org/x.", "x")
        assert [e.text for e in m.urls] == ["https://example.org/a_(b)", "https://example.org/x"]

    def test_short_country_domains_link_without_a_path(self) -> None:
        # twitter-text v3 ("Extract short URLs without protocol on ccTLD domains without
        # path"): "it.so" and "foo.jp" are links, so a missing space after a full stop before
        # a country code makes one too.
        assert [e.text for e in measure("the end.It was", "x").urls] == ["end.It"]
        assert measure("the end.It was", "x").length == len("the  was") + 23
        assert measure("the end.Xy was", "x").urls == ()
        assert [e.text for e in measure("canada.ca/en", "x").urls] == ["canada.ca/en"]
        assert [e.text for e in measure("www.gov.uk", "x").urls] == ["www.gov.uk"]
        assert [e.text for e in measure("t.co", "x").urls] == ["t.co"]

    def test_nfc_normalization(self) -> None:
        assert measure("e\u0301" * 280, "x").valid

    def test_invalid_characters(self) -> None:
        m = measure("a\x00b\ud800c\ufeff", "x")
        assert not m.valid
        assert m.invalid_ranges == ((1, 2), (3, 4), (5, 6))


@pytest.mark.parametrize("platform", ["threads", "facebook", "linkedin", "youtube", "instagram"])
def test_utf16_platforms(platform: str) -> None:
    assert measure("a😀é", platform).length == 4
    limit = platform_limits(platform).max_length
    assert measure("a" * limit, platform).valid
    assert not measure("a" * (limit + 1), platform).valid


def test_instagram_empty_caption_is_valid_but_x_is_not() -> None:
    assert measure("", "instagram").valid
    assert not measure("   ", "x").valid


def test_instagram_mentions() -> None:
    m = measure("Thanks @city.hall_official and @you. #Parks", "instagram")
    assert [e.text for e in m.mentions] == ["@city.hall_official", "@you"]


def test_exnet_counts_code_points_and_links_23() -> None:
    m = measure("x https://example.org/" + "b" * 100, "exnet")
    assert (m.length, m.limit) == (25, 500)
    # Like the network itself: the whole run after "http(s)://" is the link.
    assert measure("see http://localhost:8000/a.", "exnet").length == 4 + 23
    assert measure("é" + "e\u0301", "exnet").length == 3
    assert [e.text for e in measure("hi @duty_officer", "exnet").mentions] == ["@duty_officer"]
    raw = "https://example.org/" + "a" * 5000
    assert measure(raw, "exnet").length == 23 and not measure(raw, "exnet").valid


def test_linkedin_escape() -> None:
    assert linkedin_escape("Hi @all (see #news) | {a} [b] <c> \\ *d* _e_ ~f~") == (
        "Hi \\@all \\(see \\#news\\) \\| \\{a\\} \\[b\\] \\<c\\> \\\\ \\*d\\* \\_e\\_ \\~f\\~"
    )
    assert linkedin_escape("plain, text.") == "plain, text."
