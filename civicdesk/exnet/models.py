"""The exercise network's own tables: accounts, posts, messages, reactions, inbox events, faults.

Everything here belongs to the small social platform Civic Desk serves for rehearsals; the rest
of Civic Desk never reads these tables directly, it talks to the network over HTTP.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class NetAccount(models.Model):
    handle = models.CharField(max_length=30, unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.CharField(max_length=300, blank=True)
    # Members of the public played by the simulator, as opposed to accounts a team operates.
    is_simulated = models.BooleanField(default=False)
    # SHA-256 of the API token; the token itself is shown once, at creation.
    token_hash = models.CharField(max_length=64, unique=True)
    # The sequence number of the last inbox event written for this account. Inbox writers
    # lock this row, so sequence order equals commit order for one recipient.
    last_event_seq = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["handle"]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def name(self) -> str:
        return self.display_name or self.handle


class NetPost(models.Model):
    account = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField()
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # The top-level post of the thread; null for a top-level post.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="thread_posts"
    )
    # The client's Idempotency-Key: a repeated create with the same key returns this post.
    client_ref = models.CharField(max_length=200, blank=True)
    impressions = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    # The author changed the text (the platform keeps only the newest; archives keep the rest).
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by the owner of the thread it answers: still there, but shown to nobody else.
    hidden_at = models.DateTimeField(null=True, blank=True)
    # Who removed it: its author, or the owner of the thread it answers (moderation).
    deleted_by = models.ForeignKey(
        NetAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "client_ref"],
                condition=~Q(client_ref=""),
                name="exnet_post_client_ref_unique",
            ),
        ]
        indexes = [models.Index(fields=["account", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"post {self.pk} by {self.account_id}"

    @property
    def thread_root_id(self) -> int:
        return self.root_id or self.pk


class NetMedia(models.Model):
    """An attachment's description; the bytes are checked and measured, not kept."""

    post = models.ForeignKey(NetPost, on_delete=models.CASCADE, related_name="media")
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=1500, blank=True)
    sha256 = models.CharField(max_length=64)
    # A video's captions (WebVTT), kept: people read them.
    captions = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.content_type} on post {self.post_id}"


class NetMention(models.Model):
    post = models.ForeignKey(NetPost, on_delete=models.CASCADE, related_name="mentions")
    account = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="exnet_mention_unique"),
        ]

    def __str__(self) -> str:
        return f"mention of {self.account_id} in post {self.post_id}"


class NetDirectMessage(models.Model):
    sender = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="sent_dms")
    recipient = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="received_dms")
    text = models.TextField()
    client_ref = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_ref"],
                condition=~Q(client_ref=""),
                name="exnet_dm_client_ref_unique",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"message {self.pk} from {self.sender_id} to {self.recipient_id}"

    @property
    def conversation(self) -> str:
        low, high = sorted([self.sender_id, self.recipient_id])
        return f"dm:{low}:{high}"


class NetLike(models.Model):
    account = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="likes")
    post = models.ForeignKey(NetPost, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "post"], name="exnet_like_unique"),
        ]

    def __str__(self) -> str:
        return f"like of post {self.post_id} by {self.account_id}"


class NetRepost(models.Model):
    account = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="reposts")
    post = models.ForeignKey(NetPost, on_delete=models.CASCADE, related_name="reposts")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "post"], name="exnet_repost_unique"),
        ]

    def __str__(self) -> str:
        return f"repost of post {self.post_id} by {self.account_id}"


class NetFollow(models.Model):
    follower = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="following")
    followee = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="exnet_follow_unique"),
            models.CheckConstraint(
                condition=~Q(follower=models.F("followee")), name="exnet_follow_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class NetBlock(models.Model):
    """An account blocking another: the blocked one can no longer answer its posts or
    message it."""

    blocker = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="blocking")
    blocked = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="exnet_block_unique"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="exnet_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class EventKind(models.TextChoices):
    COMMENT = "comment", "Comment on a post"
    REPLY = "reply", "Reply in a thread"
    MENTION = "mention", "Mention"
    DIRECT = "direct", "Direct message"


class NetEvent(models.Model):
    """One entry in an account's inbox, numbered per recipient in commit order."""

    recipient = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    post = models.ForeignKey(NetPost, null=True, blank=True, on_delete=models.CASCADE)
    direct_message = models.ForeignKey(
        NetDirectMessage, null=True, blank=True, on_delete=models.CASCADE
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "seq"], name="exnet_event_seq_unique"),
            models.CheckConstraint(
                condition=Q(post__isnull=False, direct_message__isnull=True)
                | Q(post__isnull=True, direct_message__isnull=False),
                name="exnet_event_one_subject",
            ),
        ]
        ordering = ["recipient", "seq"]

    def __str__(self) -> str:
        return f"event {self.seq} for {self.recipient_id}: {self.kind}"


class FaultKind(models.TextChoices):
    LATENCY = "latency", "Latency"
    RATE_LIMIT = "rate_limit", "Rate limit (429)"
    SERVER_ERROR = "server_error", "Server error (5xx)"
    TIMEOUT = "timeout", "Timeout before the action"
    MALFORMED = "malformed", "Malformed JSON after the action"
    ACCEPTED_LOST = "accepted_lost", "Accepted, response lost"


class NetFault(models.Model):
    """A fault to inject into this account's next API calls, used up atomically."""

    account = models.ForeignKey(NetAccount, on_delete=models.CASCADE, related_name="faults")
    kind = models.CharField(max_length=20, choices=FaultKind.choices)
    # An operation name such as "create_post" or "inbox", "read", "write" or "any".
    operation = models.CharField(max_length=30, default="any")
    # How many more calls this fault hits; null means "by probability, until cleared".
    remaining = models.PositiveIntegerField(null=True, blank=True)
    probability = models.FloatField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__isnull=False) | Q(probability__isnull=False),
                name="exnet_fault_count_or_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.operation} for {self.account_id}"
