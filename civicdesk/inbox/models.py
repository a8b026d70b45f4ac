"""What the public sends: messages, the conversations they form, their authors, our replies."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Brand, BusinessArea, Channel, Organization


class Author(models.Model):
    """A platform identity, with its history across our channels."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    platform = models.CharField(max_length=20)
    remote_id = models.CharField(max_length=200)
    handle = models.CharField(max_length=200)
    display_name = models.CharField(max_length=300, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "platform", "remote_id"], name="author_unique"
            )
        ]

    def __str__(self) -> str:
        return self.handle


class AuthorTag(models.Model):
    """What the team knows of an author (journalist, elected official, community leader,
    agency…), set by people and audited; routing rules may act on it (``author_tag``)."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=40)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag", "pk"]
        constraints = [models.UniqueConstraint(fields=["author", "tag"], name="author_tag_unique")]

    def __str__(self) -> str:
        return f"{self.author_id}: {self.tag}"


class ConversationStatus(models.TextChoices):
    """Where a conversation stands; moved only through ``state.conversation_move``."""

    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on the public")
    EXPERT = "expert", _("Waiting on an expert")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Conversation(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    remote_id = models.CharField(max_length=200)
    is_direct = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=ConversationStatus.choices, default=ConversationStatus.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    business_area = models.CharField(max_length=100, blank=True)
    last_message_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # For the reports: when the public first had an answer, and when it was last closed.
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set by routing rules (routing.py) or people.
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    labels = models.JSONField(default=list, blank=True)
    is_spam = models.BooleanField(default=False)
    # The response-time target (sla.py): when the public must have an answer by, and when
    # that time passed unanswered (the breach, alerted once).
    due_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # The resolution target: when it must be closed by, and when that passed still open.
    resolve_by = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    # For the reports (sla.record_times): from its first message to the first answer and to
    # its close, on the clock and in business hours; written whenever either moment is.
    first_response_time = models.DurationField(null=True, blank=True)
    first_response_business_time = models.DurationField(null=True, blank=True)
    resolution_time = models.DurationField(null=True, blank=True)
    resolution_business_time = models.DurationField(null=True, blank=True)
    # Its messages still new (unanswered, not done, not hidden). Kept by the database as
    # messages arrive or change status (see counters.py), so the inbox never counts.
    # A plain integer: were it ever to drift, a write must not fail on a CHECK.
    unread_count = models.IntegerField(default=0, editable=False)
    # Not a column: the inbox list's newest message, set by attach_latest_messages
    # (pages/inbox_selectors.py) for the template.
    latest: InboundMessage | None

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "remote_id"], name="conversation_unique")
        ]
        # The inbox pages newest activity first, by (last_message_at, id), within the
        # channels a person may see, optionally one channel or one status.
        indexes = [
            models.Index(fields=["channel", "status", "-last_message_at"]),
            models.Index(fields=["-last_message_at", "-id"], name="conversation_activity"),
            models.Index(
                fields=["channel", "-last_message_at", "-id"], name="conversation_channel_activity"
            ),
            models.Index(
                fields=["status", "-last_message_at", "-id"], name="conversation_status_activity"
            ),
            # Analytics: the conversations a period's channels began.
            models.Index(fields=["channel", "created_at"], name="conversation_channel_begun"),
            # An area's experts walk this one.
            models.Index(
                fields=["business_area", "-last_message_at", "-id"],
                name="conversation_area_activity",
            ),
            # "Time left": open targets, soonest first; the breach sweep reads it too.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(due_at__isnull=False, first_response_at__isnull=True),
                name="conversation_due",
            ),
            # The resolution sweep: open conversations due to be closed, soonest first.
            models.Index(
                fields=["resolve_by", "id"],
                condition=models.Q(resolve_by__isnull=False, closed_at__isnull=True),
                name="conversation_resolve_by",
            ),
            # "Mine" and "someone's" in the inbox walk this one.
            models.Index(
                fields=["assigned_to", "-last_message_at", "-id"],
                name="conversation_assignee_activity",
            ),
        ]
        ordering = ["-last_message_at"]

    def __str__(self) -> str:
        return f"{self.channel} · {self.remote_id}"


class Presence(models.Model):
    """Someone has a conversation open (and is writing in its reply box) right now.

    Refreshed every few seconds by the conversation page; a row older than
    ``PRESENCE_SECONDS`` means they left. Short-lived by design, so not audited.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="presences"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    writing = models.BooleanField(default=False)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="presence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.conversation_id}"


class MessageStatus(models.TextChoices):
    NEW = "new", _("New")
    REPLIED = "replied", _("Replied")
    DONE = "done", _("Done")
    HIDDEN = "hidden", _("Hidden")


class InboundMessage(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="messages")
    remote_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)  # comment, reply, mention, direct
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    in_reply_to_remote_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=MessageStatus.choices, default=MessageStatus.NEW
    )
    # Understanding: filled in on arrival; corrections by people are kept separately.
    language = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=20, blank=True)
    category_scores = models.JSONField(default=dict, blank=True)
    urgency = models.CharField(max_length=10, blank=True)
    urgency_reasons = models.JSONField(default=list, blank=True)
    personal_data = models.JSONField(default=list, blank=True)
    understood_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "remote_id"], name="message_unique")
        ]
        indexes = [
            models.Index(fields=["channel", "status", "-sent_at"]),
            models.Index(fields=["conversation", "sent_at"]),
            # An author's history, newest first.
            models.Index(fields=["author", "-sent_at", "-id"], name="message_author_history"),
            # The inbox's kind and urgency filters ask "has this conversation such a message?"
            # for each conversation down the list: answered from these indexes alone.
            models.Index(fields=["conversation", "category"], name="message_conversation_kind"),
            models.Index(fields=["conversation", "urgency"], name="message_conversation_urgency"),
            # The influencers' ranking reads a date range of the person's channels.
            models.Index(fields=["channel", "sent_at"], name="message_channel_sent"),
        ]
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} · {self.text[:40]}"


class ChannelInbox(models.Model):
    """A channel's inbox counters, kept by the database with its messages (counters.py)."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, primary_key=True, related_name="inbox_counts"
    )
    unread = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.channel}: {self.unread} new"


class ChannelDay(models.Model):
    """Messages a channel received on one day (UTC, by the time they were sent)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbox_days")
    day = models.DateField()
    received = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="channel_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.day}: {self.received}"


class MessageDay(models.Model):
    """Messages a channel received on one day (UTC, by the time they were sent) in one
    language, of one kind and one urgency: what analytics adds up over a period instead of
    counting the messages. Kept by the database with its messages (counters.py)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    language = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=20, blank=True)
    urgency = models.CharField(max_length=10, blank=True)
    received = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index a period's read walks: channels, then a range of days.
            models.UniqueConstraint(
                fields=["channel", "day", "language", "category", "urgency"],
                name="message_day_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.day} {self.language}/{self.category}/{self.urgency}"


class ReplyState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")


class Reply(models.Model):
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="replies")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    text = models.TextField()
    state = models.CharField(max_length=20, choices=ReplyState.choices, default=ReplyState.QUEUED)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    remote_id = models.CharField(max_length=200, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # A reply the platform refused is kept as it was; its edited text goes out as a new
    # reply pointing back here. One-to-one, so a double click cannot send two retries.
    retry_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="retry"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The saved reply it was written from, if any (the version then approved).
    saved_reply = models.ForeignKey(
        "SavedReplyVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Reply to {self.message_id} [{self.state}]"


class Correction(models.Model):
    """A person's correction of what the machine understood; kept to retrain the model."""

    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="corrections"
    )
    field = models.CharField(max_length=20)  # category or urgency
    old_value = models.CharField(max_length=20, blank=True)
    new_value = models.CharField(max_length=20)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class RoutingRule(models.Model):
    """One of an organization's routing rules, tried in order on each message (routing.py).

    Empty conditions match anything; every condition set must hold. The first rule that
    matches acts; the rules after it are not tried.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="routing_rules"
    )
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    # Conditions.
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("brand")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("channel")
    )
    platform = models.CharField(_("platform"), max_length=20, blank=True)
    message_kind = models.CharField(_("message kind"), max_length=20, blank=True)
    category = models.CharField(_("kind"), max_length=20, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    phrases = models.TextField(
        _("words or phrases"),
        blank=True,
        help_text=_("One a line; the rule matches a message containing any of them."),
    )
    author_tag = models.CharField(
        _("author tag"),
        max_length=40,
        blank=True,
        help_text=_("The rule matches a message whose author the team tagged so."),
    )
    # None: whether or not; True: only while an incident covers the message's channel.
    during_incident = models.BooleanField(_("during an incident"), null=True, blank=True)
    # Actions.
    route_to_area = models.ForeignKey(
        BusinessArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("route to business area"),
    )
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assign to"),
    )
    set_priority = models.CharField(
        _("set priority"), max_length=10, choices=Priority.choices, blank=True
    )
    add_label = models.CharField(_("add label"), max_length=40, blank=True)
    mark_spam = models.BooleanField(_("mark as spam"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "position", "pk"]
        indexes = [models.Index(fields=["organization", "position"])]

    def __str__(self) -> str:
        return self.name

    @property
    def phrase_list(self) -> list[str]:
        return [p.strip().casefold() for p in self.phrases.splitlines() if p.strip()]


class RoutingTrigger(models.TextChoices):
    ARRIVAL = "arrival", _("On arrival")
    CORRECTION = "correction", _("After a correction of the kind")


class RoutingDecision(models.Model):
    """What routing did with one message, and which rule made it (none: no rule matched)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="routing_decisions"
    )
    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="routing_decisions"
    )
    rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True)
    # The rule's name then: the rule may be renamed or deleted later.
    rule_name = models.CharField(max_length=120, blank=True)
    trigger = models.CharField(max_length=20, choices=RoutingTrigger.choices)
    actions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.rule_name or 'no rule'}"


class Note(models.Model):
    """An internal note on a conversation, for the team only: never sent to the public."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on {self.conversation_id} by {self.author_id}"


class Notification(models.Model):
    """Something in the app for one person: a colleague mentioned them, a target was missed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_notifications"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20)  # mention, breach
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.text}"


class ResponseTarget(models.Model):
    """How fast the public must have a first answer, and optionally the conversation be
    resolved (closed), for a brand (or all) and a kind (or any).

    Counted in the organization's business hours, or around the clock (an emergency).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="response_targets"
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("brand")
    )
    category = models.CharField(_("kind"), max_length=20, blank=True)
    minutes = models.PositiveIntegerField(_("minutes to a first answer"))
    resolution_minutes = models.PositiveIntegerField(
        _("minutes to resolve"),
        null=True,
        blank=True,
        help_text=_("From the first message to closing the conversation; empty: no target."),
    )
    business_hours = models.BooleanField(_("counted in business hours"), default=True)

    class Meta:
        constraints = [
            # One target per brand and kind, and one per kind for all brands (brand empty):
            # two partial constraints, which SQLite and PostgreSQL both enforce.
            models.UniqueConstraint(
                fields=["organization", "brand", "category"],
                condition=models.Q(brand__isnull=False),
                name="response_target_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "category"],
                condition=models.Q(brand__isnull=True),
                name="response_target_unique_all_brands",
            ),
            models.CheckConstraint(condition=models.Q(minutes__gte=1), name="target_minutes"),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__isnull=True)
                | models.Q(resolution_minutes__gte=1),
                name="target_resolution_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand or 'all'} {self.category or 'any'}: {self.minutes} min"


class BusinessHours(models.Model):
    """One opening interval of an organization on a weekday (0 Monday), in its time zone."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="business_hours"
    )
    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_weekday"),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="hours_open_before_close"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.opens}-{self.closes}"


class Holiday(models.Model):
    """A public holiday of an organization: no business hours that day."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="holidays"
    )
    day = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class SavedReply(models.Model):
    """A reply the team keeps ready, for an organization's brand (or all its brands), with
    one text per official language in each version. Responders use only the approved one."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="saved_replies"
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("brand")
    )
    title = models.CharField(_("title"), max_length=120)
    # The version responders may use now: the newest approved one.
    approved = models.ForeignKey(
        "SavedReplyVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Replies sent with it; counted with F() as each one is queued.
    usage_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["organization", "brand"])]

    def __str__(self) -> str:
        return self.title


class SavedReplyState(models.TextChoices):
    """Where a version stands; moved only through ``state.saved_reply_move``."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class SavedReplyVersion(models.Model):
    """One wording of a saved reply; an edit makes a new draft version, approved on its own."""

    saved_reply = models.ForeignKey(SavedReply, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    texts = models.JSONField(
        default=dict
    )  # language code → text with {name}, {case_number}, {link}
    link = models.URLField(_("link"), max_length=500, blank=True)
    state = models.CharField(
        max_length=10, choices=SavedReplyState.choices, default=SavedReplyState.DRAFT
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["saved_reply", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_reply", "number"], name="saved_reply_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.saved_reply_id} v{self.number} [{self.state}]"


class ConversationLabel(models.Model):
    """A label on a conversation, one row each, so the inbox filters by label on an index.

    Kept beside ``Conversation.labels`` (what the pages show) by whatever adds a label.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="label_rows"
    )
    label = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["label", "conversation"], name="conversation_label")
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.label}"
