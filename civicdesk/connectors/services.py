"""Actions that connect a brand's accounts on the platforms as channels, and disconnect them.

Each action takes the acting user, checks permission, runs in one transaction and writes
the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from civicdesk.connectors.auth import AUTH_FLOWS, ConnectedAccount, auth_flow_for
from civicdesk.connectors.base import ConnectorError
from civicdesk.organizations.access import Perm, User, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel, ChannelHealth


@transaction.atomic
def channel_connect(
    *, brand: Brand, platform: str, account: ConnectedAccount, actor: User
) -> Channel:
    """Add a connected account as a channel, or renew the channel it already is."""
    require(actor, brand, Perm.MANAGE)
    channel = (
        Channel.objects.select_for_update()
        .filter(brand=brand, platform=platform)
        .filter(Q(remote_id=account.remote_id) | Q(handle=account.handle))
        .first()
    )
    created = channel is None
    if channel is None:
        channel = Channel(brand=brand, platform=platform)
    channel.handle = account.handle[:200]
    channel.display_name = (account.display_name or account.handle)[:200]
    channel.remote_id = account.remote_id[:200]
    channel.api_base_url = account.api_base_url
    channel.set_credentials(dict(account.credentials))
    if account.expires_at is not None:
        channel.auth_expires_at = account.expires_at
    channel.health, channel.health_detail = ChannelHealth.OK, ""
    channel.is_active = True
    channel.connected_by = actor if actor.is_authenticated else None
    channel.full_clean()
    channel.save()
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="channel.connect" if created else "channel.reconnect",
        target=channel,
        data={
            "platform": platform,
            "handle": channel.handle,
            "expires_at": channel.auth_expires_at,
        },
    )
    return channel


@transaction.atomic
def channel_disconnect(*, channel: Channel, actor: User) -> Channel:
    """Stop using an account: revoke its token where the platform allows, forget it."""
    channel = Channel.objects.select_for_update().select_related("brand").get(pk=channel.pk)
    require(actor, channel.brand, Perm.MANAGE)
    revoked = False
    if channel.platform in AUTH_FLOWS and channel.credentials_encrypted:
        flow = auth_flow_for(channel.platform, base_url=channel.api_base_url)
        try:
            flow.revoke(channel.get_credentials())
            revoked = True
        except (ConnectorError, NotImplementedError, ValueError):
            revoked = False  # forgetting the token locally is what matters
        finally:
            flow.close()
    channel.set_credentials({})
    channel.is_active = False
    channel.health = ChannelHealth.NEEDS_RECONNECTING
    channel.health_detail = "Disconnected."
    channel.save()
    audit(
        organization=channel.brand.organization_id,
        actor=actor,
        action="channel.disconnect",
        target=channel,
        data={"revoked": revoked},
    )
    return channel
