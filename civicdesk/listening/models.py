"""What an organization follows on the platforms, what listening found, the topics that group
it with the inbox's messages, and the issue cards raised when a topic or a followed term
suddenly gets louder than usual."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.claims.models import Claim
from civicdesk.inbox.models import InboundMessage
from civicdesk.incidents.models import Incident
from civicdesk.organizations.models import Channel, Organization


class FollowKind(models.TextChoices):
    # The same values as connectors.base.FollowKind, which the connectors take.
    KEYWORD = "keyword", _("Keyword")
    HASHTAG = "hashtag", _("Hashtag")
    ACCOUNT = "account", _("Account")


class FollowedTerm(models.Model):
    """A keyword, hashtag or account followed on one channel's platform, with the cursor of
    what was already fetched there."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="followed_terms"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="followed_terms", verbose_name=_("channel")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FollowKind.choices)
    value = models.CharField(_("followed"), max_length=100)
    active = models.BooleanField(default=True)
    cursor = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "value"], name="followed_term_unique"
            )
        ]

    def __str__(self) -> str:
        prefix = {"hashtag": "#", "account": "@"}.get(self.kind, "")
        return f"{prefix}{self.value}"


class ListeningItem(models.Model):
    """A public post a followed term found. Nothing to answer: it never enters the inbox, but
    it is understood like the inbox's messages and grouped into topics with them."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(FollowedTerm, on_delete=models.CASCADE, related_name="items")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    remote_id = models.CharField(max_length=200)
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    author_handle = models.CharField(max_length=200)
    author_name = models.CharField(max_length=300, blank=True)
    author_followers = models.PositiveIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField()
    fetched_at = models.DateTimeField(auto_now_add=True)
    language = models.CharField(max_length=10, blank=True)
    category = models.CharField(max_length=20, blank=True)
    understood_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "remote_id"], name="listening_item_unique")
        ]
        indexes = [models.Index(fields=["term", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.author_handle}: {self.text[:60]}"


class Topic(models.Model):
    """Messages about one story, in any language: the running centre of their sentence
    vectors, and the words they use most."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    centroid = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(default=0)
    # word -> count, the most frequent ones only (topics.TERMS_KEPT)
    terms = models.JSONField(default=dict)
    label = models.CharField(max_length=200, blank=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen", "-pk"]
        indexes = [models.Index(fields=["organization", "-last_seen"])]

    def __str__(self) -> str:
        return self.label or f"topic {self.pk}"


class MessageSource(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    LISTENING = "listening", _("Listening")


class TopicEntry(models.Model):
    """One message (of the inbox or of listening) in a topic, with what the cards count."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="entries")
    source = models.CharField(max_length=10, choices=MessageSource.choices)
    message = models.OneToOneField(
        InboundMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    item = models.OneToOneField(
        ListeningItem, on_delete=models.CASCADE, null=True, blank=True, related_name="entry"
    )
    sent_at = models.DateTimeField()
    language = models.CharField(max_length=10, blank=True)
    category = models.CharField(max_length=20, blank=True)
    author = models.CharField(max_length=200)
    reach = models.PositiveIntegerField(default=0)
    similarity = models.FloatField(default=1.0)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["topic", "sent_at"]),
            models.Index(fields=["organization", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} in topic {self.topic_id}"


class ListeningProgress(models.Model):
    """How far topic grouping has read the organization's inbox."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    inbox_after = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id} after {self.inbox_after}"


class CardState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class IssueCard(models.Model):
    """A spike: a topic or a followed term much louder than its own usual level at this hour
    and weekday. What the team saw when it was raised is kept as it was."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="issue_cards"
    )
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True)
    term = models.ForeignKey(FollowedTerm, on_delete=models.SET_NULL, null=True, blank=True)
    state = models.CharField(max_length=10, choices=CardState.choices, default=CardState.OPEN)
    title = models.CharField(max_length=300)
    detected_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_seen = models.DateTimeField()
    # The detector's verdict: messages in the last window, the expected number, the score.
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    score = models.FloatField()
    # [[ISO hour, count], ...] over the last two days
    curve = models.JSONField(default=list)
    # [{"text", "author", "url", "sent_at", "language", "source"}, ...]
    examples = models.JSONField(default=list)
    top_terms = models.JSONField(default=list)
    languages = models.JSONField(default=dict)
    kinds = models.JSONField(default=dict)
    sources = models.JSONField(default=dict)
    # [{"author", "reach", "messages"}, ...]
    authors = models.JSONField(default=list)
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True)
    # What became of the alert: {"app": people, "email": {"ok", "detail"}, "webhook": {...}}
    alerts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        indexes = [models.Index(fields=["organization", "state", "-detected_at"])]

    def __str__(self) -> str:
        return self.title


class IssueAlert(models.Model):
    """A card raised, shown in the app to one member until read."""

    card = models.ForeignKey(IssueCard, on_delete=models.CASCADE, related_name="in_app")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["card", "user"], name="issue_alert_unique")]

    def __str__(self) -> str:
        return f"card {self.card_id} for {self.user_id}"


class AlertSettings(models.Model):
    """Where an organization's issue cards are announced besides the app."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="listening_alerts"
    )
    emails = models.TextField(_("email addresses"), blank=True)
    webhook_url = models.URLField(_("webhook address"), max_length=500, blank=True)
    # Encrypted like platform tokens (core.credentials); signs every webhook body.
    webhook_secret = models.TextField(default="", editable=False)

    def __str__(self) -> str:
        return f"alerts of {self.organization_id}"

    def email_list(self) -> list[str]:
        return [e.strip() for e in self.emails.replace(",", "\n").splitlines() if e.strip()]
