"""A video on YouTube with its captions, through Google's resumable upload, against the fake
held to YouTube's discovery document: the first line the title, the text the description,
a WebVTT track a language; once the video is live a caption track that does not go is left
out and the publication says so; an interrupted upload is looked for among the uploads."""

from __future__ import annotations

import pytest

from civicdesk.connectors.base import (
    CaptionTrack,
    MediaItem,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.youtube.connector import YouTubeConnector
from civicdesk.connectors.youtube.video import title_and_description
from tests.rules.test_video import mp4, mvhd, track

from .conftest import Peer
from .fake import Fault, google_error

VTT = {
    "en": "WEBVTT\n\n00:01.000 --> 00:04.000\nThe bridge is closed tonight.\n",
    "fr": "1\n00:00:01,000 --> 00:00:04,000\nLe pont est fermé ce soir.\n",  # SubRip
}
CLIP = mp4(track(b"vide", b"avc1", 640, 360), header=mvhd(10 * 600, 600))
TEXT = "Bridge closed tonight <until 6 am>\n\nThe Pattullo bridge closes at 10 pm for repairs."


def post(*languages: str, key: str = "k") -> OutboundPost:
    item = MediaItem(
        "closure.mp4",
        "video/mp4",
        CLIP,
        caption_tracks=tuple(CaptionTrack(lang, VTT[lang]) for lang in languages),
    )
    return OutboundPost(text=TEXT, idempotency_key=key, language="en", media=(item,))


def test_title_and_description() -> None:
    title, description = title_and_description(post())
    assert title == "Bridge closed tonight until 6 am"
    assert description.startswith("Bridge closed tonight until 6 am\n\nThe Pattullo")
    long = OutboundPost(text="word " * 40, idempotency_key="k", link="https://gov.example/x")
    title, description = title_and_description(long)
    assert len(title) <= 100 and title.endswith("…")
    assert description.endswith("https://gov.example/x")


def test_the_video_and_a_caption_track_a_language(
    youtube: Peer, connector: YouTubeConnector
) -> None:
    result = connector.publish(post("en", "fr"))
    assert result.note == ""
    made = youtube.fake.uploaded[result.remote_id]
    assert made["data"] == CLIP
    assert made["metadata"]["snippet"]["title"] == "Bridge closed tonight until 6 am"
    assert made["metadata"]["status"]["privacyStatus"] == "public"
    assert result.url == f"https://www.youtube.com/watch?v={result.remote_id}"
    assert [c["snippet"]["language"] for c in youtube.fake.captions] == ["en", "fr"]
    assert {c["snippet"]["videoId"] for c in youtube.fake.captions} == {result.remote_id}
    # Kept as WebVTT, sent as WebVTT (a SubRip file is turned into WebVTT on the way in).
    assert youtube.fake.captions[1]["text"].startswith("WEBVTT")
    assert "Le pont est fermé ce soir." in youtube.fake.captions[1]["text"]
    # An interrupted attempt is recognised among the uploads; another post is not.
    found = connector.check_publication(post("en"))
    assert found is not None and found.remote_id == result.remote_id
    other = OutboundPost(text="Something else", idempotency_key="o", media=post().media)
    assert connector.check_publication(other) is None


CAPTION_FAILURES = [
    (
        "refused",
        "youtube.captions.insert.media",
        Fault(status=400, body=google_error(400, "contentRequired")),
        "did not take them",
    ),
    ("malformed", "youtube.captions.insert.media", Fault(malformed=True), "unexpected answer"),
    (
        "session refused",
        "youtube.captions.insert",
        Fault(status=403, body=google_error(403, "forbidden")),
        "did not take",
    ),
    ("server error", "youtube.captions.insert", Fault(status=503), "did not take them"),
]


@pytest.mark.parametrize(
    ("name", "method", "fault", "said"), CAPTION_FAILURES, ids=[f[0] for f in CAPTION_FAILURES]
)
def test_a_caption_track_that_does_not_go_leaves_the_video_live_and_says_so(
    youtube: Peer, connector: YouTubeConnector, name: str, method: str, fault: Fault, said: str
) -> None:
    youtube.fake.fail(method, fault)
    result = connector.publish(post("en", "fr"))
    assert list(youtube.fake.uploaded) == [result.remote_id]
    assert [c["snippet"]["language"] for c in youtube.fake.captions] == ["fr"]
    assert result.note.startswith("Published without some captions (add them in YouTube Studio)")
    assert "en: " in result.note and said in result.note


def test_the_video_upload_under_faults(youtube: Peer, connector: YouTubeConnector) -> None:
    # Starting the session publishes nothing: a failure there is tried again later.
    youtube.fake.fail("youtube.videos.insert", Fault(status=503))
    with pytest.raises(RetryableError):
        connector.publish(post())
    # The file sent and a server error back: it may be live, so it is checked, not re-sent.
    youtube.fake.fail("youtube.videos.insert.media", Fault(status=500))
    with pytest.raises(OutcomeUnknownError):
        connector.publish(post())
    youtube.fake.fail("youtube.videos.insert.media", Fault(malformed=True))
    with pytest.raises(OutcomeUnknownError):
        connector.publish(post())
    assert youtube.fake.uploaded == {}


def test_only_a_video_goes_to_youtube(youtube: Peer, connector: YouTubeConnector) -> None:
    image = MediaItem("map.png", "image/png", b"png")
    for media in ((), (image,), (*post().media, image)):
        with pytest.raises(RejectedError):
            connector.publish(OutboundPost(text="x", idempotency_key="k", media=media))
    assert youtube.fake.sessions == {}
