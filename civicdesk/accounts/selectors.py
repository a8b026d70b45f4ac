"""Reads of the sign-in room: who must use a second factor, and who has one."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User

from civicdesk.organizations.models import Membership

# What counts as a second factor: recovery codes alone are only a way back in.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mfa_required_for(*, user: User) -> bool:
    """Whether any organization the person belongs to requires a second factor of them."""
    rows = Membership.objects.filter(user=user).values_list(
        "role", "organization__mfa_required_for_all", "organization__mfa_required_roles"
    )
    return any(for_all or role in (roles or []) for role, for_all, roles in rows)


def has_second_factor(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()
