"""Media for Mastodon statuses: uploaded, then waited for while the instance processes it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from civicdesk.connectors.base import MediaItem, RetryableError

from .shapes import ShapeError, obj, snowflake

if TYPE_CHECKING:
    from .connector import MastodonConnector


def upload(api: MastodonConnector, item: MediaItem) -> str:
    """The media id to attach, once the instance has the file ready."""
    # Not a write in the publisher's sense: an unattached upload is never shown and the
    # instance removes it, so a lost answer is simply retried.
    files = {"file": (item.filename, item.data, item.content_type)}
    data = {"description": item.alt_text} if item.alt_text else {}
    response = api.request("POST", "/api/v2/media", files=files, data=data, expected=(200, 202))
    try:
        body = obj(api.json_of(response), "the answer")
        media_id = snowflake(body.get("id"), "id")
        ready = body.get("url") is not None
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer to an upload: {exc}") from None
    for delay in api.media_poll_delays:
        if ready:
            return media_id
        time.sleep(delay)
        response = api.request("GET", f"/api/v1/media/{media_id}", expected=(200, 206))
        if response.status_code == 200:
            try:
                body = obj(api.json_of(response), "the answer")
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer about an upload: {exc}") from None
            ready = body.get("url") is not None
    if ready:
        return media_id
    raise RetryableError("the instance is still processing the media; try again shortly")
