"""Images for LinkedIn posts, through the Images API before the post is created."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicdesk.connectors.base import MediaItem, OutcomeUnknownError, RejectedError, RetryableError
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.shapes import ShapeError

if TYPE_CHECKING:
    from civicdesk.connectors.linkedin.connector import LinkedInConnector


def upload_image(api: LinkedInConnector, item: MediaItem) -> dict[str, str]:
    """Initialize an upload, send the bytes; the image URN and its alt text.

    Nothing is public until the post is created, so a lost answer here is simply
    retried (an unused image upload is harmless).
    """
    if not item.content_type.startswith("image/"):
        raise RejectedError(f"LinkedIn posts take images here, not {item.content_type}")
    try:
        response = api.request(
            "POST",
            "/images",
            params={"action": "initializeUpload"},
            write=True,
            json={"initializeUploadRequest": {"owner": api.organization}},
            expected=(200, 201),
        )
        data = api.json_of(response, write=True)
        try:
            value = s.obj(s.obj(data, "the answer").get("value"), "value")
            upload_url = s.text(value.get("uploadUrl"), "uploadUrl", optional=False)
            image = s.urn(value.get("image"), "image")
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer to an image upload: {exc}") from None
        if not upload_url.startswith(("https://", "http://")):
            raise RetryableError("LinkedIn gave an upload address that is not a URL")
        api.request(
            "PUT",
            upload_url,
            write=True,
            content=item.data,
            headers={"Content-Type": item.content_type},
            expected=(200, 201),
        )
    except OutcomeUnknownError as exc:
        raise RetryableError(
            f"image upload interrupted: {exc.message}", status=exc.status
        ) from None
    media = {"id": image}
    if item.alt_text:
        media["altText"] = item.alt_text[:4086]
    return media
