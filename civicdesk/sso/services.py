"""Writes of single sign-on: an organization's providers and policy, and each SSO sign-in.

Every change made on the settings screen is audited in the organization's chain. A sign-in
through a provider is resolved here to one person of the provider's organization, or
refused with a reason that is audited too; allauth's adapter (sso/adapter.py) only calls in.

Matching: the address the provider vouches for (OIDC ``email_verified``; for SAML the
configured email attribute, trusted because the organization chose that IdP) names an
active member of the provider's organization. Nobody else is ever signed in: not a member
of another organization, not an installation operator.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.models import SocialApp, SocialLogin
from cryptography import x509
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from civicdesk.core.crypto import decrypt_json, encrypt_json
from civicdesk.core.outbound import fetch, guarded_client
from civicdesk.organizations.access import require_org_admin
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Membership, Organization, Role
from civicdesk.sso.http import MAX_BYTES, guarded_session
from civicdesk.sso.models import ALLAUTH_PROVIDER, IdentityProvider, Protocol, SignOnPolicy
from civicdesk.sso.selectors import member_by_email

# OIDC "amr" values that say the provider asked for more than a password (RFC 8176).
MFA_AMR = {"mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris", "retina", "sc", "pop"}

REFUSALS = {
    "no_email": gettext_lazy("Your identity provider did not send an email address."),
    "email_unverified": gettext_lazy(
        "Your identity provider has not verified your email address, so it cannot be used "
        "to sign you in."
    ),
    "unknown_person": gettext_lazy(
        "Nobody with this email address belongs to the organization. Ask one of its admins "
        "for an invitation."
    ),
    "operator": gettext_lazy(
        "Installation operators sign in with their password, not an organization's provider."
    ),
    "inactive": gettext_lazy("This account is deactivated."),
    "no_provider": gettext_lazy("This sign-in service is not set up for any organization."),
}


class SignOnRefused(Exception):
    def __init__(self, reason: str, *, email: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.email = email

    @property
    def message(self) -> str:
        return str(REFUSALS[self.reason])


# Configuration


@dataclass(frozen=True)
class SignOnRules:
    """What Civic Desk decides with a provider, whatever its protocol."""

    name: str
    email_domains: list[str]
    groups_claim: str
    role_mappings: list[dict[str, str]]
    create_people: bool


def _new_slug(organization: Organization) -> str:
    # The SAML endpoints and the OIDC callback are named by it, so it never changes.
    return f"{organization.slug}-{secrets.token_hex(3)}"


def _check_mappings(organization: Organization, mappings: list[dict[str, str]]) -> None:
    brands = set(Brand.objects.filter(organization=organization).values_list("slug", flat=True))
    for mapping in mappings:
        if mapping["role"] not in Role.values:
            raise ValidationError(_("%(role)s is not a role.") % {"role": mapping["role"]})
        if mapping.get("brand") and mapping["brand"] not in brands:
            raise ValidationError(
                _("The organization has no brand %(brand)s.") % {"brand": mapping["brand"]}
            )


def _rules_data(rules: SignOnRules) -> dict[str, Any]:
    return {
        "name": rules.name,
        "email_domains": rules.email_domains,
        "groups_claim": rules.groups_claim,
        "role_mappings": rules.role_mappings,
        "create_people": rules.create_people,
    }


def _save(
    *,
    organization: Organization,
    protocol: Protocol,
    provider: IdentityProvider | None,
    rules: SignOnRules,
    app_fields: dict[str, Any],
    app_settings: dict[str, Any],
    audited: dict[str, Any],
    actor: User,
) -> IdentityProvider:
    require_org_admin(actor, organization)
    _check_mappings(organization, rules.role_mappings)
    with transaction.atomic():
        if provider is None:
            slug = _new_slug(organization)
            app = SocialApp(provider=ALLAUTH_PROVIDER[protocol], provider_id=slug)
            if protocol == Protocol.SAML:
                app.client_id = slug  # allauth names the SAML endpoints by client_id
            provider = IdentityProvider(organization=organization, protocol=protocol)
            action = "sso.provider.added"
        else:
            app = SocialApp.objects.select_for_update().get(pk=provider.social_app_id)
            action = "sso.provider.changed"
        app.name = rules.name
        for field, value in app_fields.items():
            setattr(app, field, value)
        app.settings = {**(app.settings or {}), **app_settings}
        app.save()
        provider.social_app = app
        for field, value in _rules_data(rules).items():
            setattr(provider, field, value)
        provider.save()
        audit(
            organization=organization,
            actor=actor,
            action=action,
            target=provider,
            data={"protocol": protocol.value, **_rules_data(rules), **audited},
        )
    return provider


def _discovery_check(issuer: str) -> None:
    """The issuer answers with an OpenID configuration (fetched through the guarded client)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        with guarded_session(timeout=settings.SOCIALACCOUNT_REQUESTS_TIMEOUT) as session:
            response = session.get(url)
            document = response.json() if response.status_code == 200 else {}
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("The issuer's OpenID configuration could not be read: %(error)s") % {"error": exc}
        ) from exc
    if not isinstance(document, dict) or "authorization_endpoint" not in document:
        raise ValidationError(
            _("%(url)s does not answer with an OpenID configuration.") % {"url": url}
        )


def oidc_provider_save(
    *,
    organization: Organization,
    provider: IdentityProvider | None,
    rules: SignOnRules,
    issuer: str,
    client_id: str,
    client_secret: str,
    scopes: list[str],
    actor: User,
) -> IdentityProvider:
    """Add or change an OpenID Connect provider; an empty secret keeps the stored one."""
    if provider is None and not client_secret:
        raise ValidationError(_("Enter the client secret the provider gave you."))
    _discovery_check(issuer)
    fields: dict[str, Any] = {"client_id": client_id}
    if client_secret:
        fields["secret"] = encrypt_json({"secret": client_secret})
    scope = list(dict.fromkeys(["openid", *scopes]))
    return _save(
        organization=organization,
        protocol=Protocol.OIDC,
        provider=provider,
        rules=rules,
        app_fields=fields,
        app_settings={"server_url": issuer.rstrip("/"), "scope": scope},
        audited={
            "issuer": issuer,
            "client_id": client_id,
            "scopes": scope,
            "secret_changed": bool(client_secret),
        },
        actor=actor,
    )


def decrypted_secret(app: SocialApp) -> str:
    """The client secret allauth sends to the provider (stored encrypted)."""
    return decrypt_json(app.secret).get("secret", "") if app.secret else ""


_PEM = re.compile(r"-----(BEGIN|END) CERTIFICATE-----|\s+")


def certificate_body(text: str) -> str:
    """A PEM or bare base64 certificate, checked and reduced to its base64 body."""
    body = _PEM.sub("", text)
    pem = "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
    try:
        x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise ValidationError(_("The certificate is not a valid X.509 certificate.")) from exc
    return body


def saml_metadata_read(*, url: str, entity_id: str = "") -> dict[str, str]:
    """The IdP's entity ID, sign-in address and certificate, from its metadata address.

    Read here, through the guarded client, when the provider is saved: allauth then never
    fetches it (python3-saml would, with urllib and no address check).
    """
    try:
        with guarded_client(max_bytes=MAX_BYTES) as client:
            answer = fetch(client, url, max_bytes=MAX_BYTES)
    except httpx.HTTPError as exc:
        raise ValidationError(
            _("The metadata could not be read: %(error)s") % {"error": exc}
        ) from exc
    if answer.status_code != 200:
        raise ValidationError(
            _("The metadata address answered %(status)s.") % {"status": answer.status_code}
        )
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(answer.content, entity_id=entity_id or None)
    except Exception as exc:  # python3-saml raises bare exceptions on a bad document
        raise ValidationError(_("The metadata is not SAML metadata.")) from exc
    idp = parsed.get("idp") or {}
    cert = idp.get("x509cert") or next(iter(idp.get("x509certMulti", {}).get("signing", [])), "")
    sso_url = idp.get("singleSignOnService", {}).get("url", "")
    if not (idp.get("entityId") and sso_url and cert):
        raise ValidationError(
            _("The metadata names no identity provider with a sign-in address and certificate.")
        )
    return {"entity_id": idp["entityId"], "sso_url": sso_url, "x509cert": cert}


def saml_provider_save(
    *,
    organization: Organization,
    provider: IdentityProvider | None,
    rules: SignOnRules,
    entity_id: str,
    sso_url: str,
    x509cert: str,
    metadata_url: str,
    email_attribute: str,
    uid_attribute: str,
    actor: User,
) -> IdentityProvider:
    """Add or change a SAML provider, from its metadata address or typed-in details."""
    if metadata_url:
        idp = saml_metadata_read(url=metadata_url, entity_id=entity_id)
    else:
        if not (entity_id and sso_url and x509cert):
            raise ValidationError(
                _("Give the metadata address, or the entity ID, sign-in address and certificate.")
            )
        idp = {"entity_id": entity_id, "sso_url": sso_url, "x509cert": x509cert}
    idp["x509cert"] = certificate_body(idp["x509cert"])
    mapping = {"uid": [uid_attribute or email_attribute], "email": [email_attribute]}
    if rules.groups_claim:
        mapping["groups"] = [rules.groups_claim]
    return _save(
        organization=organization,
        protocol=Protocol.SAML,
        provider=provider,
        rules=rules,
        app_fields={},
        app_settings={
            "idp": idp,
            "metadata_source": metadata_url,
            "attribute_mapping": mapping,
            # Only signed assertions are accepted, and nothing else is relaxed.
            # ("localhost" and other one-label hosts are allowed for a laptop install).
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "allow_single_label_domains": True,
            },
        },
        audited={
            "entity_id": idp["entity_id"],
            "sso_url": idp["sso_url"],
            "metadata_url": metadata_url,
            "email_attribute": email_attribute,
        },
        actor=actor,
    )


def identity_provider_remove(*, provider: IdentityProvider, actor: User) -> None:
    organization = provider.organization
    require_org_admin(actor, organization)
    with transaction.atomic():
        audit(
            organization=organization,
            actor=actor,
            action="sso.provider.removed",
            target=provider,
            data={"name": provider.name, "protocol": provider.protocol},
        )
        # The people it linked keep their accounts; their link to this provider goes.
        provider.social_app.delete()


def sign_on_policy_update(
    *,
    organization: Organization,
    sso_only: bool,
    sso_counts_as_mfa: bool,
    actor: User,
) -> SignOnPolicy:
    require_org_admin(actor, organization)
    if sso_only and not IdentityProvider.objects.filter(organization=organization).exists():
        raise ValidationError(_("Add an identity provider before making it the only way in."))
    with transaction.atomic():
        policy, _created = SignOnPolicy.objects.select_for_update().get_or_create(
            organization=organization
        )
        before = {"sso_only": policy.sso_only, "sso_counts_as_mfa": policy.sso_counts_as_mfa}
        policy.sso_only = sso_only
        policy.sso_counts_as_mfa = sso_counts_as_mfa
        policy.save(update_fields=["sso_only", "sso_counts_as_mfa", "updated_at"])
        audit(
            organization=organization,
            actor=actor,
            action="sso.policy.changed",
            target=policy,
            data={
                "before": before,
                "after": {"sso_only": sso_only, "sso_counts_as_mfa": sso_counts_as_mfa},
            },
        )
    return policy


# Signing in


@dataclass(frozen=True)
class Claims:
    email: str
    email_verified: bool
    groups: set[str]
    mfa: bool  # the provider says it asked for a second step


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return {str(v) for v in value}


def claims_of(*, provider: IdentityProvider, sociallogin: SocialLogin) -> Claims:
    data = sociallogin.account.extra_data or {}
    if provider.protocol == Protocol.OIDC:
        userinfo = data.get("userinfo") or {}
        id_token = data.get("id_token") or {}
        merged = {**id_token, **userinfo}
        claim = provider.groups_claim
        return Claims(
            email=str(merged.get("email") or "").strip(),
            email_verified=parse_bool_safely(merged.get("email_verified")) is True,
            groups=_as_set(merged.get(claim)) if claim else set(),
            mfa=bool(_as_set(id_token.get("amr")) & MFA_AMR),
        )
    mapping = provider.social_app.settings.get("attribute_mapping", {})
    email_names = mapping.get("email", [])
    email = next((data[n][0] for n in email_names if data.get(n)), "")
    claim = provider.groups_claim
    return Claims(
        email=str(email).strip(),
        # Trusted: the organization chose this IdP and the assertion is signed by it.
        email_verified=bool(email),
        groups=_as_set(data.get(claim)) if claim else set(),
        mfa=False,
    )


def _username_for(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.lower())[:140] or "member"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _apply_mappings(
    *, provider: IdentityProvider, user: User, groups: set[str]
) -> list[dict[str, str]]:
    """Give the roles the person's groups are mapped to; the last admin is never demoted."""
    organization = provider.organization
    applied = []
    done: set[str] = set()
    brands = {b.slug: b for b in Brand.objects.filter(organization=organization)}
    for mapping in provider.mappings_for(groups):
        where = mapping.get("brand") or ""
        if where in done or (where and where not in brands):
            continue  # the first mapping listed for a brand wins
        done.add(where)
        brand = brands.get(where) if where else None
        current = Membership.objects.filter(
            user=user, organization=organization, brand=brand
        ).first()
        if current is not None and current.role == mapping["role"]:
            continue
        if (
            current is not None
            and brand is None
            and current.role == Role.ADMIN
            and not Membership.objects.filter(
                organization=organization, brand=None, role=Role.ADMIN
            )
            .exclude(user=user)
            .exists()
        ):
            continue
        if current is None:
            Membership.objects.create(
                user=user, organization=organization, brand=brand, role=mapping["role"]
            )
        else:
            current.role = mapping["role"]
            current.save(update_fields=["role"])
        audit(
            organization=organization,
            actor=None,
            action="sso.membership.mapped",
            target=user,
            data={
                "user": user.get_username(),
                "group": mapping["group"],
                "brand": where,
                "before": current.role if current is not None else "",
                "after": mapping["role"],
                "provider": provider.name,
            },
        )
        applied.append(mapping)
    return applied


def sign_on_resolve(*, provider: IdentityProvider, sociallogin: SocialLogin) -> User:
    """The person this sign-in is for, memberships brought in line with their groups.

    Raises ``SignOnRefused``; creates a person only when the provider may and one of their
    groups is mapped.
    """
    claims = claims_of(provider=provider, sociallogin=sociallogin)
    if not claims.email:
        raise SignOnRefused("no_email")
    if not claims.email_verified:
        raise SignOnRefused("email_unverified", email=claims.email)
    organization = provider.organization
    linked = sociallogin.user if sociallogin.is_existing else None
    member = Membership.objects.filter(organization=organization)
    with transaction.atomic():
        if linked is not None and member.filter(user=linked).exists():
            user: User | None = linked
        else:
            user = member_by_email(organization=organization, email=claims.email)
        created = False
        if user is None:
            if not (provider.create_people and provider.mappings_for(claims.groups)):
                raise SignOnRefused("unknown_person", email=claims.email)
            if User.objects.filter(email__iexact=claims.email).exists():
                # Someone of another organization: an IdP never takes over their account.
                raise SignOnRefused("unknown_person", email=claims.email)
            user = User(username=_username_for(claims.email), email=claims.email)
            user.set_unusable_password()
            user.save()
            created = True
        if user.is_superuser or user.is_staff:
            raise SignOnRefused("operator", email=claims.email)
        if not user.is_active:
            raise SignOnRefused("inactive", email=claims.email)
        if created:
            audit(
                organization=organization,
                actor=None,
                action="sso.person.created",
                target=user,
                data={"user": user.get_username(), "provider": provider.name},
            )
        _apply_mappings(provider=provider, user=user, groups=claims.groups)
    return user
