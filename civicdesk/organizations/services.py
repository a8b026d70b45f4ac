"""Actions that change organizations, brands, channels and memberships.

Each action takes the acting user, checks permission, runs in one transaction and writes
the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from civicdesk.organizations.access import Perm, User, can_control_publishing, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel, ChannelHealth, Membership, Organization

if TYPE_CHECKING:
    from civicdesk.connectors.auth import ConnectedAccount


@transaction.atomic
def organization_create(
    *, name: str, time_zone: str, official_languages: list[str], actor: User | None = None
) -> Organization:
    org = Organization(
        name=name,
        slug=slugify(name)[:80] or "organization",
        time_zone=time_zone,
        official_languages=official_languages,
    )
    org.full_clean()
    org.save()
    audit(organization=org, actor=actor, action="organization.create", target=org,
          data={"name": name, "time_zone": time_zone, "languages": official_languages})
    return org


@transaction.atomic
def brand_create(
    *, organization: Organization, name: str, purpose: str, approval_tiers: int = 1,
    actor: User | None = None,
) -> Brand:
    brand = Brand(organization=organization, name=name, slug=slugify(name)[:80],
                  purpose=purpose, approval_tiers=approval_tiers)
    brand.full_clean()
    brand.save()
    audit(organization=organization, actor=actor, action="brand.create", target=brand,
          data={"name": name, "approval_tiers": approval_tiers})
    return brand


@transaction.atomic
def channel_create(
    *, brand: Brand, platform: str, handle: str, display_name: str = "",
    languages: list[str] | None = None, credentials: dict[str, str] | None = None,
    api_base_url: str = "", actor: User | None = None,
) -> Channel:
    channel = Channel(brand=brand, platform=platform, handle=handle,
                      display_name=display_name or handle, languages=languages or [],
                      api_base_url=api_base_url)
    channel.set_credentials(credentials or {})
    channel.full_clean()
    channel.save()
    # Never the credentials themselves in the log.
    audit(organization=brand.organization_id, actor=actor, action="channel.create",
          target=channel, data={"platform": platform, "handle": handle, "brand": brand.pk})
    return channel


@transaction.atomic
def membership_grant(
    *, user: User, organization: Organization, role: str, brand: Brand | None = None,
    business_area: str = "", actor: User | None = None,
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, brand=brand,
        defaults={"role": role, "business_area": business_area},
    )
    audit(organization=organization, actor=actor, action="membership.grant", target=membership,
          data={"user": user.get_username(), "role": role,
                "brand": brand.pk if brand else None})
    return membership


@transaction.atomic
def publishing_pause(
    *, organization: Organization, paused: bool, reason: str = "", actor: User
) -> Organization:
    """The "stop all posts" switch."""
    if not can_control_publishing(actor, organization):
        raise PermissionDenied("Only organization admins and managers can stop all posts.")
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    org.publishing_paused = paused
    org.publishing_paused_reason = reason[:300] if paused else ""
    org.save(update_fields=["publishing_paused", "publishing_paused_reason"])
    audit(organization=org, actor=actor,
          action="publishing.pause" if paused else "publishing.resume", target=org,
          data={"reason": reason})
    return org


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
    audit(organization=brand.organization_id, actor=actor,
          action="channel.connect" if created else "channel.reconnect", target=channel,
          data={"platform": platform, "handle": channel.handle,
                "expires_at": channel.auth_expires_at})
    return channel


@transaction.atomic
def channel_disconnect(*, channel: Channel, actor: User) -> Channel:
    """Stop using an account: revoke its token where the platform allows, forget it."""
    from civicdesk.connectors.base import ConnectorError
    from civicdesk.connectors.registry import AUTH_FLOWS, auth_flow_for

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
    audit(organization=channel.brand.organization_id, actor=actor, action="channel.disconnect",
          target=channel, data={"revoked": revoked})
    return channel
