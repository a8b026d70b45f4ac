"""Images for X posts: checked against X's limits, uploaded, given their alt text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from civicdesk.connectors.base import Capability, MediaItem, RejectedError, RetryableError

from .shapes import ShapeError, obj, x_id

if TYPE_CHECKING:
    from .connector import XConnector

MAX_MEDIA = 4


def upload_all(api: XConnector, media: Sequence[MediaItem]) -> list[str]:
    """X's media ids for a post's images, all checked before the first is sent."""
    if len(media) > MAX_MEDIA:
        raise RejectedError(f"X takes at most {MAX_MEDIA} images a post")
    for item in media:
        if not item.content_type.startswith("image/"):
            raise RejectedError(api.limitations[Capability.MEDIA])
    return [api._upload(item) for item in media]


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
    if item.alt_text:
        api.request(
            "POST",
            "/2/media/metadata",
            expected=(200, 201),
            json={
                "id": media_id,
                "metadata": {"alt_text": {"text": item.alt_text[:1000]}},
            },
        )
    return media_id
