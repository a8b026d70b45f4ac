"""Which connector class and which authorization flow serve which platform, and what a
channel can do there.

Both tables are built from the platforms' descriptions (``connectors/catalog.py``). Every
question about what a channel can do takes the channel: the connector class answers for
that account (an X channel on the free tier has no inbox), so the composer, the
conversation page, the moderation queue and the worker give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import httpx
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from civicdesk.connectors.base import Capability, Connector
from civicdesk.connectors.catalog import SPECS
from civicdesk.connectors.tokens import ensure_fresh
from civicdesk.core.outbound import is_guarded

if TYPE_CHECKING:
    from civicdesk.organizations.models import Channel

# Platform slug -> dotted path of its connector class. One sub-package per platform.
CONNECTORS: dict[str, str] = {slug: spec.connector for slug, spec in SPECS.items()}


def connector_class(platform: str) -> type[Connector]:
    try:
        path = CONNECTORS[platform]
    except KeyError:
        raise LookupError(f"no connector for platform {platform!r}") from None
    cls: type[Connector] = import_string(path)
    return cls


def connector_for(channel: Channel, *, client: httpx.Client | None = None) -> Connector:
    """A ready connector for a channel, with fresh decrypted credentials and its base URL."""
    channel = ensure_fresh(channel)
    cls = connector_class(channel.platform)
    if cls.typed_address and not is_guarded(client):
        # A shared client reaches anywhere; this platform's address was typed by a person,
        # so the connector makes (and closes) its own guarded one.
        client = None
    base_url = channel.api_base_url or settings.PLATFORM_API_URLS.get(channel.platform, "")
    if not base_url and channel.platform == "exnet":
        base_url = settings.EXNET_BASE_URL
    return cls(
        base_url=base_url,
        credentials=channel.get_credentials(),
        handle=channel.handle,
        client=client,
        timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
    )


UNAVAILABLE = gettext_lazy("This platform is not available in this installation.")


def _class_or_none(platform: str) -> type[Connector] | None:
    try:
        return connector_class(platform)
    except (ImportError, LookupError):
        return None


def _credentials(channel: Channel) -> dict[str, str]:
    try:
        return channel.get_credentials()
    except ValueError:
        # Unreadable with this key: the platform's general answer; using the channel will
        # ask for a reconnection anyway.
        return {}


def supports(channel: Channel, capability: Capability) -> bool:
    """Whether Civic Desk can do this on the channel: its platform, and its account's tier."""
    cls = _class_or_none(channel.platform)
    return cls is not None and capability in cls.channel_capabilities(_credentials(channel))


def limitation(channel: Channel, capability: Capability) -> str:
    """The platform's own sentence about this capability on the channel, in the active
    language; "" when none."""
    cls = _class_or_none(channel.platform)
    if cls is None:
        return str(UNAVAILABLE)
    return str(cls.channel_limitations(_credentials(channel)).get(capability, ""))


def limitations_for(channel: Channel) -> list[str]:
    """What the channel cannot do, in the users' words and the active language."""
    cls = _class_or_none(channel.platform)
    if cls is None:
        return [str(UNAVAILABLE)]
    credentials = _credentials(channel)
    limits = cls.channel_limitations(credentials)
    notes = list(dict.fromkeys(str(s) for s in limits.values()))  # one sentence may cover two
    if Capability.PUBLISH not in cls.channel_capabilities(credentials) and (
        Capability.PUBLISH not in limits
    ):
        notes.append(
            gettext("%(platform)s does not take posts from Civic Desk.")
            % {"platform": channel.get_platform_display()}
        )
    return notes


def reply_refusal(channel: Channel, *, direct: bool) -> str:
    """Why a message on the channel cannot be answered from Civic Desk; "" when it can.

    Asked by the conversation page and by the reply action alike.
    """
    needed = Capability.DIRECT_MESSAGES if direct else Capability.REPLY
    if supports(channel, needed):
        return ""
    return limitation(channel, needed) or (
        gettext("%(platform)s does not let us answer this from Civic Desk.")
        % {"platform": channel.get_platform_display()}
    )


def channels_that(capability: Capability, channels: Iterable[Channel]) -> list[Channel]:
    """The channels, in order, on which Civic Desk can do this."""
    return [channel for channel in channels if supports(channel, capability)]
