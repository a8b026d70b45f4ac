"""Each organization's identity providers and its sign-on rules.

The protocol settings allauth reads (issuer, client, IdP certificate...) live in allauth's
``SocialApp`` row; ``IdentityProvider`` ties that row to one organization and holds what
Civic Desk decides with it: which email domains it answers for, who it may create, and
which group grants which role.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialApp
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Organization


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


# allauth's provider for each protocol.
ALLAUTH_PROVIDER = {Protocol.OIDC: "openid_connect", Protocol.SAML: "saml"}


class IdentityProvider(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identity_providers"
    )
    protocol = models.CharField(max_length=10, choices=Protocol.choices)
    social_app = models.OneToOneField(
        SocialApp, on_delete=models.CASCADE, related_name="identity_provider"
    )
    # Shown on the sign-in button: "Sign in with <name>".
    name = models.CharField(max_length=100)
    # People typing an address at one of these domains are sent to this provider.
    email_domains = models.JSONField(default=list, blank=True)
    # The claim (OIDC) or attribute (SAML) that lists the person's groups.
    groups_claim = models.CharField(max_length=200, blank=True, default="groups")
    # [{"group": "comms-team", "role": "manager", "brand": "" or a brand slug}, ...]
    role_mappings = models.JSONField(default=list, blank=True)
    # Someone the desk does not know yet is created when one of their groups is mapped.
    create_people = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_protocol_display()})"

    @property
    def mapped_groups(self) -> set[str]:
        return {str(m.get("group", "")) for m in self.role_mappings}

    def mappings_for(self, groups: set[str]) -> list[dict[str, Any]]:
        return [m for m in self.role_mappings if m.get("group") in groups]


class SignOnPolicy(models.Model):
    """An organization's rules for signing in: SSO only, and whether SSO is a second step."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="sign_on_policy"
    )
    # Members sign in only through the organization's providers (installation operators
    # keep their password).
    sso_only = models.BooleanField(default=False)
    # The provider already asked for a second step: it satisfies the organization's rule.
    sso_counts_as_mfa = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Sign-on policy of {self.organization}"
