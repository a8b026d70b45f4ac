"""Which connector class serves which platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from django.utils.module_loading import import_string

from civicdesk.connectors.base import Connector

if TYPE_CHECKING:
    from civicdesk.organizations.models import Channel

# Platform slug -> dotted path of its connector class. One sub-package per platform.
CONNECTORS: dict[str, str] = {
    "exnet": "civicdesk.connectors.exnet.connector.ExnetConnector",
}


def connector_class(platform: str) -> type[Connector]:
    try:
        path = CONNECTORS[platform]
    except KeyError:
        raise LookupError(f"no connector for platform {platform!r}") from None
    cls: type[Connector] = import_string(path)
    return cls


def connector_for(channel: Channel, *, client: httpx.Client | None = None) -> Connector:
    """A ready connector for a channel, with its decrypted credentials and base URL."""
    from django.conf import settings

    cls = connector_class(channel.platform)
    base_url = channel.api_base_url
    if not base_url and channel.platform == "exnet":
        base_url = settings.EXNET_BASE_URL
    return cls(
        base_url=base_url,
        credentials=channel.get_credentials(),
        handle=channel.handle,
        client=client,
        timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
    )
