"""Actions in the inbox: reply, close, correct what the machine understood."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    Correction,
    InboundMessage,
    MessageStatus,
    Reply,
)
from civicdesk.organizations.access import Perm, User, require
from civicdesk.organizations.audit import audit

MAX_REPLY = 10_000
CORRECTABLE = {"category", "urgency"}


@transaction.atomic
def reply_create(*, message: InboundMessage, actor: User, text: str) -> Reply:
    from civicdesk.inbox.tasks import send_reply

    message = InboundMessage.objects.select_related("channel__brand", "conversation").get(
        pk=message.pk
    )
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    text = text.strip()
    if not text:
        raise ValidationError("Write a reply first.")
    if len(text) > MAX_REPLY:
        raise ValidationError("The reply is too long.")
    reply = Reply.objects.create(message=message, conversation=message.conversation,
                                 author=actor, text=text)
    audit(organization=brand.organization_id, actor=actor, action="reply.create",
          target=reply, data={"message": message.pk})
    transaction.on_commit(partial(send_reply.enqueue, reply.pk))
    return reply


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, actor: User, status: str) -> None:
    require(actor, conversation.channel.brand, Perm.REPLY)
    if status not in ConversationStatus.values:
        raise ValidationError("Unknown status.")
    Conversation.objects.filter(pk=conversation.pk).update(status=status)
    if status == ConversationStatus.CLOSED:
        conversation.messages.filter(status=MessageStatus.NEW).update(status=MessageStatus.DONE)
    audit(organization=conversation.channel.brand.organization_id, actor=actor,
          action="conversation.status", target=conversation, data={"status": status})


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
    correction = Correction.objects.create(message=message, field=field, old_value=old,
                                           new_value=value, corrected_by=actor)
    InboundMessage.objects.filter(pk=message.pk).update(**{field: value})
    audit(organization=message.channel.brand.organization_id, actor=actor,
          action="message.correct", target=message,
          data={"field": field, "from": old, "to": value})
    return correction


def mark_replied(reply: Reply) -> None:
    now = timezone.now()
    # A hidden message stays hidden when it is answered (say, by direct message).
    InboundMessage.objects.filter(pk=reply.message_id).exclude(
        status=MessageStatus.HIDDEN).update(status=MessageStatus.REPLIED)
    InboundMessage.objects.filter(pk=reply.message_id, first_response_at__isnull=True).update(
        first_response_at=now
    )
