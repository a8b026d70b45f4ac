"""Which connector class serves which platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from django.utils.module_loading import import_string

from civicdesk.connectors.auth import AuthFlow
from civicdesk.connectors.base import Capability, Connector

if TYPE_CHECKING:
    from civicdesk.organizations.models import Channel

# Platform slug -> dotted path of its connector class. One sub-package per platform.
CONNECTORS: dict[str, str] = {
    "exnet": "civicdesk.connectors.exnet.connector.ExnetConnector",
    "x": "civicdesk.connectors.x.connector.XConnector",
    "facebook": "civicdesk.connectors.facebook.connector.FacebookConnector",
    "instagram": "civicdesk.connectors.instagram.connector.InstagramConnector",
    "threads": "civicdesk.connectors.threads.connector.ThreadsConnector",
    "linkedin": "civicdesk.connectors.linkedin.connector.LinkedInConnector",
    "youtube": "civicdesk.connectors.youtube.connector.YouTubeConnector",
    "mastodon": "civicdesk.connectors.mastodon.connector.MastodonConnector",
    "bluesky": "civicdesk.connectors.bluesky.connector.BlueskyConnector",
    "newsroom": "civicdesk.connectors.newsroom.connector.NewsroomConnector",
}

# Platform slug -> dotted path of its authorization flow (see connectors/auth.py).
AUTH_FLOWS: dict[str, str] = {
    "exnet": "civicdesk.connectors.exnet.auth.ExnetAuthFlow",
    "x": "civicdesk.connectors.x.auth.XAuthFlow",
    "facebook": "civicdesk.connectors.facebook.auth.FacebookAuthFlow",
    "instagram": "civicdesk.connectors.instagram.auth.InstagramAuthFlow",
    "threads": "civicdesk.connectors.threads.auth.ThreadsAuthFlow",
    "linkedin": "civicdesk.connectors.linkedin.auth.LinkedInAuthFlow",
    "youtube": "civicdesk.connectors.youtube.auth.YouTubeAuthFlow",
    "mastodon": "civicdesk.connectors.mastodon.auth.MastodonAuthFlow",
    "bluesky": "civicdesk.connectors.bluesky.auth.BlueskyAuthFlow",
    "newsroom": "civicdesk.connectors.newsroom.auth.NewsroomAuthFlow",
}


def connector_class(platform: str) -> type[Connector]:
    try:
        path = CONNECTORS[platform]
    except KeyError:
        raise LookupError(f"no connector for platform {platform!r}") from None
    cls: type[Connector] = import_string(path)
    return cls


def connector_for(channel: Channel, *, client: httpx.Client | None = None) -> Connector:
    """A ready connector for a channel, with fresh decrypted credentials and its base URL."""
    from django.conf import settings

    from civicdesk.connectors.tokens import ensure_fresh

    channel = ensure_fresh(channel)
    cls = connector_class(channel.platform)
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


UNAVAILABLE = "This platform is not available in this installation."


def _class_or_none(platform: str) -> type[Connector] | None:
    try:
        return connector_class(platform)
    except (ImportError, LookupError):
        return None


def supports(platform: str, capability: Capability) -> bool:
    """Whether Civic Desk can do this on the platform at all."""
    cls = _class_or_none(platform)
    return cls is not None and capability in cls.capabilities


def limitation(platform: str, capability: Capability) -> str:
    """The platform's own sentence about this capability; "" when it has none."""
    cls = _class_or_none(platform)
    return UNAVAILABLE if cls is None else cls.limitations.get(capability, "")


def can_publish(platform: str) -> bool:
    """Whether Civic Desk can post to this platform at all (YouTube and feeds cannot)."""
    return supports(platform, Capability.PUBLISH)


def limitations_for(channel: Channel) -> list[str]:
    """What the channel's platform cannot do, in the users' words."""
    cls = _class_or_none(channel.platform)
    if cls is None:
        return [UNAVAILABLE]
    notes = list(dict.fromkeys(cls.limitations.values()))  # one sentence may cover two
    if Capability.PUBLISH not in cls.capabilities and Capability.PUBLISH not in cls.limitations:
        notes.append(f"{channel.get_platform_display()} does not take posts from Civic Desk.")
    return notes


def publishing_platforms() -> list[str]:
    return [platform for platform in CONNECTORS if can_publish(platform)]


def auth_flow_class(platform: str) -> type[AuthFlow]:
    try:
        path = AUTH_FLOWS[platform]
    except KeyError:
        raise LookupError(f"no way to connect an account on {platform!r}") from None
    cls: type[AuthFlow] = import_string(path)
    return cls


def auth_flow_for(platform: str, *, base_url: str = "",
                  client: httpx.Client | None = None) -> AuthFlow:
    """The platform's authorization flow with the organization's registered app."""
    from django.conf import settings

    cls = auth_flow_class(platform)
    return cls(app=settings.PLATFORM_APPS.get(platform, {}),
               base_url=base_url or settings.PLATFORM_API_URLS.get(platform, ""),
               client=client, timeout=settings.CONNECTOR_TIMEOUT_SECONDS)
