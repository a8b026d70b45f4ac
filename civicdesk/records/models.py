"""The archive of everything published and received, its signed checkpoints, the
retention rules, legal holds and what retention did.

``ArchiveEntry`` rows are appended, never updated, except that retention may erase an
entry's content (``erased_at``): its hashes stay, so the chain still verifies and the erasure
is visible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Channel, Organization


class EntryKind(models.TextChoices):
    POST_VERSION = "post_version", _("Post version")
    PUBLICATION = "publication", _("Published")
    PUBLICATION_REMOVED = "publication_removed", _("Deleted from the platform")
    MESSAGE = "message", _("Message received")
    MESSAGE_EDITED = "message_edited", _("Edited by its author")
    MESSAGE_DELETED = "message_deleted", _("Deleted by its author")
    REPLY = "reply", _("Reply")
    MODERATION = "moderation", _("Moderation")


class ArchiveEntry(models.Model):
    """One version of one record, chained per organization like the audit log."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="archive_entries"
    )
    sequence = models.PositiveBigIntegerField()
    recorded_at = models.DateTimeField()
    kind = models.CharField(max_length=30, choices=EntryKind.choices)
    # "post:12" or "conversation:7": the thread an export shows together.
    thread = models.CharField(max_length=80)
    # "post:12", "publication:3", "message:40", "reply:9", "moderation:2".
    subject = models.CharField(max_length=80)
    # Plain numbers, not keys: the archive outlives the rows it describes.
    channel_id = models.BigIntegerField(null=True, blank=True)
    brand_id = models.BigIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    author_label = models.CharField(max_length=300, blank=True)
    actor_label = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    content = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="archive_sequence_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "occurred_at"]),
            models.Index(fields=["organization", "thread"]),
            models.Index(fields=["organization", "subject"]),
        ]
        ordering = ["organization", "sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.subject}"


class QueuedNote(models.Model):
    """A change the archive has still to record (``core.archive.queued``): written in the
    change's own transaction, turned into entries and deleted by ``drain_notes``."""

    event = models.CharField(max_length=30)
    ids = models.JSONField(default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    why = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.event} {self.ids}"


class Chain(models.TextChoices):
    AUDIT = "audit", _("Audit log")
    ARCHIVE = "archive", _("Archive")


class Checkpoint(models.Model):
    """A signed statement of a chain's head: entry ``sequence`` has hash ``head_hash``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="checkpoints"
    )
    chain = models.CharField(max_length=10, choices=Chain.choices)
    sequence = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "chain", "sequence"], name="checkpoint_unique"
            )
        ]
        ordering = ["organization", "chain", "sequence"]

    def __str__(self) -> str:
        return f"{self.chain} #{self.sequence}"


class ChainCheck(models.Model):
    """The last full verification of one of an organization's chains, and one asked for.

    The nightly job (``records.verify``) and the "Check the whole chain now" action read the
    chain from its first entry and store here how far they got; the pages then check only the
    entries added since ``sequence``, starting from ``head_hash``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="chain_checks"
    )
    chain = models.CharField(max_length=10, choices=Chain.choices)
    # A full check asked for from a page and not yet begun, by whom.
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set while a full check runs (a claim: one check a chain at a time).
    started_at = models.DateTimeField(null=True, blank=True)
    # The last full check: when it finished, how many entries it read, the last entry it
    # found good, whether it read the chain to its end, and the first entry it could not trust.
    checked_at = models.DateTimeField(null=True, blank=True)
    entries = models.PositiveBigIntegerField(default=0)
    sequence = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    whole = models.BooleanField(default=False)
    first_broken = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "chain"], name="chain_check_unique")
        ]

    def __str__(self) -> str:
        return f"{self.chain} checked to #{self.sequence}"


class RecordClass(models.TextChoices):
    PUBLISHED_POSTS = "published_posts", _("Published posts")
    INBOUND_MESSAGES = "inbound_messages", _("Public messages received")
    DIRECT_MESSAGES = "direct_messages", _("Direct messages")
    DRAFTS = "drafts", _("Drafts never published")
    ATTACHMENTS = "attachments", _("Attachments")


class RetentionAction(models.TextChoices):
    KEEP = "keep", _("Keep")
    ANONYMIZE = "anonymize", _("Anonymize the author")
    DELETE = "delete", _("Delete")


class RetentionRule(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="retention_rules"
    )
    record_class = models.CharField(max_length=30, choices=RecordClass.choices)
    days = models.PositiveIntegerField()
    action = models.CharField(max_length=20, choices=RetentionAction.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "record_class"], name="retention_rule_unique"
            )
        ]
        ordering = ["organization", "record_class"]

    def __str__(self) -> str:
        return f"{self.record_class}: {self.action} after {self.days} days"


class LegalHold(models.Model):
    """Suspends retention for everything in its scope until released. An empty part of the
    scope (no channels, no authors, no words, no dates) does not narrow it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="legal_holds"
    )
    name = models.CharField(_("name"), max_length=200)
    reason = models.TextField(_("reason"))
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    channels = models.ManyToManyField(Channel, blank=True, related_name="+")
    authors = models.JSONField(default=list, blank=True)
    words = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Disposal(models.Model):
    """What retention did to one record, so it is done once and can be shown."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="disposals"
    )
    subject = models.CharField(max_length=80)
    record_class = models.CharField(max_length=30, choices=RecordClass.choices)
    action = models.CharField(max_length=20, choices=RetentionAction.choices)
    applied_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "subject", "action"], name="disposal_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.subject}"
