"""Snapshots of what the platforms report: per published post and per account."""

from __future__ import annotations

from django.db import models

from civicdesk.organizations.models import Channel
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
