"""Images and video for X posts: checked against X's limits, uploaded, given their alt text;
a video is uploaded in chunks and carries its captions, one SubRip track a language.

A video goes through X's chunked upload (``/2/media/upload/initialize``, ``append``,
``finalize``, then the status until X has processed it). Each caption track is turned into
SubRip, uploaded the same way as ``subtitles`` media and attached to the video
(``/2/media/subtitles``) before the post is created. Captions are part of the video, not of
the post: a track X refuses (or answers about in a shape we cannot read) is left out, the
video still goes, and the publication's note says which captions did not. A temporary
failure (5xx, rate limit, timeout) is raised as usual: nothing is posted before every
upload is done, so the whole publication is simply tried again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from civicdesk.connectors.base import (
    Capability,
    CaptionTrack,
    MediaItem,
    RejectedError,
    RetryableError,
)
from civicdesk.rules import language_name
from civicdesk.rules.video import CaptionsError, subrip

from .shapes import ShapeError, obj, x_id

if TYPE_CHECKING:
    from .connector import XConnector

MAX_MEDIA = 4
MAX_VIDEO_BYTES = 512 * 1024 * 1024
# X takes chunks of up to 5 MB; 4 MB leaves room for the form around it.
CHUNK_BYTES = 4 * 1024 * 1024
# How long a worker waits for X to process a video before trying the publication later.
PROCESSING_WAIT_SECONDS = 120.0


def upload_all(api: XConnector, media: Sequence[MediaItem]) -> tuple[list[str], str]:
    """X's media ids for a post's images or video, all checked before the first is sent,
    and a note on captions that did not go ("" when all did)."""
    videos = [item for item in media if item.content_type.startswith("video/")]
    if videos:
        if len(media) > 1:
            raise RejectedError("X takes one video a post, without images beside it")
        return upload_video(api, videos[0])
    if len(media) > MAX_MEDIA:
        raise RejectedError(f"X takes at most {MAX_MEDIA} images a post")
    for item in media:
        if not item.content_type.startswith("image/"):
            raise RejectedError(api.limitations[Capability.MEDIA])
    return [api._upload(item) for item in media], ""


def upload(api: XConnector, item: MediaItem) -> str:
    # An upload that may have happened leaves at most an unused file on X, which
    # expires by itself, so media calls are retried freely (write=False).
    category = "tweet_gif" if item.content_type == "image/gif" else "tweet_image"
    response = api.request(
        "POST",
        "/2/media/upload",
        files={"media": (item.filename or "image", item.data, item.content_type)},
        data={"media_category": category},
        expected=(200, 201),
    )
    data = api.json_of(response)
    try:
        media_id = x_id(obj(obj(data, "the answer").get("data"), "data").get("id"), "media id")
    except ShapeError as exc:
        raise RetryableError(
            f"unexpected answer to a media upload: {exc}", status=response.status_code
        ) from None
    _describe(api, media_id, item.alt_text)
    return media_id


def _describe(api: XConnector, media_id: str, alt_text: str) -> None:
    if alt_text:
        api.request(
            "POST",
            "/2/media/metadata",
            expected=(200, 201),
            json={"id": media_id, "metadata": {"alt_text": {"text": alt_text[:1000]}}},
        )


def upload_video(api: XConnector, item: MediaItem) -> tuple[list[str], str]:
    """The video's media id, processed and described, with its caption tracks attached."""
    if item.content_type != "video/mp4":
        raise RejectedError("Civic Desk sends MP4 videos to X")
    if len(item.data) > MAX_VIDEO_BYTES:
        raise RejectedError("X takes videos of at most 512 MB")
    try:
        media_id = _chunked(api, item.data, "video/mp4", "tweet_video")
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer to a video upload: {exc}") from None
    _describe(api, media_id, item.alt_text)
    refused = [why for track in item.caption_tracks if (why := _subtitle(api, media_id, track))]
    note = "Published without some captions: " + "; ".join(refused) if refused else ""
    return [media_id], note


def _answer(response: httpx.Response) -> Mapping[str, Any]:
    """The ``data`` of an answer; ShapeError when it is not JSON or has none."""
    try:
        body = response.json()
    except ValueError:
        raise ShapeError(f"malformed JSON (HTTP {response.status_code})") from None
    return obj(obj(body, "the answer").get("data"), "data")


def _chunked(api: XConnector, data: bytes, media_type: str, category: str) -> str:
    """Upload ``data`` through X's chunked upload and wait until X has processed it."""
    started = api.request(
        "POST",
        "/2/media/upload/initialize",
        expected=(200, 201),
        json={"media_type": media_type, "total_bytes": len(data), "media_category": category},
    )
    media_id = x_id(_answer(started).get("id"), "media id")
    for index, start in enumerate(range(0, len(data), CHUNK_BYTES)):
        api.request(
            "POST",
            f"/2/media/upload/{media_id}/append",
            expected=(200, 201, 204),
            files={"media": ("chunk", data[start : start + CHUNK_BYTES], media_type)},
            data={"segment_index": str(index)},
        )
    finished = api.request("POST", f"/2/media/upload/{media_id}/finalize", expected=(200, 201))
    info = _answer(finished).get("processing_info")
    deadline = time.monotonic() + PROCESSING_WAIT_SECONDS
    while isinstance(info, dict) and info.get("state") in {"pending", "in_progress"}:
        if time.monotonic() > deadline:
            raise RetryableError("X is still processing the video; it will be tried again")
        wait = info.get("check_after_secs")
        time.sleep(min(max(wait if isinstance(wait, int) else 1, 1), 10))
        status = api.request(
            "GET",
            "/2/media/upload",
            expected=(200,),
            params={"media_id": media_id, "command": "STATUS"},
        )
        info = _answer(status).get("processing_info")
    if isinstance(info, dict) and info.get("state") == "failed":
        error = info.get("error")
        detail = error.get("message") if isinstance(error, dict) else None
        raise RejectedError(f"X could not process the file: {detail or 'no reason given'}")
    return media_id


def _subtitle(api: XConnector, video_id: str, track: CaptionTrack) -> str:
    """Attach one caption track to the video; "" when done, else why it was left out."""
    language = track.language
    try:
        srt = subrip(track.webvtt).encode("utf-8")
    except CaptionsError as exc:
        return f"{language}: {exc}"
    try:
        track_id = _chunked(api, srt, "text/srt", "subtitles")
        response = api.request(
            "POST",
            "/2/media/subtitles",
            expected=(200, 201),
            json={
                "id": video_id,
                "media_category": "TweetVideo",
                "subtitles": {
                    "id": track_id,
                    "language_code": language.split("-")[0].upper()[:2],
                    "display_name": language_name(language, language),
                },
            },
        )
        _answer(response)
    except RejectedError as exc:
        return f"{language}: X refused them ({exc})"
    except ShapeError as exc:
        return f"{language}: unexpected answer to their upload ({exc})"
    return ""
