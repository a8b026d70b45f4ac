"""Snapshots of what the platforms report (per published post and per account), the
monthly reports, and the benchmark files exchanged with peers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Channel, Organization
from civicdesk.publishing.models import Publication

# Counts a platform may report. A missing value (None) means "not reported", never zero.
METRICS = (
    "followers",
    "impressions",
    "reach",
    "engagements",
    "likes",
    "reposts",
    "replies",
    "clicks",
    "video_views",
)


class MetricSnapshot(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="snapshots")
    # Empty for an account snapshot; set for a snapshot of one published post.
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, null=True, blank=True, related_name="snapshots"
    )
    captured_at = models.DateTimeField()
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    reach = models.PositiveBigIntegerField(null=True, blank=True)
    engagements = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    replies = models.PositiveBigIntegerField(null=True, blank=True)
    clicks = models.PositiveBigIntegerField(null=True, blank=True)
    video_views = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["channel", "publication", "-captured_at"]),
            models.Index(fields=["publication", "-captured_at"]),
            # The dashboard's newest account snapshot of a channel. Without the condition
            # PostgreSQL reads every account snapshot through the publication index.
            models.Index(
                fields=["channel", "-captured_at"],
                condition=models.Q(publication__isnull=True),
                name="snapshot_account_newest",
            ),
        ]
        ordering = ["-captured_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.scope} @ {self.captured_at:%Y-%m-%d %H:%M}"

    @property
    def scope(self) -> str:
        return "post" if self.publication_id else "account"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


class MonthlyReport(models.Model):
    """The "by the numbers" report of one month: drafted by the worker on the first day of
    the next month, completed with the manager's words, then sent. Its figures are worked
    out from the snapshots when it is shown, so a late snapshot still counts."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="monthly_reports"
    )
    month = models.DateField()  # its first day
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # The manager's words, per official language.
    texts = models.JSONField(default=dict, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    drafted_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="monthly_report_once")
        ]
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m}"


class InstitutionKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry or national agency")
    REGIONAL = "regional", _("Regional government")
    CITY = "city", _("City or local government")
    STATISTICS = "statistics", _("Statistical office")
    EMERGENCY = "emergency", _("Emergency or public safety service")
    INTERNATIONAL = "international", _("International organization")
    NGO = "ngo", _("Non-governmental organization")
    OTHER = "other", _("Other public institution")


class BenchmarkIdentity(models.Model):
    """The random id under which an organization appears in the benchmark files it exports:
    peers can tell two files of one organization apart from two organizations, never who."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="benchmark_identity"
    )
    anonymous_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution_kind = models.CharField(
        max_length=20, choices=InstitutionKind.choices, default=InstitutionKind.OTHER
    )

    def __str__(self) -> str:
        return str(self.anonymous_id)


class PeerBenchmark(models.Model):
    """A peer's benchmark file, as imported by an organization; a newer file of the same
    peer replaces it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="peer_benchmarks"
    )
    peer_id = models.UUIDField()
    institution_kind = models.CharField(max_length=20, choices=InstitutionKind.choices)
    generated_at = models.DateTimeField()
    # The file's rows: {"month", "platform", figure: value, ...}.
    rows = models.JSONField(default=list)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "peer_id"], name="peer_benchmark_once")
        ]

    def __str__(self) -> str:
        return f"{self.peer_id} ({self.institution_kind})"
