"""Actions that set an organization up: creating it with its defaults, pillars, campaigns."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from civicdesk.organizations.access import User, require_org_admin
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Membership, Organization, Role
from civicdesk.organizations.services import organization_create
from civicdesk.publishing.models import DEFAULT_PILLARS, Campaign, Pillar


@transaction.atomic
def organization_setup(
    *,
    name: str,
    time_zone: str,
    official_languages: list[str],
    admin: Person,
    logo: File | None = None,
    actor: User | None,
) -> Organization:
    """A new organization with ``admin`` as its admin and the nine default content pillars.

    Only the installation's operators (superusers) create organizations; ``actor`` None is
    a scripted install (the ``createorganization`` command), which acts as the system.
    """
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only the installation's operators can create organizations."))
    if not official_languages:
        raise ValidationError(_("Give at least one official language."))
    if Organization.objects.filter(slug=slugify(name)[:80] or "organization").exists():
        raise ValidationError(_("An organization of that name exists already."))
    org = organization_create(
        name=name.strip(), time_zone=time_zone, official_languages=official_languages, actor=actor
    )
    if logo is not None:
        org.logo = logo
        org.full_clean()
        org.save(update_fields=["logo"])
    Membership.objects.create(user=admin, organization=org, brand=None, role=Role.ADMIN)
    Pillar.objects.bulk_create(
        [Pillar(organization=org, slug=slug, name=label) for slug, label in DEFAULT_PILLARS]
    )
    audit(
        organization=org,
        actor=actor,
        action="organization.setup",
        target=org,
        data={
            "admin": admin.get_username(),
            "pillars": [s for s, _l in DEFAULT_PILLARS],
            "logo": org.logo.name or None,
        },
    )
    return org


@transaction.atomic
def organization_set_second_factor_rule(
    *, organization: Organization, for_all: bool, roles: list[str], actor: User
) -> Organization:
    """Require a second factor at sign-in of every member, or of the members in ``roles``.

    ``SessionPolicyMiddleware`` enforces it: a person it covers who has no second factor
    reaches nothing but the enrolment and sign-in pages.
    """
    require_org_admin(actor, organization)
    known = {role.value for role in Role}
    unknown = [role for role in roles if role not in known]
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    before = {"for_all": org.mfa_required_for_all, "roles": list(org.mfa_required_roles or [])}
    # With everyone covered a list of roles would only mislead whoever reads it later.
    after_roles = [] if for_all else sorted(set(roles))
    org.mfa_required_for_all, org.mfa_required_roles = for_all, after_roles
    org.save(update_fields=["mfa_required_for_all", "mfa_required_roles"])
    audit(
        organization=org,
        actor=actor,
        action="organization.second_factor_rule",
        target=org,
        data={"before": before, "for_all": for_all, "roles": after_roles},
    )
    return org


@transaction.atomic
def pillar_save(
    *,
    organization: Organization,
    name: str,
    description: str = "",
    target_percent: int | None = None,
    pillar: Pillar | None = None,
    actor: User,
) -> Pillar:
    """Add a content pillar or rename, describe and set its target; its slug stays once created.

    The target is the share of the month's posts the pillar should have; the organization's
    targets add up to at most 100%.
    """
    require_org_admin(actor, organization)
    if pillar is not None and pillar.organization_id != organization.pk:
        raise PermissionDenied(_("That pillar belongs to another organization."))
    before = (
        {
            "name": pillar.name,
            "description": pillar.description,
            "target_percent": pillar.target_percent,
        }
        if pillar
        else None
    )
    if pillar is None:
        pillar = Pillar(organization=organization, slug=slugify(name)[:60])
    if target_percent is not None:
        others = (
            Pillar.objects.select_for_update()
            .filter(organization=organization, target_percent__isnull=False)
            .exclude(pk=pillar.pk)
        )
        taken = sum(p.target_percent or 0 for p in others)
        if taken + target_percent > 100:
            raise ValidationError(
                _(
                    "The targets would add up to %(total)s%%: the other pillars already take "
                    "%(taken)s%%, so this one can have at most %(left)s%%."
                )
                % {"total": taken + target_percent, "taken": taken, "left": max(0, 100 - taken)}
            )
    pillar.name, pillar.description = name.strip(), description.strip()
    pillar.target_percent = target_percent
    pillar.full_clean()
    pillar.save()
    audit(
        organization=organization,
        actor=actor,
        action="pillar.update" if before else "pillar.create",
        target=pillar,
        data={
            "before": before,
            "name": pillar.name,
            "description": pillar.description,
            "target_percent": pillar.target_percent,
        },
    )
    return pillar


@transaction.atomic
def campaign_save(
    *,
    organization: Organization,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    pillar: Pillar | None,
    goal: str = "",
    description: str = "",
    campaign: Campaign | None = None,
    actor: User,
) -> Campaign:
    """Create or change a campaign: its name, dates, content pillar and goal."""
    require_org_admin(actor, organization)
    for thing in (campaign, pillar):
        if thing is not None and thing.organization_id != organization.pk:
            raise PermissionDenied(_("That belongs to another organization."))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("A campaign cannot end before it starts."))
    created = campaign is None
    campaign = campaign or Campaign(organization=organization)
    campaign.name, campaign.goal, campaign.description = name.strip(), goal.strip(), description
    campaign.starts_on, campaign.ends_on, campaign.pillar = starts_on, ends_on, pillar
    campaign.full_clean()
    campaign.save()
    audit(
        organization=organization,
        actor=actor,
        action="campaign.create" if created else "campaign.update",
        target=campaign,
        data={
            "name": campaign.name,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "pillar": pillar.pk if pillar else None,
            "goal": campaign.goal,
        },
    )
    return campaign
