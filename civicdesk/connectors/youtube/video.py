"""A video on a YouTube channel, with its captions (Data API v3 ``videos.insert`` and
``captions.insert`` through Google's resumable upload).

The post's first line is the video's title (YouTube asks for one, at most 100 characters)
and its whole text the description; YouTube refuses "<" and ">" in both, so they are left
out. Each upload starts a session (``POST /upload/youtube/v3/<resource>?uploadType=
resumable`` with the metadata; the answer's ``Location`` is the session) and sends the file
there with ``PUT``. Starting a session publishes nothing, so it is retried freely; the
video's ``PUT`` is the write whose outcome may be unknown, and the check then looks for the
title and description among the channel's uploads.

Captions follow the video, one WebVTT track a language. By then the video is live, so no
failure of a caption track can send it again: every track that does not go (refused,
answered in a shape we cannot read, or a temporary failure) is left out, and the
publication's note says which, to be added in YouTube Studio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    CaptionTrack,
    ConnectorError,
    MediaItem,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.youtube import shapes as s
from civicdesk.connectors.youtube.shapes import ShapeError
from civicdesk.rules import language_name
from civicdesk.rules.video import CaptionsError, webvtt

if TYPE_CHECKING:
    from civicdesk.connectors.youtube.connector import YouTubeConnector

UPLOAD = "/upload/youtube/v3"
MAX_TITLE = 100
# How many of the channel's latest uploads an interrupted attempt is looked for among.
CHECK_UPLOADS = 25


def title_and_description(post: OutboundPost) -> tuple[str, str]:
    text = post.text
    if post.link and post.link not in text:
        text = f"{text}\n{post.link}" if text else post.link
    text = text.replace("<", "").replace(">", "").strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = first
    if len(title) > MAX_TITLE:
        cut = title[: MAX_TITLE - 1]
        title = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"
    return title or "Video", text


def the_video(post: OutboundPost) -> MediaItem:
    if len(post.media) != 1 or not post.media[0].content_type.startswith("video/"):
        raise RejectedError("YouTube takes one video a post, and nothing else beside it")
    item = post.media[0]
    if item.content_type != "video/mp4":
        raise RejectedError("Civic Desk sends MP4 videos to YouTube")
    return item


def _session(
    api: YouTubeConnector,
    resource: str,
    part: str,
    metadata: Mapping[str, Any],
    content_type: str,
    size: int,
) -> str:
    """Start a resumable upload; the session's address."""
    response = api.request(
        "POST",
        f"{UPLOAD}/{resource}",
        params={"uploadType": "resumable", "part": part},
        json=dict(metadata),
        headers={"X-Upload-Content-Type": content_type, "X-Upload-Content-Length": str(size)},
        expected=(200, 201),
    )
    location = response.headers.get("location", "")
    if not location.startswith(("http://", "https://")):
        raise RetryableError(
            "YouTube started no upload session (no Location)", status=response.status_code
        )
    return location


def publish_video(api: YouTubeConnector, post: OutboundPost) -> PublishResult:
    item = the_video(post)
    title, description = title_and_description(post)
    snippet: dict[str, Any] = {"title": title, "description": description}
    if post.language:
        snippet["defaultLanguage"] = post.language
    metadata = {
        "snippet": snippet,
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
    }
    session = _session(api, "videos", "snippet,status", metadata, item.content_type, len(item.data))
    response = api.request(
        "PUT",
        session,
        write=True,
        content=item.data,
        headers={"Content-Type": item.content_type},
        expected=(200, 201),
    )
    try:
        video_id = s.string(s.obj(api.json_of(response, write=True), "the answer").get("id"), "id")
    except ShapeError as exc:
        raise OutcomeUnknownError(
            f"unexpected answer to a video upload: {exc}", status=response.status_code
        ) from None
    refused = add_captions(api, video_id, item.caption_tracks)
    note = ""
    if refused:
        note = "Published without some captions (add them in YouTube Studio): " + "; ".join(refused)
    return PublishResult(
        remote_id=video_id,
        url=f"https://www.youtube.com/watch?v={video_id}",
        published_at=datetime.now(UTC),
        note=note,
    )


def add_captions(api: YouTubeConnector, video_id: str, tracks: Sequence[CaptionTrack]) -> list[str]:
    """Add each caption track to the live video; the ones left out, each with why."""
    refused = []
    for track in tracks:
        try:
            data = webvtt(track.webvtt).encode("utf-8")
        except CaptionsError as exc:
            refused.append(f"{track.language}: {exc}")
            continue
        metadata = {
            "snippet": {
                "videoId": video_id,
                "language": track.language,
                "name": language_name(track.language, track.language),
                "isDraft": False,
            }
        }
        try:
            session = _session(api, "captions", "snippet", metadata, "text/vtt", len(data))
            response = api.request(
                "PUT",
                session,
                content=data,
                headers={"Content-Type": "text/vtt"},
                expected=(200, 201),
            )
            body = response.json()
            s.string(s.obj(body, "the answer").get("id"), "caption id")
        except ConnectorError as exc:
            refused.append(f"{track.language}: YouTube did not take them ({exc.message})")
        except (ShapeError, ValueError) as exc:
            refused.append(f"{track.language}: unexpected answer to their upload ({exc})")
    return refused


def find_upload(api: YouTubeConnector, post: OutboundPost) -> PublishResult | None:
    """Our video among the channel's latest uploads, by its title and description."""
    title, description = title_and_description(post)
    channel = api.channel_id
    if not channel.startswith("UC"):
        raise RejectedError("the channel has no YouTube channel id; reconnect it")
    response = api.request(
        "GET",
        "/youtube/v3/playlistItems",
        params={
            "part": "snippet",
            "playlistId": "UU" + channel[2:],
            "maxResults": CHECK_UPLOADS,
        },
        expected=(200,),
    )
    try:
        entries = s.obj(api.json_of(response), "the answer").get("items") or []
        if not isinstance(entries, list):
            raise ShapeError("items is not a list")
        for entry in entries:
            snippet = s.obj(s.obj(entry, "an item").get("snippet"), "snippet")
            if (
                snippet.get("title") == title
                and (snippet.get("description") or "").strip() == description
            ):
                resource = s.obj(snippet.get("resourceId"), "resourceId")
                video_id = s.string(resource.get("videoId"), "videoId")
                return PublishResult(
                    remote_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}"
                )
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer listing the uploads: {exc}") from None
    return None
