"""Claims, their public entries (versions approved by an approver), the messages matched to
them, and the clusters of rumours proposed as new claims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import Organization


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    FALSE = "false", _("False")
    MISLEADING = "misleading", _("Misleading")
    TRUE = "true", _("True")
    RESOLVED = "resolved", _("Resolved")


class Claim(models.Model):
    """A statement the public repeats. Its working status and wording live in versions; the
    public page and the reply box use only the version an approver approved."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="claims")
    # The claim as people say it (the desk's reference for matching), not the public title.
    statement = models.TextField(_("statement"))
    topic = models.CharField(_("topic"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    # The statement's sentence vector (float32), recomputed when the statement changes.
    vector = models.BinaryField(default=b"", editable=False)
    published = models.ForeignKey(
        "ClaimVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-updated_at"])]

    def __str__(self) -> str:
        return self.statement[:80]


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class ClaimVersion(models.Model):
    """One wording of a claim's public entry: the verdict, and per official language the
    title, the facts and the correction offered to responders. Sources and help links.

    Written as a draft; an approver other than its writer approves it, and it becomes the
    public entry (the one approved before it retires)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=ClaimStatus.choices)
    # language code -> {"title": ..., "facts": ..., "correction": ...}
    texts = models.JSONField(default=dict)
    # [{"label": ..., "url": ...}]
    sources = models.JSONField(default=list, blank=True)
    help_links = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=10, choices=VersionState.choices, default=VersionState.DRAFT
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claim", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "number"], name="claim_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} v{self.number} [{self.state}]"


class MatchState(models.TextChoices):
    SUGGESTED = "suggested", _("To check")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class ClaimMatch(models.Model):
    """A message that repeats a claim, as the matcher suggested it or a person added it.

    Confirmed matches are examples the matcher compares new messages with; rejected ones
    are negative examples that raise the bar near them (matching.py)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="matches")
    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="claim_matches"
    )
    score = models.FloatField(default=0.0)
    state = models.CharField(
        max_length=10, choices=MatchState.choices, default=MatchState.SUGGESTED
    )
    vector = models.BinaryField(default=b"", editable=False)
    # The message's time, copied so counting over time reads one table.
    sent_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "message"], name="claim_match_unique")
        ]
        indexes = [models.Index(fields=["claim", "state", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.claim_id} [{self.state}]"


class ProposalState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Made a claim")
    DISMISSED = "dismissed", _("Dismissed")


class ClaimProposal(models.Model):
    """A cluster of rumour-like messages that match no claim: proposed as a new claim."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="claim_proposals"
    )
    state = models.CharField(
        max_length=10, choices=ProposalState.choices, default=ProposalState.OPEN
    )
    # The message closest to the cluster's centre, as a first wording of the claim.
    example = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"proposal {self.pk} [{self.state}]"


class RumourCandidate(models.Model):
    """A rumour-like message that matched no claim, with its vector, waiting to be clustered
    (and, once clustered, the proposal it is part of)."""

    message = models.OneToOneField(
        InboundMessage, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    vector = models.BinaryField()
    sent_at = models.DateTimeField()
    proposal = models.ForeignKey(
        ClaimProposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidates",
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "proposal", "-sent_at"])]

    def __str__(self) -> str:
        return f"candidate {self.message_id}"
