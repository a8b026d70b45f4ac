"""Which connector class serves which platform."""

from __future__ import annotations

from django.utils.module_loading import import_string

from civicdesk.connectors.base import Connector

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
