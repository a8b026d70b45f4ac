"""A video on a Facebook Page, with its captions (Graph API ``/{page-id}/videos`` and
``/{video-id}/captions``).

The video is the post: its description carries the text. Captions are added to the video once
it is up, one SubRip file a language named ``captions.<locale>.srt`` as Facebook asks, the
first language the default. By then the video is live, so no failure of a caption track can
send it again: every track that does not go (refused, answered in a shape we cannot read,
or a temporary failure) is left out, and the publication's note says which, to be added in
Meta Business Suite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from civicdesk.connectors.base import (
    CaptionTrack,
    ConnectorError,
    MediaItem,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
)
from civicdesk.connectors.meta.shapes import ShapeError, id_of
from civicdesk.rules.video import CaptionsError, subrip

if TYPE_CHECKING:
    from civicdesk.connectors.facebook.connector import FacebookConnector

# Facebook takes a video of up to 1 GB in one request (larger ones need its resumable upload).
MAX_VIDEO_BYTES = 1024 * 1024 * 1024
# Facebook names caption languages by locale; where a language has several, its main one.
LOCALES = {"ar": "ar_AR", "en": "en_US", "es": "es_ES", "fr": "fr_FR", "pt": "pt_PT", "zh": "zh_CN"}


def locale_of(language: str) -> str:
    base, _, region = language.replace("_", "-").partition("-")
    base = base.lower()
    if region:
        return f"{base}_{region.upper()}"
    return LOCALES.get(base, f"{base}_{base.upper()}")


def publish_video(api: FacebookConnector, post: OutboundPost, item: MediaItem) -> PublishResult:
    """Publish the video with the post's text as its description, then its captions."""
    if item.content_type != "video/mp4":
        raise RejectedError("Civic Desk sends MP4 videos to Facebook")
    if len(item.data) > MAX_VIDEO_BYTES:
        raise RejectedError("Facebook takes videos of at most 1 GB from Civic Desk")
    # As a photo's message: the link appended (a video has no separate link field either).
    description = post.text
    if post.link and post.link not in post.text:
        description = f"{post.text}\n{post.link}" if post.text else post.link
    body = api.call(
        "POST",
        f"/{api.page_id}/videos",
        write=True,
        data={"description": description, "published": "true"},
        files={"source": (item.filename or "video.mp4", item.data, item.content_type)},
    )
    try:
        video_id = id_of(body.get("id"), "video id")
    except ShapeError as exc:
        raise OutcomeUnknownError(f"unexpected answer to a video upload: {exc}") from None
    refused = add_captions(api, video_id, item.caption_tracks)
    note = ""
    if refused:
        note = "Published without some captions (add them in Meta Business Suite): " + "; ".join(
            refused
        )
    return PublishResult(
        remote_id=video_id,
        url=f"https://www.facebook.com/{api.page_id}/videos/{video_id}",
        note=note,
    )


def add_captions(
    api: FacebookConnector, video_id: str, tracks: Sequence[CaptionTrack]
) -> list[str]:
    """Add each caption track to the live video; the ones left out, each with why."""
    refused = []
    for index, track in enumerate(tracks):
        locale = locale_of(track.language)
        try:
            srt = subrip(track.webvtt).encode("utf-8")
        except CaptionsError as exc:
            refused.append(f"{track.language}: {exc}")
            continue
        data = {"default_locale": locale} if index == 0 else {}
        try:
            body = api.call(
                "POST",
                f"/{video_id}/captions",
                data=data,
                files={"captions_file": (f"captions.{locale}.srt", srt, "application/x-subrip")},
            )
        except ConnectorError as exc:
            refused.append(f"{track.language}: Facebook did not take them ({exc.message})")
            continue
        if body.get("success") is not True:
            refused.append(f"{track.language}: unexpected answer to their upload")
    return refused
