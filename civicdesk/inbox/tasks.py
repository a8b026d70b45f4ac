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
from civicdesk.inbox.models import Reply, ReplyState
from civicdesk.inbox.services import mark_replied
from civicdesk.organizations.models import Channel, ChannelHealth
from civicdesk.publishing.backoff import backoff_delay

logger = logging.getLogger(__name__)
MAX_REPLY_ATTEMPTS = 6


@task()
def send_reply(reply_id: int) -> str:
    return deliver_reply(reply_id)


def deliver_reply(reply_id: int) -> str:
    """Send one queued reply. The same idempotency key travels with every attempt."""
    claimed = Reply.objects.filter(pk=reply_id, state=ReplyState.QUEUED).update(
        state=ReplyState.SENDING
    )
    if claimed != 1:
        return "not queued"
    reply = Reply.objects.select_related("message", "message__author", "conversation",
                                         "message__channel").get(pk=reply_id)
    message = reply.message
    target = ReplyTarget(
        remote_id=message.remote_id,
        kind=MessageKind(message.kind),
        author_remote_id=message.author.remote_id,
        conversation_remote_id=reply.conversation.remote_id,
    )
    Reply.objects.filter(pk=reply_id).update(attempts=reply.attempts + 1)
    try:
        with connector_for(message.channel) as connector:
            result = connector.reply(target, reply.text, idempotency_key=str(reply.idempotency_key))
    except RetryableError as error:
        if reply.attempts + 1 >= MAX_REPLY_ATTEMPTS:
            Reply.objects.filter(pk=reply_id).update(state=ReplyState.FAILED,
                                                     error=str(error)[:500])
            return "failed"
        delay = backoff_delay(reply.attempts + 1, base=5, cap=600, retry_after=error.retry_after)
        Reply.objects.filter(pk=reply_id).update(state=ReplyState.QUEUED, error=str(error)[:500])
        transaction.on_commit(lambda: send_reply.using(
            run_after=timezone.now() + timedelta(seconds=delay)).enqueue(reply_id))
        return "retrying"
    except OutcomeUnknownError as error:
        Reply.objects.filter(pk=reply_id).update(
            state=ReplyState.UNCONFIRMED,
            error=f"It may or may not have been sent: {error}"[:500])
        return "unconfirmed"
    except AuthExpiredError as error:
        Channel.objects.filter(pk=message.channel_id).update(
            health=ChannelHealth.NEEDS_RECONNECTING, health_detail=str(error)[:500])
        Reply.objects.filter(pk=reply_id).update(state=ReplyState.FAILED, error=str(error)[:500])
        return "failed"
    except ConnectorError as error:
        Reply.objects.filter(pk=reply_id).update(state=ReplyState.FAILED, error=str(error)[:500])
        return "failed"
    Reply.objects.filter(pk=reply_id).update(
        state=ReplyState.SENT, remote_id=result.remote_id[:200], remote_url=result.url[:500],
        sent_at=timezone.now(), error="")
    mark_replied(reply)
    return "sent"
