"""Actions in the inbox: reply to any message (never twice over someone else's answer),
send a refused reply again, move a conversation through its statuses, assign, take and
release it, say who has it open, correct what the machine understood."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.connectors.registry import reply_refusal
from civicdesk.core import archive
from civicdesk.inbox.experts import is_expert_on
from civicdesk.inbox.limits import measure_reply, reply_length_problem
from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    Correction,
    InboundMessage,
    MessageStatus,
    Presence,
    Reply,
    ReplyState,
    RoutingTrigger,
)
from civicdesk.inbox.routing import route_messages
from civicdesk.inbox.saved_replies import count_use
from civicdesk.inbox.sla import set_due_for_messages
from civicdesk.inbox.state import can_move_conversation, conversation_move
from civicdesk.inbox.tasks import send_reply
from civicdesk.organizations.access import Perm, User, has_perm, require
from civicdesk.organizations.audit import audit
from civicdesk.understanding import KINDS, URGENCIES

MAX_REPLY = 10_000
CORRECTABLE = {"category", "urgency"}
# A presence row not refreshed for this long means the person left the page.
PRESENCE_SECONDS = 30


class ReplyCollision(ValidationError):
    """Someone else answered the conversation after this person opened it."""

    def __init__(self, other: Reply) -> None:
        super().__init__(
            _(
                "%(name)s answered this conversation after you opened it. Read their reply "
                "before sending yours."
            )
            % {"name": other.author.get_username()},
            code="collision",
        )
        self.other = other


def _checked_text(*, message: InboundMessage, text: str) -> str:
    """The reply's text, if its platform would take it; the reason otherwise.

    Measured before any transaction opens: a Mastodon instance may be asked its limits.
    """
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a reply first."), code="empty")
    if len(text) > MAX_REPLY:
        raise ValidationError(_("The reply is too long."), code="too_long")
    channel = message.channel
    # The conversation page asks the same question, so it offers no reply box here.
    refusal = reply_refusal(channel, direct=message.conversation.is_direct)
    if refusal:
        raise ValidationError(refusal, code="unsupported")
    measurement = measure_reply(channel=channel, text=text, direct=message.conversation.is_direct)
    problem = (
        reply_length_problem(measurement, platform_name=channel.get_platform_display())
        if measurement is not None
        else ""
    )
    if problem:
        raise ValidationError(problem, code="too_long")
    return text


def _queue(
    *, message: InboundMessage, actor: Person, text: str, retry_of: Reply | None = None
) -> Reply:
    reply = Reply.objects.create(
        message=message,
        conversation=message.conversation,
        author=actor,
        text=text,
        retry_of=retry_of,
    )
    transaction.on_commit(partial(send_reply.enqueue, reply.pk))
    return reply


def reply_create(
    *,
    message: InboundMessage,
    actor: Person,
    text: str,
    seen_reply: int | None = None,
    saved_reply: int | None = None,
) -> Reply:
    """Answer ``message`` (any message of its conversation) on its platform.

    ``saved_reply``: the saved reply the text was written from, counted as used once queued.

    ``seen_reply`` is the newest reply of the conversation the person had on screen (0 for
    none): if someone else has answered since, nothing is queued and ``ReplyCollision``
    names their reply, so the public never gets two answers. Nobody holding the
    conversation, the person answering takes it.
    """
    message = InboundMessage.objects.select_related("channel__brand", "conversation").get(
        pk=message.pk
    )
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    if brand.archived_at is not None:
        raise ValidationError(
            _("%(brand)s is archived: it sends no replies.") % {"brand": brand.name}
        )
    text = _checked_text(message=message, text=text)
    with transaction.atomic():
        # Locked, so two people sending at the same moment are checked one after the other.
        Conversation.objects.select_for_update().filter(pk=message.conversation_id).values_list(
            "pk"
        ).get()
        if seen_reply is not None:
            other = (
                Reply.objects.filter(conversation_id=message.conversation_id, pk__gt=seen_reply)
                .exclude(author_id=actor.pk)
                .exclude(state=ReplyState.FAILED)
                .select_related("author")
                .order_by("-pk")
                .first()
            )
            if other is not None:
                raise ReplyCollision(other)
        reply = _queue(message=message, actor=actor, text=text)
        if saved_reply:
            version = count_use(saved_reply_id=saved_reply, brand=brand)
            if version is not None:
                Reply.objects.filter(pk=reply.pk).update(saved_reply=version)
        now = timezone.now()
        Conversation.objects.filter(pk=message.conversation_id, assigned_to__isnull=True).update(
            assigned_to_id=actor.pk, assigned_at=now
        )
        conversation_move([message.conversation_id], ConversationStatus.OPEN, sources={"new"})
        audit(
            organization=brand.organization_id,
            actor=actor,
            action="reply.create",
            target=reply,
            data={"message": message.pk},
        )
        archive.note("reply", reply.pk, actor=actor, why="reply.create")
    return reply


def reply_retry(*, reply: Reply, actor: Person, text: str) -> Reply:
    """Send again, as a new attempt, a reply the platform refused, with its text edited.

    The refused reply stays as it was, with the platform's reason; the new one points to it.
    """
    reply = Reply.objects.select_related("message__channel__brand", "message__conversation").get(
        pk=reply.pk
    )
    message = reply.message
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    text = _checked_text(message=message, text=text)
    with transaction.atomic():
        # Locked, so two people resending the same reply cannot both pass the checks.
        previous = Reply.objects.select_for_update().get(pk=reply.pk)
        if previous.state != ReplyState.FAILED:
            raise ValidationError(
                _("Only a reply the platform refused can be sent again."), code="not_failed"
            )
        if Reply.objects.filter(retry_of=previous).exists():
            raise ValidationError(
                _("This reply has already been sent again."), code="already_retried"
            )
        new = _queue(message=message, actor=actor, text=text, retry_of=previous)
        audit(
            organization=brand.organization_id,
            actor=actor,
            action="reply.retry",
            target=new,
            data={
                "message": message.pk,
                "previous": previous.pk,
                "previous_error": previous.error,
                "edited": previous.text != text,
            },
        )
        archive.note("reply", new.pk, actor=actor, why="reply.retry")
    return new


def _locked(conversation: Conversation) -> Conversation:
    # Only the conversation's row: its holder is an outer join, which cannot be locked.
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("channel__brand", "assigned_to")
        .get(pk=conversation.pk)
    )


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, actor: Person, status: str) -> None:
    """Move the conversation to ``status`` as its transition table allows."""
    require(actor, conversation.channel.brand, Perm.REPLY)
    if status not in ConversationStatus.values:
        raise ValidationError(_("Unknown status."), code="unknown")
    # Messages first: their counters lock the channel's row before the conversation's
    # (inbox/counters.py), the order every writer keeps, so closing cannot deadlock ingest.
    if status == ConversationStatus.CLOSED:
        conversation.messages.filter(status=MessageStatus.NEW).update(status=MessageStatus.DONE)
    current = _locked(conversation)
    if not can_move_conversation(current.status, status):
        raise ValidationError(
            _("A conversation that is %(now)s cannot become %(then)s.")
            % {
                "now": current.get_status_display().lower(),
                "then": ConversationStatus(status).label.lower(),
            },
            code="transition",
        )
    fields = {"closed_at": timezone.now() if status == ConversationStatus.CLOSED else None}
    conversation_move([current.pk], status, sources={current.status}, **fields)
    audit(
        organization=current.channel.brand.organization_id,
        actor=actor,
        action="conversation.status",
        target=current,
        data={"from": current.status, "status": status},
    )


def _check_assignee(conversation: Conversation, assignee: User) -> None:
    if not has_perm(assignee, conversation.channel.brand, Perm.REPLY):
        raise ValidationError(
            _("%(name)s cannot answer on %(brand)s.")
            % {"name": assignee.get_username(), "brand": conversation.channel.brand.name},
            code="assignee",
        )


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, actor: Person, assignee: Person | None
) -> None:
    """Give the conversation to ``assignee`` (someone who may answer on its brand), or to
    nobody."""
    require(actor, conversation.channel.brand, Perm.REPLY)
    current = _locked(conversation)
    if assignee is not None:
        _check_assignee(current, assignee)
    Conversation.objects.filter(pk=current.pk).update(
        assigned_to_id=assignee.pk if assignee is not None else None,
        assigned_at=timezone.now() if assignee is not None else None,
    )
    if assignee is not None:
        conversation_move([current.pk], ConversationStatus.OPEN, sources={"new"})
    audit(
        organization=current.channel.brand.organization_id,
        actor=actor,
        action="conversation.assign",
        target=current,
        data={
            "from": current.assigned_to.get_username() if current.assigned_to else "",
            "to": assignee.get_username() if assignee is not None else "",
        },
    )


@transaction.atomic
def conversation_take(*, conversation: Conversation, actor: Person) -> None:
    """The person says "I'm on it": they take a conversation nobody holds (or already theirs)."""
    require(actor, conversation.channel.brand, Perm.REPLY)
    current = _locked(conversation)
    if current.assigned_to is not None and current.assigned_to.pk != actor.pk:
        raise ValidationError(
            _("%(name)s is already on it.") % {"name": current.assigned_to.get_username()},
            code="taken",
        )
    Conversation.objects.filter(pk=current.pk).update(
        assigned_to_id=actor.pk, assigned_at=timezone.now()
    )
    conversation_move([current.pk], ConversationStatus.OPEN, sources={"new"})
    audit(
        organization=current.channel.brand.organization_id,
        actor=actor,
        action="conversation.take",
        target=current,
    )


@transaction.atomic
def conversation_release(*, conversation: Conversation, actor: Person) -> None:
    """The person holding the conversation lets it go back to the team."""
    require(actor, conversation.channel.brand, Perm.REPLY)
    current = _locked(conversation)
    if current.assigned_to_id != actor.pk:
        raise ValidationError(_("Only the person on it can release it."), code="not_holder")
    Conversation.objects.filter(pk=current.pk).update(assigned_to=None, assigned_at=None)
    audit(
        organization=current.channel.brand.organization_id,
        actor=actor,
        action="conversation.release",
        target=current,
    )


def presence_touch(*, conversation: Conversation, actor: Person, writing: bool) -> None:
    """Note that ``actor`` has the conversation open now (and whether they are writing)."""
    if not is_expert_on(actor, conversation):
        require(actor, conversation.channel.brand, Perm.VIEW)
    Presence.objects.update_or_create(
        conversation_id=conversation.pk,
        user_id=actor.pk,
        defaults={"writing": writing, "seen_at": timezone.now()},
    )


def presence_others(*, conversation: Conversation, actor: Person) -> list[Presence]:
    """Who else has the conversation open, writers first."""
    since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
    return list(
        Presence.objects.filter(conversation_id=conversation.pk, seen_at__gte=since)
        .exclude(user_id=actor.pk)
        .select_related("user")
        .order_by("-writing", "user__" + get_user_model().USERNAME_FIELD)
    )


@transaction.atomic
def message_correct(
    *, message: InboundMessage, actor: Person, field: str, value: str
) -> Correction:
    """Keep a responder's correction of a category or urgency, and apply it."""
    require(actor, message.channel.brand, Perm.REPLY)
    allowed = {"category": KINDS, "urgency": URGENCIES}.get(field)
    if allowed is None:
        raise ValidationError(_("Only the category and the urgency can be corrected."))
    if value not in allowed:
        raise ValidationError(
            _("%(value)s is not a valid %(field)s.") % {"value": repr(value), "field": field}
        )
    old = getattr(message, field)
    correction = Correction.objects.create(
        message=message, field=field, old_value=old, new_value=value, corrected_by=actor
    )
    InboundMessage.objects.filter(pk=message.pk).update(**{field: value})
    if field == "category":
        # The kind decides much of the routing: the rules look at the message again.
        route_messages([message.pk], trigger=RoutingTrigger.CORRECTION)
        set_due_for_messages([message.pk])  # and the target that fits the kind
    audit(
        organization=message.channel.brand.organization_id,
        actor=actor,
        action="message.correct",
        target=message,
        data={"field": field, "from": old, "to": value},
    )
    return correction
