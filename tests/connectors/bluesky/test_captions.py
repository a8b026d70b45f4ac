"""A video with its captions on Bluesky: one ``app.bsky.embed.video`` with a WebVTT blob a
language, on the local Bluesky network; a caption file refused or answered in a shape we
cannot read leaves that language out and says so, the video still goes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from civicdesk.connectors.base import CaptionTrack, MediaItem, OutboundPost, RetryableError
from civicdesk.connectors.bluesky.connector import BlueskyConnector
from tests.rules.test_video import mp4, mvhd, track

from .conftest import FAKE_DID, Network, fake_connector
from .test_network import get_record, key

VTT_EN = "WEBVTT\n\n00:01.000 --> 00:04.000\nThe bridge is closed tonight.\n"
# Kept as WebVTT since upload; a SubRip file would have been turned into this.
VTT_FR = "WEBVTT\n\n00:01.000 --> 00:04.000\nLe pont est fermé ce soir.\n"
CLIP = mp4(track(b"vide", b"avc1", 640, 360), header=mvhd(10 * 600, 600))
UPLOAD = "/xrpc/com.atproto.repo.uploadBlob"
CREATE = "/xrpc/com.atproto.repo.createRecord"


def video(*languages: str) -> MediaItem:
    tracks = {"en": VTT_EN, "fr": VTT_FR}
    return MediaItem(
        "closure.mp4",
        "video/mp4",
        CLIP,
        alt_text="The bridge, closed / Le pont, fermé",
        captions=VTT_EN,
        caption_tracks=tuple(CaptionTrack(lang, tracks[lang]) for lang in languages),
    )


def test_a_video_goes_with_a_caption_track_a_language(
    bsky_network: Network, connector: BlueskyConnector
) -> None:
    post = OutboundPost(
        text="The bridge is closed tonight.\n\nLe pont est fermé ce soir.",
        idempotency_key=key(),
        language="en",
        media=(video("en", "fr"),),
    )
    result = connector.publish(post)
    assert result.note == ""
    record = get_record(bsky_network, result.remote_id)
    assert record is not None
    embed = record["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video"
    assert embed["video"]["mimeType"] == "video/mp4"
    assert embed["alt"] == "The bridge, closed / Le pont, fermé"
    assert [c["lang"] for c in embed["captions"]] == ["en", "fr"]
    assert {c["file"]["mimeType"] for c in embed["captions"]} == {"text/vtt"}


class FakePds:
    """Takes the video blob, answers the French captions' upload with ``caption_answer``."""

    def __init__(self, caption_answer: Response) -> None:
        self.caption_answer = caption_answer
        self.records: list[dict[str, Any]] = []
        self.uploads = 0

    def upload(self, request: Request) -> Response:
        self.uploads += 1
        kind = request.headers.get("Content-Type", "")
        if kind == "text/vtt" and "fermé" in request.get_data().decode():
            return self.caption_answer
        blob = {"$type": "blob", "ref": {"$link": f"bafk{self.uploads}"}, "mimeType": kind}
        return Response(json.dumps({"blob": blob}), content_type="application/json")

    def create(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.records.append(body["record"])
        uri = f"at://{FAKE_DID}/app.bsky.feed.post/{body['rkey']}"
        return Response(json.dumps({"uri": uri, "cid": "bafyc"}), content_type="application/json")


REFUSALS = [
    (
        "refused",
        Response(
            json.dumps({"error": "InvalidRequest", "message": "bad caption file"}),
            status=400,
            content_type="application/json",
        ),
        "Bluesky refused them",
    ),
    ("malformed", Response("{not json", content_type="application/json"), "unexpected answer"),
    (
        "not a blob",
        Response(json.dumps({"blob": "x"}), content_type="application/json"),
        "unexpected answer",
    ),
]


@pytest.mark.parametrize(("name", "answer", "said"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_captions_refused_leave_the_video_published_and_say_so(
    httpserver: HTTPServer, name: str, answer: Response, said: str
) -> None:
    pds = FakePds(answer)
    httpserver.expect_request(UPLOAD, method="POST").respond_with_handler(pds.upload)
    httpserver.expect_request(CREATE, method="POST").respond_with_handler(pds.create)
    post = OutboundPost(text="Closed.", idempotency_key="cap-1", media=(video("en", "fr"),))
    with fake_connector(httpserver.url_for("")) as connector:
        result = connector.publish(post)
    [record] = pds.records
    assert [c["lang"] for c in record["embed"]["captions"]] == ["en"]
    assert result.note.startswith("Published without some captions: fr: ")
    assert said in result.note


def test_a_temporary_failure_of_a_caption_upload_sends_nothing_yet(
    httpserver: HTTPServer,
) -> None:
    pds = FakePds(Response("busy", status=503))
    httpserver.expect_request(UPLOAD, method="POST").respond_with_handler(pds.upload)
    httpserver.expect_request(CREATE, method="POST").respond_with_handler(pds.create)
    post = OutboundPost(text="Closed.", idempotency_key="cap-2", media=(video("en", "fr"),))
    with fake_connector(httpserver.url_for("")) as connector, pytest.raises(RetryableError):
        connector.publish(post)
    assert pds.records == []
