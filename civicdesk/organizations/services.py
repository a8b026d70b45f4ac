"""Actions that change organizations, brands, channels and memberships.

Each action takes the acting user, checks permission, runs in one transaction and writes
the audit log.
"""

from __future__ import annotations

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicdesk.organizations.access import (
    Perm,
    User,
    can_control_publishing,
    require,
    require_org_admin,
)
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
    audit(
        organization=org,
        actor=actor,
        action="organization.create",
        target=org,
        data={"name": name, "time_zone": time_zone, "languages": official_languages},
    )
    return org


@transaction.atomic
def brand_create(
    *,
    organization: Organization,
    name: str,
    purpose: str,
    approval_tiers: int = 1,
    actor: User | None = None,
) -> Brand:
    brand = Brand(
        organization=organization,
        name=name,
        slug=slugify(name)[:80],
        purpose=purpose,
        approval_tiers=approval_tiers,
    )
    brand.full_clean()
    brand.save()
    audit(
        organization=organization,
        actor=actor,
        action="brand.create",
        target=brand,
        data={"name": name, "approval_tiers": approval_tiers},
    )
    return brand


@transaction.atomic
def channel_create(
    *,
    brand: Brand,
    platform: str,
    handle: str,
    display_name: str = "",
    languages: list[str] | None = None,
    credentials: dict[str, str] | None = None,
    api_base_url: str = "",
    actor: User | None = None,
) -> Channel:
    channel = Channel(
        brand=brand,
        platform=platform,
        handle=handle,
        display_name=display_name or handle,
        languages=languages or [],
        api_base_url=api_base_url,
    )
    channel.set_credentials(credentials or {})
    channel.full_clean()
    channel.save()
    # Never the credentials themselves in the log.
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="channel.create",
        target=channel,
        data={"platform": platform, "handle": handle, "brand": brand.pk},
    )
    return channel


def bilingual_languages(channel: Channel) -> list[str]:
    """The organization's official languages the channel publishes, in the organization's
    order: a bilingual post joins these (at least two for the setting to mean anything)."""
    official = list(channel.brand.organization.official_languages or [])
    return [lang for lang in official if not channel.languages or lang in channel.languages]


@transaction.atomic
def channel_set_bilingual_post(*, channel: Channel, actor: User, enabled: bool) -> Channel:
    """Publish a post's official languages on ``channel`` as one bilingual post (or not)."""
    channel = (
        Channel.objects.select_for_update().select_related("brand__organization").get(pk=channel.pk)
    )
    require(actor, channel.brand, Perm.MANAGE)
    if enabled and len(bilingual_languages(channel)) < 2:
        raise ValidationError(
            _(
                "This account publishes fewer than two of the organization's official "
                "languages: there is nothing to join into one bilingual post."
            )
        )
    if channel.bilingual_post == enabled:
        return channel
    channel.bilingual_post = enabled
    channel.save(update_fields=["bilingual_post"])
    audit(
        organization=channel.brand.organization_id,
        actor=actor,
        action="channel.bilingual_post",
        target=channel,
        data={"enabled": enabled, "languages": bilingual_languages(channel)},
    )
    return channel


@transaction.atomic
def membership_grant(
    *,
    user: Person,
    organization: Organization,
    role: str,
    brand: Brand | None = None,
    business_area: str = "",
    actor: User | None = None,
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user,
        organization=organization,
        brand=brand,
        defaults={"role": role, "business_area": business_area},
    )
    audit(
        organization=organization,
        actor=actor,
        action="membership.grant",
        target=membership,
        data={"user": user.get_username(), "role": role, "brand": brand.pk if brand else None},
    )
    return membership


@transaction.atomic
def publishing_pause(
    *, organization: Organization, paused: bool, reason: str = "", actor: User
) -> Organization:
    """The "stop all posts" switch."""
    if not can_control_publishing(actor, organization):
        raise PermissionDenied(_("Only organization admins and managers can stop all posts."))
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    org.publishing_paused = paused
    org.publishing_paused_reason = reason[:300] if paused else ""
    org.save(update_fields=["publishing_paused", "publishing_paused_reason"])
    audit(
        organization=org,
        actor=actor,
        action="publishing.pause" if paused else "publishing.resume",
        target=org,
        data={"reason": reason},
    )
    return org


@transaction.atomic
def brand_add(
    *, organization: Organization, name: str, purpose: str, approval_tiers: int = 1, actor: User
) -> Brand:
    """A new brand, added by one of the organization's admins from the settings."""
    require_org_admin(actor, organization)
    if Brand.objects.filter(organization=organization, slug=slugify(name)[:80]).exists():
        raise ValidationError(_("This organization already has a brand of that name."))
    return brand_create(
        organization=organization,
        name=name,
        purpose=purpose,
        approval_tiers=approval_tiers,
        actor=actor,
    )


def _locked_brand(brand: Brand, actor: User) -> Brand:
    brand = Brand.objects.select_for_update().select_related("organization").get(pk=brand.pk)
    require_org_admin(actor, brand.organization)
    return brand


@transaction.atomic
def brand_update(*, brand: Brand, name: str, purpose: str, actor: User) -> Brand:
    """Rename a brand or restate its purpose; its slug (in links) stays."""
    brand = _locked_brand(brand, actor)
    before = {"name": brand.name, "purpose": brand.purpose}
    brand.name, brand.purpose = name.strip(), purpose.strip()
    brand.full_clean()
    brand.save(update_fields=["name", "purpose"])
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="brand.update",
        target=brand,
        data={"before": before, "after": {"name": brand.name, "purpose": brand.purpose}},
    )
    return brand


@transaction.atomic
def brand_set_approval_tiers(*, brand: Brand, approval_tiers: int, actor: User) -> Brand:
    """How many approvals, one after another, a post of this brand needs before it goes out."""
    brand = _locked_brand(brand, actor)
    if not 1 <= approval_tiers <= 5:
        raise ValidationError(_("A brand needs between 1 and 5 approvals."))
    before = brand.approval_tiers
    brand.approval_tiers = approval_tiers
    brand.save(update_fields=["approval_tiers"])
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="brand.approval_tiers",
        target=brand,
        data={"before": before, "after": approval_tiers},
    )
    return brand


@transaction.atomic
def brand_archive(*, brand: Brand, archived: bool = True, actor: User) -> Brand:
    """Archive a brand (or bring it back): its history stays, its channels stop."""
    brand = _locked_brand(brand, actor)
    brand.archived_at = timezone.now() if archived else None
    brand.save(update_fields=["archived_at"])
    # An archived brand publishes nothing and reads no inbox: its channels go quiet too.
    stopped = 0
    if archived:
        stopped = brand.channels.filter(is_active=True).update(is_active=False)
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="brand.archive" if archived else "brand.unarchive",
        target=brand,
        data={"channels_stopped": stopped},
    )
    return brand


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    name: str,
    time_zone: str,
    official_languages: list[str],
    logo: File | None = None,
    actor: User,
) -> Organization:
    """Change the organization's name, time zone, languages or logo."""
    require_org_admin(actor, organization)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    org.name, org.time_zone, org.official_languages = name, time_zone, official_languages
    fields = ["name", "time_zone", "official_languages"]
    if logo is not None:
        org.logo = logo
        fields.append("logo")
    org.full_clean()
    org.save(update_fields=fields)
    audit(
        organization=org,
        actor=actor,
        action="organization.update",
        target=org,
        data={
            "name": name,
            "time_zone": time_zone,
            "languages": official_languages,
            "logo": org.logo.name if logo is not None else None,
        },
    )
    return org
