"""A video with its captions on X: uploaded in chunks, processed, described, and given one
SubRip caption track a language before the post is made; checked against X's OpenAPI
contract by Prism, and under faults over real HTTP from a local fake."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug import Request, Response

from civicdesk.connectors.base import (
    CaptionTrack,
    ConnectorError,
    MediaItem,
    OutboundPost,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.x import media
from civicdesk.connectors.x.connector import XConnector
from civicdesk.rules.video import subrip
from tests.connectors.holds import FakePlatformServer
from tests.rules.test_video import mp4, mvhd, track

from .conftest import Violations, make_connector

VTT_EN = "WEBVTT\n\n00:01.000 --> 00:04.000\nThe bridge is closed tonight.\n"
VTT_FR = (
    "WEBVTT\n\nNOTE from the SubRip file\n\n00:01.000 --> 00:04.500 align:start\n"
    "Le pont est fermé.\n"
)
CLIP = mp4(track(b"vide", b"avc1", 640, 360), header=mvhd(10 * 600, 600))
JSON = "application/json"


def video(*languages: str) -> MediaItem:
    tracks = {"en": VTT_EN, "fr": VTT_FR}
    return MediaItem(
        "closure.mp4",
        "video/mp4",
        CLIP,
        alt_text="The bridge, closed",
        caption_tracks=tuple(CaptionTrack(lang, tracks[lang]) for lang in languages),
    )


def test_webvtt_becomes_subrip() -> None:
    assert subrip(VTT_FR) == "1\n00:00:01,000 --> 00:00:04,500\nLe pont est fermé.\n"


def test_video_and_subtitles_match_contract(
    prism_connector: XConnector, violations: Violations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media, "PROCESSING_WAIT_SECONDS", 3.0)
    monkeypatch.setattr(media.time, "sleep", lambda _: None)
    # Prism invents the answers: whatever it says, the upload ends in an answer or a clean
    # error kind, and every request it sees is one X's contract allows.
    try:
        media.upload_video(prism_connector, video("en", "fr"))
    except ConnectorError:
        pass
    assert "POST /2/media/upload/initialize" in violations.requests
    # The attaching call, on its own with well-formed ids.
    prism_connector.request(
        "POST",
        "/2/media/subtitles",
        json={
            "id": "1880028106020515840",
            "media_category": "TweetVideo",
            "subtitles": {
                "id": "1880028106020515841",
                "language_code": "FR",
                "display_name": "français",
            },
        },
    )


class FakeX:
    """X's chunked upload and subtitles; the French track's attachment answers ``answer``."""

    def __init__(self, answer: Response | None = None, processing: int = 1) -> None:
        self.answer = answer
        self.processing = processing  # status polls before the video is processed
        self.ids = iter(range(1880028106020515840, 1880028106020515900))
        self.kinds: dict[str, str] = {}
        self.bytes: dict[str, bytes] = {}
        self.subtitles: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/2/media/upload/initialize":
            media_id = str(next(self.ids))
            self.kinds[media_id] = request.get_json()["media_type"]
            self.bytes[media_id] = b""
            return self.ok({"id": media_id, "expires_after_secs": 86400})
        if path.endswith("/append"):
            media_id = path.split("/")[-2]
            self.bytes[media_id] += request.files["media"].read()
            return Response(status=204)
        if path.endswith("/finalize"):
            media_id = path.split("/")[-2]
            state = "pending" if self.kinds[media_id] == "video/mp4" else "succeeded"
            return self.ok(
                {"id": media_id, "processing_info": {"state": state, "check_after_secs": 1}}
            )
        if path == "/2/media/upload" and request.method == "GET":
            self.processing -= 1
            state = "in_progress" if self.processing > 0 else "succeeded"
            return self.ok({"id": request.args["media_id"], "processing_info": {"state": state}})
        if path == "/2/media/metadata":
            return self.ok({"id": request.get_json()["id"]})
        if path == "/2/media/subtitles":
            body = request.get_json()
            track = body["subtitles"]
            if self.answer is not None and track["language_code"] == "FR":
                return self.answer
            self.subtitles.append(body)
            return self.ok({"id": body["id"], "media_category": "TweetVideo"})
        if path == "/2/tweets":
            self.posts.append(request.get_json())
            return self.ok({"id": "1880028106020515999", "text": "x"}, status=201)
        return Response(status=404)

    @staticmethod
    def ok(data: dict[str, Any], status: int = 200) -> Response:
        return Response(json.dumps({"data": data}), status=status, content_type=JSON)


def serve(xserver: FakePlatformServer, fake: FakeX) -> XConnector:
    for method in ("GET", "POST"):
        xserver.expect_request("", method=method).respond_with_handler(fake.handle)
    return make_connector(xserver.url_for("").rstrip("/"), timeout=5)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media.time, "sleep", lambda _: None)


def test_a_video_goes_with_a_subrip_track_a_language(xserver: FakePlatformServer) -> None:
    fake = FakeX(processing=2)
    post = OutboundPost(text="Closed tonight.", idempotency_key="v1", media=(video("en", "fr"),))
    with serve(xserver, fake) as connector:
        result = connector.publish(post)
    assert result.note == ""
    [sent] = fake.posts
    [video_id] = sent["media"]["media_ids"]
    assert fake.bytes[video_id] == CLIP and fake.kinds[video_id] == "video/mp4"
    assert [s["subtitles"]["language_code"] for s in fake.subtitles] == ["EN", "FR"]
    assert {s["id"] for s in fake.subtitles} == {video_id}
    french = fake.subtitles[1]["subtitles"]
    assert fake.kinds[french["id"]] == "text/srt"
    assert fake.bytes[french["id"]].decode() == subrip(VTT_FR)
    assert french["display_name"] == "français"


REFUSALS = [
    (
        "refused",
        Response(
            json.dumps({"title": "Invalid Request", "detail": "bad subtitles"}),
            status=400,
            content_type=JSON,
        ),
        "X refused them",
    ),
    ("malformed", Response("{not json", content_type=JSON), "unexpected answer"),
    ("no data", Response(json.dumps({"errors": []}), content_type=JSON), "unexpected answer"),
]


@pytest.mark.parametrize(("name", "answer", "said"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_captions_refused_leave_the_video_published_and_say_so(
    xserver: FakePlatformServer, name: str, answer: Response, said: str
) -> None:
    fake = FakeX(answer)
    post = OutboundPost(text="Closed tonight.", idempotency_key="v2", media=(video("en", "fr"),))
    with serve(xserver, fake) as connector:
        result = connector.publish(post)
    assert len(fake.posts) == 1
    assert [s["subtitles"]["language_code"] for s in fake.subtitles] == ["EN"]
    assert result.note.startswith("Published without some captions: fr: ")
    assert said in result.note


def test_a_temporary_failure_of_a_caption_sends_nothing_yet(xserver: FakePlatformServer) -> None:
    fake = FakeX(Response("busy", status=503))
    post = OutboundPost(text="Closed tonight.", idempotency_key="v3", media=(video("en", "fr"),))
    with serve(xserver, fake) as connector, pytest.raises(RetryableError):
        connector.publish(post)
    assert fake.posts == []


def test_video_checks_before_anything_is_sent() -> None:
    image = MediaItem("map.png", "image/png", b"png")
    with make_connector("http://127.0.0.1:9") as connector:
        for items in ((video("en"), image), (MediaItem("a.webm", "video/webm", b"0"),)):
            with pytest.raises(RejectedError):
                connector.publish(OutboundPost(text="x", idempotency_key="k", media=items))
