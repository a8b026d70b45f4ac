"""Private messages through a Page: Messenger, and Instagram messaging for the linked account.

Both read ``GET /{page-id}/conversations?platform=...`` and answer with the Send API,
``POST /{page-id}/messages``. Meta allows an answer only within 24 hours of the person's
last message (the standard messaging window); later answers are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from civicdesk.connectors.base import (
    MessageKind,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    RemoteAuthor,
    RemoteMessage,
)
from civicdesk.connectors.meta.graph import GraphConnector
from civicdesk.connectors.meta.shapes import (
    ShapeError,
    id_of,
    list_of,
    object_of,
    text_of,
    time_of,
)

MESSAGE_FIELDS = "id,message,created_time,from"


def fetch_direct_messages(
    connector: GraphConnector, *, page_id: str, platform: str, own_ids: set[str], since: datetime
) -> list[RemoteMessage]:
    """Messages from people (not from us) in conversations updated since ``since``."""
    params = {
        "platform": platform,
        "fields": f"id,updated_time,messages.limit(25){{{MESSAGE_FIELDS}}}",
        "limit": 25,
    }
    found: list[RemoteMessage] = []
    for conversation in connector.listing(f"/{page_id}/conversations", params, max_pages=3):
        conversation_id = id_of(conversation.get("id"), "conversation id")
        updated = conversation.get("updated_time")
        if updated is not None and time_of(updated, "updated_time") < since:
            break  # conversations come newest first
        messages = conversation.get("messages")
        if messages is None:
            continue
        for item in list_of(object_of(messages, "messages").get("data"), "messages"):
            message = _direct(item, conversation_id)
            if message.author.remote_id in own_ids or message.created_at < since:
                continue
            found.append(message)
    return found


def _direct(item: Mapping[str, Any], conversation_id: str) -> RemoteMessage:
    sender = object_of(item.get("from"), "from")
    handle = text_of(sender.get("username"), "from.username") or text_of(
        sender.get("name"), "from.name"
    )
    return RemoteMessage(
        remote_id=id_of(item.get("id"), "message id"),
        kind=MessageKind.DIRECT,
        text=text_of(item.get("message"), "message"),
        author=RemoteAuthor(
            remote_id=id_of(sender.get("id"), "from.id"),
            handle=handle or id_of(sender.get("id"), "from.id"),
            display_name=text_of(sender.get("name"), "from.name"),
        ),
        created_at=time_of(item.get("created_time"), "created_time"),
        conversation_remote_id=conversation_id,
        raw=dict(item),
    )


def send_direct_message(
    connector: GraphConnector, *, page_id: str, recipient_id: str, text: str
) -> PublishResult:
    if not recipient_id:
        raise RejectedError("cannot tell whom to answer: the message has no author id")
    body = connector.call(
        "POST",
        f"/{page_id}/messages",
        write=True,
        json_body={
            "recipient": {"id": recipient_id},
            "messaging_type": "RESPONSE",
            "message": {"text": text},
        },
    )
    try:
        return PublishResult(remote_id=id_of(body.get("message_id"), "message_id"))
    except ShapeError as exc:
        raise OutcomeUnknownError(f"unexpected answer to a message: {exc}") from None
