"""X's weighted length against the conformance cases twitter-text publishes (validate.yml).

``WeightedTweetsCounterTest`` is the v2 configuration (no emoji parsing);
``WeightedTweetsWithDiscountedEmojiCounterTest`` is the v3 configuration X uses today.
"""

from __future__ import annotations

import pytest

from civicdesk.rules import measure, x_weighted_length

POEM = (
    "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。"
    "旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
    "泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。"
    "遥知兄弟登高处，遍插茱萸少一人。"
)
KANA = "あいうえおかきくけこ"
X10 = "xxxxxxxxxx-"
LONG_URL = "https://" + "somesuperlongurl" * 249 + ".com/foo"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
# The flag of England: a black flag and the tag characters "gbeng", then a cancel tag.
ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
PUNCTUATION = "‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷"
SPACES = "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b"

# (description, text, weighted length, valid): cases common to both configurations.
COMMON = [
    ("Regular Tweet with url", "Hi http://test.co", 26, True),
    ("Just url", "http://test.co", 23, True),
    ("Long tweet, overflow at char index 280", "285 chars-" + X10 * 25, 285, False),
    (
        "Long tweet with url in the middle",
        "285 chars- http://www.twitter.com/jack " + X10 * 24,
        299,
        False,
    ),
    ("Long tweet with url at the end", X10 * 24 + " http://www.twitter.com/jack ", 289, False),
    ("10 url string, no overflow", "https://www.twitter.com/aloha " * 10, 240, True),
    ("160 CJK char", POEM, 320, False),
    ("160 emoji char", "\U0001f637" * 160, 320, False),
    ("3 latin char + 160 CJK char", "the" + POEM, 323, False),
    (
        "282 chars with a normalized character",
        "282 chars-" + X10 * 24 + "xxxxxA\u0301x",
        281,
        False,
    ),
    ("Count unicode emoji chars inside the BMP", "😷👾😡🔥💩", 10, True),
    (
        "Long url with invalid domain labels and short url",
        "Long url with invalid domain labels and a short url: "
        + " ".join([LONG_URL] * 3)
        + " https://validurl.com",
        12079,
        False,
    ),
    ("A 64 character domain without protocol", "randomurl" * 7 + "s.com", 68, True),
    (
        "CJK host longer than 63 punycode characters is no link",
        KANA * 12 + " http://" + KANA * 5 + "あいう.com",
        358,
        False,
    ),
    (
        "CJK host shorter than 63 punycode characters is a link",
        KANA * 12 + " http://" + KANA * 5 + "あい.com",
        264,
        True,
    ),
]

V2_ONLY = [
    ("'Á' is normalized into 1 char", "A\u0301B", 2, True),
    ("שּׁ is normalized into 3 chars", "A\ufb2c", 4, True),
    ("Mix of single and double word characters", "H🐱☺" + FAMILY, 16, True),
    ("Emoji with skin tone modifiers", "🙋🏽👨\u200d🎤", 9, True),
    (
        "General punctuation with visible spaces",
        "This is a tweet with general punctuation characters: "
        + SPACES
        + "\u200c\u200d "
        + PUNCTUATION,
        112,
        True,
    ),
]

V3_ONLY = [
    ("Mix of single and double word characters", "H🐱☺" + FAMILY, 7, True),
    ("Emoji with skin tone modifiers", "🙋🏽👨\u200d🎤", 4, True),
    (
        "General punctuation with visible spaces, no ZWJ/ZWNJ",
        "This is a tweet with general punctuation characters: " + SPACES + " " + PUNCTUATION,
        110,
        True,
    ),
    ("140 family emoji", FAMILY * 140, 280, True),
    ("Keycap with a leading latin character counts 2", "1\u20e3", 2, True),
    (
        "Unicode 10.0 emoji",
        "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; " + ENGLAND,
        34,
        True,
    ),
    ("Unicode 9.0 emoji", "Unicode 9.0 emoji: 🤠; 💃; 💃🏾", 29, True),
    # UnicodeDirectionalMarkerCounterTest
    ("Invalid characters", "ABC\u202a\uffffABC\ufffe", 12, False),
    (
        "Directional characters around a link are valid",
        "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069",
        31,
        True,
    ),
]


@pytest.mark.parametrize(
    ("description", "text", "length", "valid"),
    COMMON + V2_ONLY,
    ids=[c[0] for c in COMMON + V2_ONLY],
)
def test_weighted_tweets_counter_v2(description: str, text: str, length: int, valid: bool) -> None:
    assert x_weighted_length(text, emoji_parsing=False) == length


@pytest.mark.parametrize(
    ("description", "text", "length", "valid"),
    COMMON + V3_ONLY,
    ids=[c[0] for c in COMMON + V3_ONLY],
)
def test_weighted_tweets_counter_v3(description: str, text: str, length: int, valid: bool) -> None:
    measured = measure(text, "x")
    assert measured.length == length
    assert measured.valid is valid
    assert measured.remaining == 280 - length


def test_validity_cases() -> None:
    assert measure("I am a Tweet", "x").valid
    assert not measure("", "x").valid
    assert measure("の" * 140, "x").valid
    assert not measure("の" * 141, "x").valid
    assert measure("\U0001f431" * 140, "x").valid


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("This is a test.", 15),
        ("http://test.com", 23),
        ("https://test.com", 23),
        ("test.com", 23),
        ("Test https://test.com test https://test.com test.com test", 86),
        ("\U00010000\U0010ffff", 4),
        ("저찀쯿쿿", 8),
    ],
)
def test_lengths(text: str, length: int) -> None:
    assert measure(text, "x").length == length
