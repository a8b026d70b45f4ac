"""Background tasks of the inbox, run by the worker through Django's Tasks framework."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    MessageKind,
    OutcomeUnknownError,
    ReplyTarget,
    RetryableError,
)
from civicdesk.connectors.registry import connector_for
from civicdesk.core import archive
from civicdesk.core.backoff import backoff_delay
from civicdesk.inbox import state
from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    InboundMessage,
    MessageStatus,
    Reply,
    ReplyState,
)
from civicdesk.inbox.sla import record_times
from civicdesk.organizations.models import Channel, ChannelHealth

logger = logging.getLogger(__name__)
MAX_REPLY_ATTEMPTS = 6


@task()
def send_reply(reply_id: int) -> str:
    return deliver_reply(reply_id)


def deliver_reply(reply_id: int) -> str:
    """Send one queued reply, in answer to the message it names. The same idempotency key
    travels with every attempt of this reply; every state change goes through the table."""
    if not state.move(reply_id, ReplyState.QUEUED, ReplyState.SENDING):
        return "not queued"
    reply = Reply.objects.select_related(
        "message", "message__author", "conversation", "message__channel"
    ).get(pk=reply_id)
    message = reply.message
    target = ReplyTarget(
        remote_id=message.remote_id,
        kind=MessageKind(message.kind),
        author_remote_id=message.author.remote_id,
        conversation_remote_id=reply.conversation.remote_id,
    )
    attempts = reply.attempts + 1
    Reply.objects.filter(pk=reply_id).update(attempts=attempts)
    sending = ReplyState.SENDING
    try:
        with connector_for(message.channel) as connector:
            result = connector.reply(target, reply.text, idempotency_key=str(reply.idempotency_key))
    except RetryableError as error:
        if attempts >= MAX_REPLY_ATTEMPTS:
            state.move(reply_id, sending, ReplyState.FAILED, error=str(error)[:500])
            return "failed"
        delay = backoff_delay(attempts, base=5, cap=600, retry_after=error.retry_after)
        state.move(reply_id, sending, ReplyState.QUEUED, error=str(error)[:500])
        transaction.on_commit(
            lambda: send_reply.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                reply_id
            )
        )
        return "retrying"
    except OutcomeUnknownError as error:
        state.move(
            reply_id,
            sending,
            ReplyState.UNCONFIRMED,
            error=f"It may or may not have been sent: {error}"[:500],
        )
        return "unconfirmed"
    except AuthExpiredError as error:
        Channel.objects.filter(pk=message.channel_id).update(
            health=ChannelHealth.NEEDS_RECONNECTING, health_detail=str(error)[:500]
        )
        state.move(reply_id, sending, ReplyState.FAILED, error=str(error)[:500])
        return "failed"
    except ConnectorError as error:
        # The platform's own reason is kept: the reply can be edited and sent again.
        state.move(reply_id, sending, ReplyState.FAILED, error=str(error)[:500])
        return "failed"
    state.move(
        reply_id,
        sending,
        ReplyState.SENT,
        remote_id=result.remote_id[:200],
        remote_url=result.url[:500],
        sent_at=timezone.now(),
        error="",
    )
    mark_replied(reply)
    archive.note("reply", reply_id, why="reply.sent")
    return "sent"


def mark_replied(reply: Reply) -> None:
    """The message a sent reply answers is answered (the first answer sets the response time,
    of the message and of its conversation), and the conversation waits on the public."""
    now = timezone.now()
    # A hidden message stays hidden when it is answered (say, by direct message).
    InboundMessage.objects.filter(pk=reply.message_id).exclude(status=MessageStatus.HIDDEN).update(
        status=MessageStatus.REPLIED
    )
    InboundMessage.objects.filter(pk=reply.message_id, first_response_at__isnull=True).update(
        first_response_at=now
    )
    if Conversation.objects.filter(pk=reply.conversation_id, first_response_at__isnull=True).update(
        first_response_at=now
    ):
        record_times([reply.conversation_id])
    state.conversation_move(
        [reply.conversation_id],
        ConversationStatus.WAITING,
        sources={ConversationStatus.NEW, ConversationStatus.OPEN},
    )
