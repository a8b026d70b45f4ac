"""The limits a post on one channel is measured against: its platform's, or the ones the
channel's own server announces (a Mastodon instance chooses its characters and media).

The composer, the checks on submission and approval, and the publisher all ask
``channel_rules``, so they count a text the same way. A server's limits are read over HTTP
and kept a while: they change rarely, and the composer asks on every keystroke.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from civicdesk.connectors.base import ConnectorError
from civicdesk.connectors.registry import connector_class, connector_for
from civicdesk.connectors.spec import PlatformRules
from civicdesk.organizations.models import Channel
from civicdesk.rules import UnknownPlatformError, platform_limits

logger = logging.getLogger(__name__)

# An instance changes its limits rarely; asking it on every keystroke would be rude and slow.
KNOWN_SECONDS = 6 * 3600
# A server that did not answer is asked again after a while, not on every keystroke.
UNKNOWN_SECONDS = 300


def _key(channel: Channel) -> str:
    return f"civicdesk:channel-rules:{channel.pk}:{channel.api_base_url}"


def announced_rules(channel: Channel) -> PlatformRules | None:
    """The limits the channel's own server announced (kept a while), or None when its
    platform has one set of limits or its server could not be asked."""
    try:
        if not connector_class(channel.platform).announces_limits:
            return None
    except LookupError:
        return None
    cached = cache.get(_key(channel))
    if isinstance(cached, tuple) and len(cached) == 1:
        found: PlatformRules | None = cached[0]
        return found
    try:
        with connector_for(channel) as connector:
            rules = connector.fetch_account_rules()
    except ConnectorError as error:
        # The platform's defaults apply meanwhile; the server refuses anything too long.
        logger.info("limits of channel %s unknown: %s", channel.pk, error)
        cache.set(_key(channel), (None,), UNKNOWN_SECONDS)
        return None
    cache.set(_key(channel), (rules,), KNOWN_SECONDS)
    return rules


def channel_rules(channel: Channel) -> PlatformRules | None:
    """The rules a post on ``channel`` is measured against; None for a platform that takes
    no posts (or one this installation does not know)."""
    try:
        default = platform_limits(channel.platform)
    except UnknownPlatformError:
        return None
    return announced_rules(channel) or default


def forget_rules(channel: Channel) -> None:
    """Read the server's limits again next time (after the channel's address changed)."""
    cache.delete(_key(channel))
