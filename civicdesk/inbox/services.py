"""Actions in the inbox: reply to any message, send a refused reply again, close, correct
what the machine understood."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicdesk.connectors.registry import reply_refusal
from civicdesk.inbox.limits import measure_reply, reply_length_problem
from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    Correction,
    InboundMessage,
    MessageStatus,
    Reply,
    ReplyState,
)
from civicdesk.inbox.tasks import send_reply
from civicdesk.organizations.access import Perm, User, require
from civicdesk.organizations.audit import audit

MAX_REPLY = 10_000
CORRECTABLE = {"category", "urgency"}


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
    *, message: InboundMessage, actor: User, text: str, retry_of: Reply | None = None
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


def reply_create(*, message: InboundMessage, actor: User, text: str) -> Reply:
    """Answer ``message`` (any message of its conversation) on its platform."""
    message = InboundMessage.objects.select_related("channel__brand", "conversation").get(
        pk=message.pk
    )
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    text = _checked_text(message=message, text=text)
    with transaction.atomic():
        reply = _queue(message=message, actor=actor, text=text)
        audit(
            organization=brand.organization_id,
            actor=actor,
            action="reply.create",
            target=reply,
            data={"message": message.pk},
        )
    return reply


def reply_retry(*, reply: Reply, actor: User, text: str) -> Reply:
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
    return new


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, actor: User, status: str) -> None:
    require(actor, conversation.channel.brand, Perm.REPLY)
    if status not in ConversationStatus.values:
        raise ValidationError("Unknown status.")
    # Messages first: their counters lock the channel's row before the conversation's
    # (inbox/counters.py), the order every writer keeps, so closing cannot deadlock ingest.
    if status == ConversationStatus.CLOSED:
        conversation.messages.filter(status=MessageStatus.NEW).update(status=MessageStatus.DONE)
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    audit(
        organization=conversation.channel.brand.organization_id,
        actor=actor,
        action="conversation.status",
        target=conversation,
        data={"status": status},
    )


@transaction.atomic
def message_correct(*, message: InboundMessage, actor: User, field: str, value: str) -> Correction:
    """Keep a responder's correction of a category or urgency, and apply it."""
    from civicdesk.understanding import KINDS, URGENCIES

    require(actor, message.channel.brand, Perm.REPLY)
    allowed = {"category": KINDS, "urgency": URGENCIES}.get(field)
    if allowed is None:
        raise ValidationError("Only the category and the urgency can be corrected.")
    if value not in allowed:
        raise ValidationError(f"{value!r} is not a valid {field}.")
    old = getattr(message, field)
    correction = Correction.objects.create(
        message=message, field=field, old_value=old, new_value=value, corrected_by=actor
    )
    InboundMessage.objects.filter(pk=message.pk).update(**{field: value})
    audit(
        organization=message.channel.brand.organization_id,
        actor=actor,
        action="message.correct",
        target=message,
        data={"field": field, "from": old, "to": value},
    )
    return correction
