"""Actions that change organizations, brands, channels and memberships.

Each action takes the acting user, checks permission, runs in one transaction and writes
the audit log.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import slugify

from civicdesk.organizations.access import User, can_control_publishing
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel, Membership, Organization


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
