"""Versions of an organization's policy document, and moderation actions citing its clauses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import Organization


class PolicyVersion(models.Model):
    """One saved edition of the policy; the highest ``number`` is the one in force."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="policy_versions"
    )
    number = models.PositiveIntegerField()
    # The YAML text exactly as saved (comments included), and its SHA-256: the parsed
    # policy is cached by digest, so a cache entry can never describe other text.
    document = models.TextField()
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="policy_version_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="policy_version_number_positive"
            ),
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.organization} policy, version {self.number}"


class ModerationKind(models.TextChoices):
    HIDE = "hide", _("Hidden")
    UNHIDE = "unhide", _("Shown again")
    DELETE = "delete", _("Deleted")
    BLOCK = "block", _("Author blocked")


class PlatformResult(models.TextChoices):
    PENDING = "pending", _("Not asked yet")
    DONE = "done", _("Done on the platform")
    UNSUPPORTED = "unsupported", _("In Civic Desk only")
    FAILED = "failed", _("The platform refused or failed")


class ModerationAction(models.Model):
    """A responder's moderation of one inbound message, naming the policy clause applied."""

    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="moderation_actions"
    )
    action = models.CharField(max_length=10, choices=ModerationKind.choices)
    # The clause as it read when applied: later editions of the policy may rename or drop it.
    clause_id = models.CharField(max_length=100, blank=True)
    clause_title = models.CharField(max_length=300, blank=True)
    policy_version = models.PositiveIntegerField(default=0)  # 0: the shipped defaults
    # The message's status before a hide, so that showing it again restores it.
    previous_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    platform_result = models.CharField(
        max_length=20, choices=PlatformResult.choices, default=PlatformResult.PENDING
    )
    platform_detail = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["message", "-created_at"])]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} message {self.message_id} ({self.clause_id or 'no clause'})"
