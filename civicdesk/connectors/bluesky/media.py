"""Images for Bluesky posts: checked against the lexicon's limits, uploaded as blobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import OutboundPost, RejectedError, RetryableError
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.shapes import ShapeError

if TYPE_CHECKING:
    from civicdesk.connectors.bluesky.connector import BlueskyConnector

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images: maxSize of an image blob


def images_embed(api: BlueskyConnector, post: OutboundPost) -> dict[str, Any]:
    """The ``app.bsky.embed.images`` embed of a post's images, each uploaded first."""
    if len(post.media) > MAX_IMAGES:
        raise RejectedError(f"Bluesky takes at most {MAX_IMAGES} images a post")
    images = []
    for item in post.media:
        if not item.content_type.startswith("image/"):
            raise RejectedError("Civic Desk posts only images to Bluesky, not video")
        if len(item.data) > MAX_IMAGE_BYTES:
            raise RejectedError("Bluesky takes images of at most 1 MB; make it smaller")
        # Uploading is not a post: a blob nobody links to is dropped by the PDS.
        data = api.xrpc(
            "POST",
            "com.atproto.repo.uploadBlob",
            content=item.data,
            headers={"Content-Type": item.content_type},
        )
        try:
            blob = shapes.obj(shapes.obj(data, "the answer").get("blob"), "blob")
            shapes.obj(blob.get("ref"), "blob.ref")
        except ShapeError as exc:
            raise RetryableError(f"unexpected upload answer: {exc}") from None
        images.append({"alt": item.alt_text, "image": dict(blob)})
    return {"$type": "app.bsky.embed.images", "images": images}
