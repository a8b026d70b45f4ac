"""Images and video for Bluesky posts: checked against the lexicon's limits, uploaded as
blobs; a video carries its captions, one WebVTT blob a language (``app.bsky.embed.video``).

Captions are part of the video, not of the post: a caption file the PDS refuses (or answers
about in a shape we cannot read) leaves that language out, the video still goes, and the
publication's note says which captions did not. A temporary failure (5xx, rate limit,
timeout) is raised as usual: nothing is posted before every blob is up, so the whole
publication is simply tried again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    CaptionTrack,
    MediaItem,
    OutboundPost,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.shapes import ShapeError
from civicdesk.rules.video import CaptionsError, webvtt

if TYPE_CHECKING:
    from civicdesk.connectors.bluesky.connector import BlueskyConnector

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images: maxSize of an image blob
MAX_VIDEO_BYTES = 100_000_000  # app.bsky.embed.video: maxSize of the video blob
MAX_CAPTION_BYTES = 20_000  # app.bsky.embed.video#caption: maxSize of a caption file
MAX_CAPTIONS = 20  # app.bsky.embed.video: maxLength of captions


def embed(api: BlueskyConnector, post: OutboundPost) -> tuple[dict[str, Any], str]:
    """The post's media embed, and a note on captions that did not go ("" when all did)."""
    videos = [item for item in post.media if item.content_type.startswith("video/")]
    if not videos:
        return images_embed(api, post), ""
    if len(post.media) > 1:
        raise RejectedError("Bluesky takes one video a post, without images beside it")
    return video_embed(api, videos[0])


def _upload(api: BlueskyConnector, data: bytes, content_type: str) -> dict[str, Any]:
    """Upload one blob; ShapeError when the answer is not JSON or not a blob."""
    # Uploading is not a post: a blob nobody links to is dropped by the PDS.
    response = api.request(
        "POST",
        "/xrpc/com.atproto.repo.uploadBlob",
        expected=(200,),
        content=data,
        headers={"Content-Type": content_type},
    )
    try:
        answer = response.json()
    except ValueError:
        raise ShapeError(f"malformed JSON (HTTP {response.status_code})") from None
    blob = shapes.obj(shapes.obj(answer, "the answer").get("blob"), "blob")
    shapes.obj(blob.get("ref"), "blob.ref")
    return dict(blob)


def images_embed(api: BlueskyConnector, post: OutboundPost) -> dict[str, Any]:
    """The ``app.bsky.embed.images`` embed of a post's images, each uploaded first."""
    if len(post.media) > MAX_IMAGES:
        raise RejectedError(f"Bluesky takes at most {MAX_IMAGES} images a post")
    images = []
    for item in post.media:
        if not item.content_type.startswith("image/"):
            raise RejectedError(f"Bluesky does not take {item.content_type} files")
        if len(item.data) > MAX_IMAGE_BYTES:
            raise RejectedError("Bluesky takes images of at most 1 MB; make it smaller")
        try:
            blob = _upload(api, item.data, item.content_type)
        except ShapeError as exc:
            raise RetryableError(f"unexpected upload answer: {exc}") from None
        images.append({"alt": item.alt_text, "image": blob})
    return {"$type": "app.bsky.embed.images", "images": images}


def video_embed(api: BlueskyConnector, item: MediaItem) -> tuple[dict[str, Any], str]:
    """The ``app.bsky.embed.video`` embed of one video with its captions, and a note on the
    caption tracks left out."""
    if item.content_type != "video/mp4":
        raise RejectedError("Bluesky takes MP4 videos only")
    if len(item.data) > MAX_VIDEO_BYTES:
        raise RejectedError("Bluesky takes videos of at most 100 MB")
    try:
        video = _upload(api, item.data, "video/mp4")
    except ShapeError as exc:
        raise RetryableError(f"unexpected upload answer: {exc}") from None
    captions, refused = _captions(api, item.caption_tracks)
    record: dict[str, Any] = {"$type": "app.bsky.embed.video", "video": video}
    if item.alt_text:
        record["alt"] = item.alt_text[:1000]
    if captions:
        record["captions"] = captions
    note = ""
    if refused:
        note = "Published without some captions: " + "; ".join(refused)
    return record, note


def _captions(
    api: BlueskyConnector, tracks: Sequence[CaptionTrack]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each track uploaded as a WebVTT blob; the ones left out, each with why."""
    captions: list[dict[str, Any]] = []
    refused: list[str] = []
    for track in tracks:
        if len(captions) >= MAX_CAPTIONS:
            refused.append(f"{track.language}: Bluesky takes at most {MAX_CAPTIONS} tracks")
            continue
        try:
            data = webvtt(track.webvtt).encode("utf-8")
        except CaptionsError as exc:
            refused.append(f"{track.language}: {exc}")
            continue
        if len(data) > MAX_CAPTION_BYTES:
            refused.append(f"{track.language}: Bluesky takes caption files of at most 20 kB")
            continue
        try:
            blob = _upload(api, data, "text/vtt")
        except RejectedError as exc:
            refused.append(f"{track.language}: Bluesky refused them ({exc})")
            continue
        except ShapeError as exc:
            refused.append(f"{track.language}: unexpected answer to their upload ({exc})")
            continue
        captions.append({"lang": track.language, "file": blob})
    return captions, refused
