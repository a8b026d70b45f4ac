"""Reads for the inbox pages: conversations, a thread, an author's history."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from civicdesk.inbox.models import (
    Author,
    Conversation,
    InboundMessage,
    MessageStatus,
    Reply,
    ReplyState,
)
from civicdesk.organizations.access import Perm, User, channels_for


@dataclass(frozen=True)
class InboxFilters:
    brand: int | None = None
    channel: int | None = None
    status: str | None = None
    category: str | None = None
    urgency: str | None = None


def conversations_for(*, user: User, filters: InboxFilters) -> QuerySet[Conversation]:
    """Conversations on the user's channels, newest first, with their unread count."""
    latest = InboundMessage.objects.filter(conversation_id=OuterRef("pk")).order_by(
        "-sent_at", "-pk"
    )
    conversations = (
        Conversation.objects.filter(channel__in=channels_for(user, Perm.VIEW))
        .select_related("channel__brand__organization")
        .annotate(
            unread=Count("messages", filter=Q(messages__status=MessageStatus.NEW)),
            latest_message_id=Subquery(latest.values("pk")[:1]),
        )
        .order_by("-last_message_at", "-pk")
    )
    if filters.brand:
        conversations = conversations.filter(channel__brand_id=filters.brand)
    if filters.channel:
        conversations = conversations.filter(channel_id=filters.channel)
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.category:
        conversations = conversations.filter(
            Exists(
                InboundMessage.objects.filter(
                    conversation_id=OuterRef("pk"), category=filters.category
                )
            )
        )
    if filters.urgency:
        conversations = conversations.filter(
            Exists(
                InboundMessage.objects.filter(
                    conversation_id=OuterRef("pk"), urgency=filters.urgency
                )
            )
        )
    return conversations


def attach_latest_messages(conversations: list[Conversation]) -> None:
    """Set ``latest`` on each conversation, in one query."""
    ids = [c.latest_message_id for c in conversations if c.latest_message_id]
    by_id = InboundMessage.objects.select_related("author").in_bulk(ids)
    for conversation in conversations:
        conversation.latest = by_id.get(conversation.latest_message_id)


def visible_conversation(*, user: User, pk: int) -> Conversation | None:
    return (
        Conversation.objects.filter(pk=pk, channel__in=channels_for(user, Perm.VIEW))
        .select_related("channel__brand__organization")
        .first()
    )


@dataclass(frozen=True)
class ReplyAttempt:
    """One of our replies, and whether it may be edited and sent again."""

    reply: Reply
    can_retry: bool
    # Refused, then edited and sent again as a newer attempt.
    retried: bool = False


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the public, with our replies to it (every attempt) beneath it."""

    message: InboundMessage
    replies: list[ReplyAttempt] = field(default_factory=list)


def conversation_thread(*, conversation: Conversation) -> list[ThreadEntry]:
    """The public's messages in time order, each with the replies that answer it (two
    queries, whatever the length of the thread)."""
    messages = InboundMessage.objects.filter(conversation=conversation).select_related("author")
    replies = list(Reply.objects.filter(conversation=conversation).select_related("author"))
    retried = {r.retry_of_id for r in replies if r.retry_of_id}
    entries = {m.pk: ThreadEntry(message=m) for m in messages}
    for reply in replies:
        entry = entries.get(reply.message_id)
        if entry is not None:
            can_retry = reply.state == ReplyState.FAILED and reply.pk not in retried
            entry.replies.append(
                ReplyAttempt(reply=reply, can_retry=can_retry, retried=reply.pk in retried)
            )
    return list(entries.values())


def author_messages(*, user: User, author: Author, limit: int = 200) -> list[InboundMessage]:
    """What this author sent on the channels the user can see, newest first."""
    return list(
        InboundMessage.objects.filter(author=author, channel__in=channels_for(user, Perm.VIEW))
        .select_related("channel__brand__organization", "conversation")
        .order_by("-sent_at", "-pk")[:limit]
    )


def new_message_count(*, user: User) -> int:
    return InboundMessage.objects.filter(
        status=MessageStatus.NEW, channel__in=channels_for(user, Perm.VIEW)
    ).count()
