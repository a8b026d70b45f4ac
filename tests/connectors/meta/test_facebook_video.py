"""A video on a Facebook Page with its captions, over real HTTP to the Graph fake: the video
is the post, captions follow it one SubRip file a language; once the video is live, a caption
file that does not go is left out and the publication says so, never sent again."""

from __future__ import annotations

import pytest
from werkzeug import Response

from civicdesk.connectors.base import CaptionTrack, MediaItem, OutboundPost, RejectedError
from civicdesk.connectors.facebook.video import locale_of
from civicdesk.rules.video import subrip
from tests.rules.test_video import mp4, mvhd, track

from .conftest import JPEG, fb_connector
from .fakes import FacebookFake, FakeGraph, answer, graph_error

VTT = {
    "en": "WEBVTT\n\n00:01.000 --> 00:04.000\nThe bridge is closed tonight.\n",
    "fr": "WEBVTT\n\n00:01.000 --> 00:04.000\nLe pont est fermé ce soir.\n",
}
CLIP = mp4(track(b"vide", b"avc1", 640, 360), header=mvhd(10 * 600, 600))


def video(*languages: str) -> MediaItem:
    return MediaItem(
        "closure.mp4",
        "video/mp4",
        CLIP,
        caption_tracks=tuple(CaptionTrack(lang, VTT[lang]) for lang in languages),
    )


def post(*languages: str) -> OutboundPost:
    return OutboundPost(
        text="The bridge is closed tonight.",
        idempotency_key="k",
        link="https://gov.example/bridge",
        media=(video(*languages),),
    )


def test_the_video_is_the_post_and_each_language_a_caption_file(
    graph: FakeGraph, facebook: FacebookFake
) -> None:
    result = fb_connector(graph, facebook).publish(post("en", "fr"))
    assert result.note == ""
    assert facebook.videos[result.remote_id] == CLIP
    assert (
        facebook.posts[0]["message"] == "The bridge is closed tonight.\nhttps://gov.example/bridge"
    )
    assert result.url == f"https://www.facebook.com/{facebook.page_id}/videos/{result.remote_id}"
    assert [(c["filename"], c["default_locale"]) for c in facebook.captions] == [
        ("captions.en_US.srt", "en_US"),
        ("captions.fr_FR.srt", None),
    ]
    assert facebook.captions[1]["srt"] == subrip(VTT["fr"])


FAILURES = [
    ("refused", graph_error(100, "Invalid caption file"), "did not take them"),
    ("server error", graph_error(2, "Service temporarily unavailable", status=500), "did not take"),
    ("malformed", Response("{not json", content_type="application/json"), "did not take them"),
    ("no success", answer({"success": False}), "unexpected answer"),
]


@pytest.mark.parametrize(("name", "failure", "said"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_caption_file_that_does_not_go_leaves_the_video_live_and_says_so(
    graph: FakeGraph, facebook: FacebookFake, name: str, failure: Response, said: str
) -> None:
    graph.fault("POST", r"/\d+/captions", failure)
    result = fb_connector(graph, facebook).publish(post("en", "fr"))
    assert len(facebook.videos) == 1 and len(facebook.posts) == 1
    assert [c["filename"] for c in facebook.captions] == ["captions.fr_FR.srt"]
    assert result.note.startswith("Published without some captions (add them in Meta Business")
    assert "en: " in result.note and said in result.note


def test_video_checks_before_anything_is_sent(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    for media in ((video("en"), JPEG), (MediaItem("a.webm", "video/webm", b"0"),)):
        with pytest.raises(RejectedError):
            connector.publish(OutboundPost(text="x", idempotency_key="k", media=media))
    assert facebook.videos == {}


def test_locales() -> None:
    assert [locale_of(x) for x in ("en", "fr", "ar", "pt-BR", "de")] == [
        "en_US",
        "fr_FR",
        "ar_AR",
        "pt_BR",
        "de_DE",
    ]
