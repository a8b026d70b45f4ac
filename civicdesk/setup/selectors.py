"""What the settings screens read: an organization's people, invitations and catalogues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from civicdesk.organizations.models import Brand, BusinessArea, Invitation, Membership, Organization
from civicdesk.publishing.models import Campaign, Pillar


@dataclass
class Person:
    user: User
    last_login: datetime | None
    memberships: list[Membership] = field(default_factory=list)


def organization_people(*, organization: Organization) -> list[Person]:
    """Everyone with a role in the organization, with their roles: two queries in all."""
    users = (
        get_user_model()
        .objects.filter(memberships__organization=organization)
        .distinct()
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(organization=organization)
                .select_related("brand")
                .order_by("brand__name"),
                to_attr="here",
            )
        )
    )
    return [Person(user=u, last_login=u.last_login, memberships=u.here) for u in users]


def open_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("brand", "invited_by")


def organization_brands(*, organization: Organization) -> QuerySet[Brand]:
    return organization.brands.annotate(channel_count=Count("channels")).order_by(
        "archived_at", "name"
    )


def organization_pillars(*, organization: Organization) -> QuerySet[Pillar]:
    return Pillar.objects.filter(organization=organization).order_by("name")


def organization_campaigns(*, organization: Organization) -> QuerySet[Campaign]:
    return Campaign.objects.filter(organization=organization).select_related("pillar")


def organization_business_areas(*, organization: Organization) -> QuerySet[BusinessArea]:
    return BusinessArea.objects.filter(organization=organization).prefetch_related("members")
