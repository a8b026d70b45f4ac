"""Reads of single sign-on: which provider a sign-in came through, which buttons to offer,
and which people may no longer use their password."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet

from civicdesk.organizations.models import Membership, Organization
from civicdesk.sso.models import IdentityProvider, SignOnPolicy


def identity_providers_of(*, organization: Organization) -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.filter(organization=organization).select_related("social_app")


def identity_provider_for_app(*, app: SocialApp) -> IdentityProvider | None:
    if app.pk is None:
        return None  # an app from settings, not one of an organization's
    return (
        IdentityProvider.objects.select_related("organization", "social_app")
        .filter(social_app_id=app.pk)
        .first()
    )


def sign_in_buttons() -> list[IdentityProvider]:
    """Every organization's providers, for the sign-in page (one query)."""
    return list(
        IdentityProvider.objects.select_related("organization", "social_app").order_by(
            "organization__name", "name"
        )
    )


def identity_provider_for_email(*, email: str) -> IdentityProvider | None:
    """The provider that answers for the address's domain, if exactly one does."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    found = [
        idp
        for idp in IdentityProvider.objects.select_related("organization", "social_app")
        if domain in idp.email_domains
    ]
    return found[0] if len(found) == 1 else None


def sign_on_policy_of(*, organization: Organization) -> SignOnPolicy:
    """The organization's policy; an organization that never set one has the defaults."""
    policy = SignOnPolicy.objects.filter(organization=organization).first()
    return policy or SignOnPolicy(organization=organization)


def sso_only_providers_for(*, user: User) -> list[IdentityProvider]:
    """The providers a person must use: those of their organizations that are SSO only."""
    org_ids = Membership.objects.filter(
        user=user, organization__sign_on_policy__sso_only=True
    ).values_list("organization_id", flat=True)
    return list(
        IdentityProvider.objects.filter(organization_id__in=org_ids)
        .select_related("organization", "social_app")
        .order_by("name")
    )


def member_by_email(*, organization: Organization, email: str) -> User | None:
    """The one active member of the organization with this address, if exactly one."""
    user_ids = Membership.objects.filter(organization=organization).values("user_id")
    found = list(
        get_user_model().objects.filter(pk__in=user_ids, email__iexact=email, is_active=True)[:2]
    )
    return found[0] if len(found) == 1 else None


def mfa_required_outside(*, user: User, organization_id: int) -> bool:
    """Whether an organization other than this one requires a second factor of the person."""
    rows = (
        Membership.objects.filter(user=user)
        .exclude(organization_id=organization_id)
        .values_list(
            "role", "organization__mfa_required_for_all", "organization__mfa_required_roles"
        )
    )
    return any(for_all or role in (roles or []) for role, for_all, roles in rows)
