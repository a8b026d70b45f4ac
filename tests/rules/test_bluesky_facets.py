"""Bluesky's facets and counts, checked against the AT Protocol's own reference.

``RichText.detectFacetsWithoutResolution`` from ``@atproto/api`` (installed with the test peers,
tests/peers/package.json) runs in Node on the same texts, and its facets must equal ours byte
for byte. The documented example from Bluesky's rich-text guide is checked without Node.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from civicdesk.rules import measure
from tests.connectors.peers import MODULES, PEERS, node22

FAMILY = "\U0001f468\u200d\u2764\ufe0f\u200d\U0001f468"
TEXTS = [
    f"✨ example mentioning @atproto.com to share the URL {FAMILY} https://en.wikipedia.org/wiki/CBOR.",
    "no facets here",
    "@alice.bsky.social hello",
    "hi @alice.bsky.social, and (@bob.test) and @carol",
    "email alice@example.com is no mention",
    "@Alice.BSKY.SOCIAL and @a.b.c.example",
    "@handle.invalidtld and @dev.bsky.app.",
    "see https://example.com/path?q=1&r=2#frag.",
    "(https://en.wikipedia.org/wiki/Primer_(film)) and https://example.com/a).",
    "bare example.com, bsky.app/profile and www.gov.uk!",
    "not a link: example.notatld or 1example.com or http:/x.com",
    "HTTPS://EXAMPLE.COM shouted and httpbin.org too",
    "link then CJK https://example.jp/日本語のページ です",
    "#tag #tag2 #123 #a1 #!? #_ ＃全角 #タグ。",
    "#tag, #tag. #tag! (#inparens) mid#tag",
    "emoji tag #🙂 and keycap #️⃣ and #\ufe0fvs",
    "zero\u200bwidth #tag\u200bafter #soft\u00adhyphen",
    "#" + "a" * 64 + " and #" + "b" * 65,
    "cashtags $AAPL $aapl. $TOOLONG $1BAD ($goog) x$NOPE $BRK",
    "mixed 👨‍👩‍👧 @alice.bsky.social 🇫🇷 #France https://fr.wikipedia.org/wiki/Été",
    "line one\n#tag on line two\nhttps://example.org/x\n@bob.bsky.social",
    "tab\t#tag\u3000#ideographic\u00a0#nbsp",
]


def reference_facets(texts: list[str]) -> list[list[dict[str, object]]]:
    if not (MODULES / "@atproto" / "api").is_dir():
        pytest.skip("@atproto/api is not installed (scripts/setup --test installs the peers)")
    script = """
import { RichText } from "@atproto/api";
let data = "";
process.stdin.on("data", (chunk) => (data += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(data).map((text) => {
    const rt = new RichText({ text });
    rt.detectFacetsWithoutResolution();
    return (rt.facets ?? []).map(({ index, features }) => ({ index, features }));
  });
  process.stdout.write(JSON.stringify(out));
});
"""
    done = subprocess.run(
        [node22(), "--input-type=module", "-e", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=PEERS,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def our_facets(text: str) -> list[dict[str, object]]:
    # A mention's "did" holds the handle until publishing resolves it, as in the reference.
    return [facet.as_record() for facet in measure(text, "bluesky").facets]


def _key(record: dict[str, object]) -> tuple[int, str]:
    index = record["index"]
    features = record["features"]
    return index["byteStart"], json.dumps(features, sort_keys=True)  # type: ignore[index]


def test_facets_equal_the_reference() -> None:
    expected = reference_facets(TEXTS)
    assert sum(map(len, expected)) > 30  # the texts exercise every kind of facet
    mismatches = {
        text: (sorted(ours, key=_key), sorted(theirs, key=_key))
        for text, ours, theirs in zip(TEXTS, map(our_facets, TEXTS), expected, strict=True)
        if sorted(ours, key=_key) != sorted(theirs, key=_key)
    }
    assert not mismatches


def test_documented_example() -> None:
    # Bluesky's "Links, mentions, and rich text" guide: byte offsets, not characters.
    measured = measure(TEXTS[0], "bluesky")
    assert [(f.byte_start, f.byte_end, f.value) for f in measured.facets] == [
        (23, 35, "atproto.com"),
        (74, 108, "https://en.wikipedia.org/wiki/CBOR"),
    ]


def test_bluesky_counts_graphemes() -> None:
    # A family emoji is one grapheme; the link counts as written, not shortened.
    text = FAMILY * 10 + " https://example.com/" + "a" * 100
    measured = measure(text, "bluesky")
    assert measured.length == 10 + 1 + len("https://example.com/") + 100
    assert measured.limit == 300
    assert measure("é" * 300, "bluesky").valid
    assert not measure("e\u0301" * 301, "bluesky").valid
