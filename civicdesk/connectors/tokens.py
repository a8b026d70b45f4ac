"""Keeping platform authorizations fresh.

Tokens are refreshed before they expire, by a periodic sweep and just before use. A
refresh holds the channel's row lock, so two workers never spend the same rotating
refresh token; whoever comes second finds fresh credentials and uses them. A refused
refresh marks the channel "needs reconnecting"; a token that cannot be refreshed and
expires soon is shown as a warning to the brand's admins.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicdesk.connectors.auth import (
    AUTH_FLOWS,
    auth_flow_for,
    credentials_expire_at,
    merge_refreshed,
)
from civicdesk.connectors.base import AuthExpiredError, ConnectorError
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, ChannelHealth

logger = logging.getLogger(__name__)


def _margin() -> timedelta:
    return timedelta(seconds=settings.TOKEN_REFRESH_MARGIN_SECONDS)


def needs_refresh(channel: Channel, *, now: datetime | None = None) -> bool:
    expires = channel.auth_expires_at
    return expires is not None and expires <= (now or timezone.now()) + _margin()


def refresh_channel(channel_id: int, *, force: bool = False) -> Channel:
    """Refresh one channel's token if it is due (or ``force``); returns the fresh channel."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().select_related("brand").get(pk=channel_id)
        if not force and not needs_refresh(channel):
            return channel  # someone else refreshed it meanwhile
        credentials = channel.get_credentials()
        if channel.platform not in AUTH_FLOWS or not credentials.get("refresh_token"):
            return channel  # nothing to refresh with; the expiry warning covers it
        flow = auth_flow_for(channel.platform, base_url=channel.api_base_url)
        try:
            fresh = flow.refresh(credentials)
        except AuthExpiredError as error:
            channel.health = ChannelHealth.NEEDS_RECONNECTING
            channel.health_detail = f"The platform refused to renew the authorization: {error}"[
                :500
            ]
            channel.save(update_fields=["health", "health_detail"])
            audit(
                organization=channel.brand.organization_id,
                actor=None,
                action="channel.auth_refused",
                target=channel,
                data={"error": str(error)},
            )
            return channel
        except ConnectorError as error:
            # Temporary: keep the old token and try again on the next sweep.
            logger.warning("channel %s: token refresh failed: %s", channel.pk, error)
            return channel
        finally:
            flow.close()
        channel.set_credentials(merge_refreshed(credentials, fresh))
        channel.auth_refreshed_at = timezone.now()
        if channel.health == ChannelHealth.NEEDS_RECONNECTING:
            channel.health, channel.health_detail = ChannelHealth.OK, ""
        channel.save(
            update_fields=[
                "credentials_encrypted",
                "auth_expires_at",
                "auth_refreshed_at",
                "health",
                "health_detail",
            ]
        )
        audit(
            organization=channel.brand.organization_id,
            actor=None,
            action="channel.auth_refreshed",
            target=channel,
            data={"expires_at": channel.auth_expires_at},
        )
    return channel


def refresh_sweep(*, now: datetime | None = None) -> int:
    """Refresh every active channel whose token expires within the margin."""
    now = now or timezone.now()
    due = Channel.objects.filter(is_active=True, auth_expires_at__lte=now + _margin()).exclude(
        health=ChannelHealth.NEEDS_RECONNECTING
    )
    count = 0
    for channel_id in due.values_list("pk", flat=True):
        refresh_channel(channel_id)
        count += 1
    warn_expiring(now=now)
    return count


def authorization_ending(channel: Channel, *, now: datetime) -> datetime | None:
    """When the channel's authorization ends, if that is within the warning horizon and no
    refresh will renew it; else None."""
    horizon = now + timedelta(days=settings.TOKEN_EXPIRY_WARNING_DAYS)
    credentials = channel.get_credentials()
    # Some sign-ins end at a fixed time whatever the refreshes (atproto public clients).
    ends = credentials_expire_at({"expires_at": credentials.get("session_expires_at", "")})
    if ends is None:
        if channel.auth_expires_at is None or channel.auth_expires_at > horizon:
            return None
        if credentials.get("refresh_token") and channel.auth_expires_at > now:
            return None  # the sweep will renew it
        return channel.auth_expires_at
    return ends if ends <= horizon else None


def warn_expiring(*, now: datetime | None = None) -> int:
    """Channels whose authorization ends soon and cannot be renewed here: warn the admins.

    The warning is the channel's health, which the dashboard and channels page show to
    the brand's members; the audit log records it once.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.TOKEN_EXPIRY_WARNING_DAYS)
    warned = 0
    for channel in (
        Channel.objects.filter(is_active=True, health=ChannelHealth.OK)
        .filter(Q(auth_expires_at__lte=horizon) | Q(credentials_encrypted__gt=""))
        .select_related("brand__organization")
    ):
        ends = authorization_ending(channel, now=now)
        if ends is None:
            continue
        expired = ends <= now
        channel.health = ChannelHealth.NEEDS_RECONNECTING if expired else ChannelHealth.DEGRADED
        when = timezone.localtime(ends, channel.brand.organization.tz)
        channel.health_detail = (
            "The authorization has expired: reconnect the account."
            if expired
            else f"The authorization expires on {when:%d %b %Y at %H:%M}: reconnect before then."
        )
        channel.save(update_fields=["health", "health_detail"])
        audit(
            organization=channel.brand.organization_id,
            actor=None,
            action="channel.auth_expiring",
            target=channel,
            data={"expires_at": ends},
        )
        warned += 1
    return warned


def ensure_fresh(channel: Channel) -> Channel:
    """Just before use: a channel whose token is about to expire is refreshed first."""
    if needs_refresh(channel) and channel.get_credentials().get("refresh_token"):
        return refresh_channel(channel.pk)
    return channel


def note_rate_limit(channel: Channel, error: ConnectorError) -> None:
    """Back off the whole channel until the platform's reset time."""
    if error.status != 429 and error.retry_after is None:
        return
    seconds = error.retry_after if error.retry_after is not None else 60.0
    until = timezone.now() + timedelta(seconds=min(seconds, 24 * 3600))
    Channel.objects.filter(pk=channel.pk).filter(
        Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until)
    ).update(rate_limited_until=until)
