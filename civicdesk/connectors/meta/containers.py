"""Two-step publishing (Instagram, Threads): create a media container, wait, publish it.

Creating a container publishes nothing, so a container call that times out is safe to
retry; only the final publish call can leave the outcome unknown.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from civicdesk.connectors.base import (
    OutcomeUnknownError,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.meta.graph import GraphConnector
from civicdesk.connectors.meta.shapes import ShapeError, id_of

READY = {"FINISHED"}
FAILED = {"ERROR", "EXPIRED"}


def create_container(connector: GraphConnector, path: str, data: Mapping[str, Any]) -> str:
    """A container id; any failure here leaves nothing published, so it is retryable."""
    try:
        body = connector.call("POST", path, write=True, data=data)
        return id_of(body.get("id"), "container id")
    except OutcomeUnknownError as exc:
        raise RetryableError(
            f"creating the media container did not finish ({exc.message}); nothing was published",
            status=exc.status,
        ) from None
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer creating a container: {exc}") from None


def wait_until_ready(connector: GraphConnector, container_id: str, *, field: str) -> None:
    """Poll the container's ``field`` (status_code on Instagram, status on Threads)."""
    for attempt in range(max(1, connector.poll_attempts)):
        body = connector.read(
            f"/{container_id}",
            fields=f"{field},status" if field != "status" else "status,error_message",
        )
        status = body.get(field)
        if not isinstance(status, str):
            raise RetryableError(f"the container's {field} is missing")
        if status in READY or status == "PUBLISHED":
            return
        if status in FAILED:
            detail = body.get("error_message") or body.get("status") or status
            raise RejectedError(
                f"{connector.platform} could not process the media: {detail}", platform_code=status
            )
        if attempt + 1 < connector.poll_attempts:
            time.sleep(connector.poll_interval)
    raise RetryableError(
        f"{connector.platform} is still processing the media; trying later", retry_after=60
    )


def publish_container(connector: GraphConnector, path: str, container_id: str) -> str:
    body = connector.call("POST", path, write=True, data={"creation_id": container_id})
    try:
        return id_of(body.get("id"), "published id")
    except ShapeError as exc:
        raise OutcomeUnknownError(f"unexpected answer to publishing: {exc}") from None
