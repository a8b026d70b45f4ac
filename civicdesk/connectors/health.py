"""The periodic channel check: every few hours each active channel's platform is asked
whether the account still works, and the answer becomes the channel's health, which the
channels page and the dashboard show: working, having trouble, or needs reconnecting.

A failed publish or a refused token refresh says the same sooner; this check also catches a
channel nobody has posted on lately. A working answer does not clear the warning that the
authorization ends soon (``tokens.warn_expiring``): that one stays until the account is
reconnected. Health moves with a conditional UPDATE, so an answer never overwrites a
change made while the platform was being asked.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from civicdesk.connectors.base import ChannelHealth as Answer
from civicdesk.connectors.base import ConnectorError, UnsupportedError
from civicdesk.connectors.registry import connector_for
from civicdesk.connectors.tokens import authorization_ending
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, ChannelHealth

logger = logging.getLogger(__name__)

# Platforms whose channels are not accounts to ask about (a feed is checked on import).
NOT_CHECKED = frozenset({"newsroom"})


def check_every() -> float:
    return float(settings.CHANNEL_CHECK_INTERVAL_SECONDS)


def _ask(channel: Channel) -> Answer | None:
    """The platform's answer; None when it cannot be asked."""
    try:
        with connector_for(channel) as api:
            return api.check_health()
    except UnsupportedError:
        return None
    except ConnectorError as error:  # e.g. the token refresh before the call failed
        return Answer.failed(error)


def health_for(channel: Channel, answer: Answer) -> tuple[str, str]:
    """The health and detail a channel gets from the platform's answer."""
    if answer.ok:
        if channel.health != ChannelHealth.OK and authorization_ending(channel, now=timezone.now()):
            return channel.health, channel.health_detail  # the expiry warning stands
        return ChannelHealth.OK, ""
    if answer.reconnect:
        detail = f"The platform refused the authorization: {answer.detail}"
        return ChannelHealth.NEEDS_RECONNECTING, detail[:500]
    return ChannelHealth.DEGRADED, f"The platform check failed: {answer.detail}"[:500]


def check_channel(channel_id: int) -> str | None:
    """Ask the platform about one channel and record the answer. Returns the channel's health
    afterwards, or None when the channel is gone, inactive or not an account to ask about."""
    channel = (
        Channel.objects.filter(pk=channel_id, is_active=True)
        .exclude(platform__in=NOT_CHECKED)
        .select_related("brand")
        .first()
    )
    if channel is None:
        return None
    answer = _ask(channel)
    if answer is None:
        return None
    health, detail = health_for(channel, answer)
    if (health, detail) == (channel.health, channel.health_detail):
        return health
    moved = Channel.objects.filter(
        pk=channel.pk, health=channel.health, health_detail=channel.health_detail
    ).update(health=health, health_detail=detail)
    if moved != 1:
        return None  # changed meanwhile (a publish, a refresh, a reconnect): that stands
    logger.info("channel %s: health %s -> %s", channel.pk, channel.health, health)
    audit(
        organization=channel.brand.organization_id,
        actor=None,
        action="channel.health_checked",
        target=channel,
        data={"from": channel.health, "to": health, "detail": detail},
    )
    return health
