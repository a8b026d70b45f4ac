"""Organizations, their brands and channels, who may do what, and the audit log."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.catalog import SPECS
from civicdesk.core.choices import choice_label
from civicdesk.core.credentials import credentials_expire_at
from civicdesk.core.crypto import decrypt_json, encrypt_json


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not an IANA time zone") % {"value": repr(value)}
        ) from exc


def validate_languages(value: Any) -> None:
    if not isinstance(value, list) or not all(
        isinstance(code, str) and 2 <= len(code) <= 3 and code.isalpha() for code in value
    ):
        raise ValidationError(_("languages must be a list of ISO 639-1 codes such as ['en', 'fr']"))


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    official_languages = models.JSONField(default=list, validators=[validate_languages])
    # The "stop all posts" switch: while set, nothing is published for this organization.
    publishing_paused = models.BooleanField(default=False)
    publishing_paused_reason = models.CharField(max_length=300, blank=True)
    logo = models.ImageField(upload_to="organization-logos/", blank=True)
    # Second factor: required of everyone, or of the roles listed (Role values); a member
    # who needs it and has none is sent to enrol before anything else (accounts/middleware).
    mfa_required_for_all = models.BooleanField(default=False)
    mfa_required_roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Brand(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    purpose = models.TextField(help_text=_("What this brand is for, in a sentence or two."))
    approval_tiers = models.PositiveSmallIntegerField(default=1)
    # An archived brand keeps its history but takes no new channels or posts in settings.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="brand_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(approval_tiers__gte=1, approval_tiers__lte=5),
                name="brand_approval_tiers_range",
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# One member a platform package (connectors/<platform>/platform.py): Platform.X == "x".
# django-stubs types the functional API with plain values only; Django also takes (value, label).
Platform = models.TextChoices(  # type: ignore[call-overload]
    "Platform", [(spec.slug.upper(), (spec.slug, _(spec.label))) for spec in SPECS.values()]
)


class ChannelHealth(models.TextChoices):
    OK = "ok", _("Working")
    DEGRADED = "degraded", _("Having trouble")
    NEEDS_RECONNECTING = "needs_reconnecting", _("Needs reconnecting")


class Channel(models.Model):
    """One account on one platform, belonging to one brand."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField(max_length=200)
    display_name = models.CharField(max_length=200, blank=True)
    languages = models.JSONField(default=list, blank=True, validators=[validate_languages])
    api_base_url = models.URLField(blank=True, help_text=_("Leave empty for the platform's own."))
    credentials_encrypted = models.TextField(blank=True, editable=False)
    health = models.CharField(
        max_length=20, choices=ChannelHealth.choices, default=ChannelHealth.OK
    )
    health_detail = models.CharField(max_length=500, blank=True)
    # Inbox checkpoint: advanced only in the transaction that stores the page it ends.
    inbound_cursor = models.CharField(max_length=500, blank=True)
    inbound_checked_at = models.DateTimeField(null=True, blank=True)
    # When the stored authorization expires (kept outside the encrypted credentials so
    # screens and sweeps can read it); empty when it does not expire.
    auth_expires_at = models.DateTimeField(null=True, blank=True)
    auth_refreshed_at = models.DateTimeField(null=True, blank=True)
    # The platform asked us to wait: nothing is sent to this channel before this time.
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    remote_id = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # A bilingual account: a post's official-language versions go out as one post joining
    # them, where it fits the platform's limits (publishing/bilingual.py).
    bilingual_post = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not columns: what the channels page works out for its rows.
    network_url: str
    limitations: list[str]
    can_manage: bool

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "platform", "handle"], name="channel_handle_unique"
            )
        ]
        ordering = ["brand__name", "platform", "handle"]

    def __str__(self) -> str:
        return f"{choice_label(self, 'platform')} {self.handle}"

    @property
    def organization_id(self) -> int:
        return self.brand.organization_id

    def get_credentials(self) -> dict[str, str]:
        return decrypt_json(self.credentials_encrypted)

    def set_credentials(self, value: dict[str, str]) -> None:
        self.credentials_encrypted = encrypt_json(value)
        self.auth_expires_at = credentials_expire_at(value)


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Social media manager")
    AUTHOR = "author", _("Author")
    APPROVER = "approver", _("Approver")
    RESPONDER = "responder", _("Responder")
    ANALYST = "analyst", _("Analyst")
    VIEWER = "viewer", _("Viewer")
    # Keeps the organization's records: the archive, its exports, retention and legal holds.
    RECORDS_OFFICER = "records_officer", _("Records officer")


class Membership(models.Model):
    """A person's role on one brand, or on every brand of the organization (brand empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    business_area = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "brand"], name="membership_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(brand__isnull=True),
                name="membership_org_wide_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.brand.name if self.brand else "all brands"
        return f"{self.user} · {self.get_role_display()} · {where}"


class BusinessArea(models.Model):
    """A team that answers for one subject (roads, taxes, legal), in the languages it uses.

    Its name is what policies and routing name (``Membership.business_area`` holds the same
    name for each member, so existing rules keep reading one field).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="business_areas"
    )
    name = models.CharField(max_length=100)
    languages = models.JSONField(default=list, blank=True, validators=[validate_languages])
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="business_areas", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="business_area_name_unique"
            )
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """A single-use link that lets one person join an organization with a given role.

    Only the SHA-256 of the token is stored: a copy of the database does not let anyone in.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"


class AuditEvent(models.Model):
    """One change, chained to the one before it by hash so that tampering shows."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_events"
    )
    sequence = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="audit_sequence_unique"
            )
        ]
        ordering = ["organization", "sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_label}"
