"""Posts, their variants per language and channel, and their publications."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Brand, Channel, Organization
from civicdesk.rules.video import CODEC_NAMES

DEFAULT_PILLARS = [
    ("trust", "Trust"),
    ("customer-service", "Customer service"),
    ("education", "Education"),
    ("emergency", "Emergency"),
    ("engagement", "Engagement"),
    ("news", "News"),
    ("safety", "Safety"),
    ("humanizing", "Humanizing"),
    ("history", "History"),
]


class Pillar(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="pillars")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    # The share of the month's posts the organization aims to give this pillar, in percent;
    # empty: no target. The targets of an organization add up to at most 100.
    target_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="pillar_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(target_percent__lte=100), name="pillar_target_percent_range"
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    pillar = models.ForeignKey(
        Pillar, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    # What the campaign should achieve, in the team's words ("1,000 sign-ups by June").
    goal = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


class SeriesStatus(models.TextChoices):
    # Where the policy approves each occurrence: the series runs from its creation.
    ACTIVE = "active", _("Running")
    # Where the policy approves a series once: draft, in review, approved.
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    ENDED = "ended", _("Ended")


class PostSeries(models.Model):
    """A recurring post: an RFC 5545 rule in the organization's local time, and its content.

    Its occurrences are ordinary posts (``Post.series``) made a rolling horizon ahead, so the
    publisher sends them like any other (publishing/recurrence.py).
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="series")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="post_series"
    )
    title = models.CharField(max_length=200)
    pillar = models.ForeignKey(Pillar, on_delete=models.SET_NULL, null=True, blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True)
    channels = models.ManyToManyField(Channel, related_name="post_series")
    # Text per language: {"en": "...", "fr": "..."}.
    texts = models.JSONField(default=dict)
    link = models.URLField(blank=True)
    # The first occurrence's date and the local wall-clock time of every occurrence (DTSTART
    # with the organization's TZID): 07:30 stays 07:30 when the clocks change.
    starts_on = models.DateField()
    local_time = models.TimeField()
    # The RRULE value without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=40";
    # its UNTIL, if any, is a local date-time.
    rule = models.CharField(max_length=500)
    # EXDATE: local dates-times ("2026-12-25T07:30") that are skipped.
    exdates = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=SeriesStatus.choices, default=SeriesStatus.DRAFT
    )
    # Every edit of the series bumps this; a series approval is for one revision only.
    revision = models.PositiveIntegerField(default=1)
    # Occurrences exist up to here (UTC); the next materialization starts after it.
    materialized_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name_plural = "post series"

    def __str__(self) -> str:
        return self.title


class SeriesApproval(models.Model):
    """An approval of a whole series, where the policy lets a series be approved once."""

    series = models.ForeignKey(PostSeries, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    tier = models.PositiveSmallIntegerField()
    revision = models.PositiveIntegerField()
    approved = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        verdict = "approved" if self.approved else "sent back"
        return f"{self.series} r{self.revision} {verdict} by {self.approver}"


class Post(models.Model):
    """One message, written once, going out on several channels in several languages."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(max_length=200, help_text=_("For the team, not published."))
    pillar = models.ForeignKey(Pillar, on_delete=models.SET_NULL, null=True, blank=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True)
    channels = models.ManyToManyField(Channel, related_name="posts")
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    # When it should go out, in UTC; empty means "not scheduled yet".
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # Every edit of the content bumps this; approvals are for one revision only.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An occurrence of a recurring post: its series, and the time the rule gave it (UTC), which
    # names the occurrence even after the post alone is moved.
    series = models.ForeignKey(
        PostSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="occurrences"
    )
    occurrence_at = models.DateTimeField(null=True, blank=True)
    # Not a column: the state the posts page shows for it (pages/post_state.py).
    overall: object

    class Meta:
        ordering = ["-scheduled_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence_at"], name="post_series_occurrence_unique"
            )
        ]
        indexes = [
            models.Index(fields=["brand", "status"]),
            # The plan pages a brand's posts by (scheduled_at, id).
            models.Index(fields=["brand", "scheduled_at", "id"], name="post_plan_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PostVariant(models.Model):
    """The text of a post in one language, for every channel or for one channel."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=8)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, null=True, blank=True)
    text = models.TextField()
    link = models.URLField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "language", "channel"], name="variant_unique"),
            models.UniqueConstraint(
                fields=["post", "language"],
                condition=models.Q(channel__isnull=True),
                name="variant_default_unique",
            ),
        ]
        ordering = ["language"]

    def __str__(self) -> str:
        return f"{self.post} [{self.language}]"


class PostMedia(models.Model):
    """An image attached to a post, with its description for people who cannot see it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="post-media/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Alt text per language: {"en": "...", "fr": "..."}; for a video, its description.
    alt_texts = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # A video's length in milliseconds and codec (its MP4 sample entry, "avc1": H.264).
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    codec = models.CharField(max_length=8, blank=True)
    # A video's captions per language, as WebVTT: {"en": "WEBVTT\n\n00:00.000 --> ..."}.
    captions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"Image {self.position + 1} of {self.post}"

    def alt_text(self, language: str) -> str:
        return self.alt_texts.get(language, "")

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")

    @property
    def codec_name(self) -> str:
        return CODEC_NAMES.get(self.codec, self.codec)

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration_ms is None else self.duration_ms / 1000


class Approval(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    tier = models.PositiveSmallIntegerField()
    revision = models.PositiveIntegerField()
    approved = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        verdict = "approved" if self.approved else "sent back"
        return f"{self.post} r{self.revision} {verdict} by {self.approver}"


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHING = "publishing", _("Publishing")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")
    MISSED = "missed", _("Missed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    CANCELLED = "cancelled", _("Cancelled")
    # Taken down from the platform after it was published (kept here for the record).
    DELETING = "deleting", _("Being removed")
    DELETED = "deleted", _("Removed from the platform")
    # Not sent because another language of its set failed for good (see publishing/sets.py).
    WITHHELD = "withheld", _("Withheld")


class Publication(models.Model):
    """One variant on one channel: its own state, and a ledger of every attempt."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="publications")
    variant = models.ForeignKey(PostVariant, on_delete=models.CASCADE, related_name="publications")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="publications")
    state = models.CharField(
        max_length=20, choices=PublicationState.choices, default=PublicationState.DRAFT
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # When the worker may next try; equals scheduled_at until a retry pushes it later.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The same key on every attempt, so the platform (and our check) can recognise it.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The claim: a token for this publication alone, held while ``lease_until`` is renewed.
    # A worker sends and settles only while its token is still the one stored here.
    claim_token = models.CharField(max_length=160, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # When a request to publish last left; a check may conclude "not there" only once the
    # connector's timeout has passed since then (a slower POST could still land).
    last_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    remote_id = models.CharField(max_length=200, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    # A thread's later parts on the platform, in order.
    thread_remote_ids = models.JSONField(default=list, blank=True)
    # Our earlier publication this one answers on the platform, continuing its thread (an
    # incident's later update under its first); sent on its own if that one is not out.
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    # A bilingual post: the official languages it joins, in the organization's order, its
    # variant's first (publishing/bilingual.py); empty: its variant's language alone.
    languages = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="publication_due"),
            models.Index(fields=["state", "lease_until"], name="publication_lease"),
            # Analytics: a channel's publications published in a period.
            models.Index(fields=["channel", "published_at"], name="publication_channel_published"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="publication_unique"),
        ]
        ordering = ["scheduled_at", "pk"]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel} [{self.state}]"


class AttemptOutcome(models.TextChoices):
    PUBLISHED = "published", _("Published")
    RETRYABLE = "retryable", _("Temporary failure")
    AUTH_EXPIRED = "auth_expired", _("Authorization expired")
    REJECTED = "rejected", _("Rejected by the platform")
    OUTCOME_UNKNOWN = "outcome_unknown", _("Outcome unknown")
    CHECK_FOUND = "check_found", _("Check: found on the platform")
    CHECK_NOT_FOUND = "check_not_found", _("Check: not on the platform")
    CHECK_FAILED = "check_failed", _("Check: could not ask the platform")
    MISSED = "missed", _("Missed its window")
    ERROR = "error", _("Internal error")
    DELETED = "deleted", _("Removed from the platform")
    DELETE_FAILED = "delete_failed", _("Could not remove it from the platform")
    # The platform answered after this worker's claim had passed to someone else.
    CLAIM_LOST = "claim_lost", _("Answer came after the claim was lost")


class PublicationAttempt(models.Model):
    """The ledger: one row per call to the platform (publish or check), never edited."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="attempts_log"
    )
    worker = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    detail = models.CharField(max_length=1000, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    retry_after = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.outcome} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class FeedItem(models.Model):
    """An item seen in a newsroom feed, and the draft post made from it."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="feed_items")
    guid = models.CharField(max_length=500)
    title = models.CharField(max_length=500)
    link = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "guid"], name="feed_item_unique")]
        ordering = ["-published_at", "-seen_at"]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's secret calendar address: only a hash of its token is kept.

    The address is shown once, when it is made; revoking it (or making a new one) ends it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # SHA-256 of the token, hex: the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar feed of {self.user} ({state})"
