"""Bring what the public sent into the inbox, losing nothing and duplicating nothing.

A page from the platform is stored in one transaction together with the channel's
cursor, so a crash mid-page leaves the cursor where it was and the page is fetched
again; duplicates are dropped by (channel, remote id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from civicdesk.connectors.base import (
    AuthExpiredError,
    Capability,
    ConnectorError,
    InboundPage,
    MessageKind,
    RemoteMessage,
    UnsupportedError,
)
from civicdesk.connectors.registry import connector_for
from civicdesk.connectors.tokens import note_rate_limit
from civicdesk.core import archive
from civicdesk.core.text import clean_text
from civicdesk.inbox.arrivals import messages_understood
from civicdesk.inbox.models import Author, Conversation, ConversationStatus, InboundMessage
from civicdesk.inbox.routing import route_messages
from civicdesk.inbox.scope import incident_channels
from civicdesk.inbox.sla import set_due_for_messages
from civicdesk.inbox.state import REOPENED_BY_MESSAGE, conversation_move
from civicdesk.inbox.understanding import understand_messages
from civicdesk.organizations.models import Channel, ChannelHealth
from civicdesk.understanding import embedding

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    pages: int = 0
    received: int = 0
    stored: int = 0
    error: str = ""


class CursorMoved(Exception):
    """Another worker stored this page first; ours is dropped."""


def conversation_key(message: RemoteMessage) -> str:
    if message.conversation_remote_id:
        return message.conversation_remote_id[:200]
    if message.kind == MessageKind.DIRECT:
        return f"dm:{message.author.remote_id}"[:200]
    return (message.root_post_remote_id or message.in_reply_to_remote_id or message.remote_id)[:200]


def store_page(channel: Channel, page: InboundPage, *, expected_cursor: str) -> list[int]:
    """Store one page and advance the cursor, atomically. Returns the new message ids."""
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        if locked.inbound_cursor != expected_cursor:
            raise CursorMoved(channel.pk)
        new_ids = _store_messages(locked, page.messages)
        archive.note("messages", new_ids, why="messages.received")
        fields: dict[str, object] = {"inbound_checked_at": timezone.now()}
        if page.next_cursor is not None:
            fields["inbound_cursor"] = page.next_cursor[:500]
        Channel.objects.filter(pk=channel.pk).update(**fields)
    return new_ids


def _store_messages(channel: Channel, messages: list[RemoteMessage]) -> list[int]:
    if not messages:
        return []
    # Unique by remote id within the page too: a platform may repeat an item.
    by_id: dict[str, RemoteMessage] = {}
    for message in messages:
        by_id.setdefault(message.remote_id[:200], message)
    existing = set(
        InboundMessage.objects.filter(channel=channel, remote_id__in=list(by_id)).values_list(
            "remote_id", flat=True
        )
    )
    fresh = [m for rid, m in by_id.items() if rid not in existing]
    if not fresh:
        return []
    org_id = channel.brand.organization_id
    authors = _upsert_authors(org_id, channel.platform, fresh)
    conversations = _upsert_conversations(channel, fresh)
    rows = [
        InboundMessage(
            channel=channel,
            conversation_id=conversations[conversation_key(m)],
            author_id=authors[m.author.remote_id[:200]],
            remote_id=m.remote_id[:200],
            kind=str(m.kind),
            text=clean_text(m.text),
            url=m.url[:500] if m.url.startswith(("http://", "https://")) else "",
            in_reply_to_remote_id=m.in_reply_to_remote_id[:200],
            sent_at=m.created_at,
        )
        for m in fresh
    ]
    InboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
    new_ids = list(
        InboundMessage.objects.filter(
            channel=channel, remote_id__in=[r.remote_id for r in rows]
        ).values_list("pk", flat=True)
    )
    # Each conversation's newest message time, in one statement for the page.
    latest = (
        InboundMessage.objects.filter(conversation=OuterRef("pk"))
        .values("conversation")
        .annotate(last=Max("sent_at"))
        .values("last")
    )
    touched = {conversations[conversation_key(m)] for m in fresh}
    Conversation.objects.filter(pk__in=touched).update(last_message_at=Subquery(latest))
    # The public wrote again: a closed or waiting conversation wants an answer again.
    conversation_move(touched, ConversationStatus.OPEN, sources=REOPENED_BY_MESSAGE, closed_at=None)
    return new_ids


def _ids_adding_missing(known, keys: list[str], build) -> dict[str, int]:
    """Primary keys of the rows of ``known`` whose ``remote_id`` is in ``keys``; the missing ones
    are built (``build(key)``) and inserted first. A page mostly continues conversations and
    authors already stored, so only the new rows are built; a stored row is left as it is."""
    found = dict(known.filter(remote_id__in=keys).values_list("remote_id", "pk"))
    missing = [key for key in keys if key not in found]
    if missing:
        # another worker may store the same row meanwhile
        known.model.objects.bulk_create([build(key) for key in missing], ignore_conflicts=True)
        found.update(known.filter(remote_id__in=missing).values_list("remote_id", "pk"))
    return found


def _upsert_authors(org_id: int, platform: str, messages: list[RemoteMessage]) -> dict[str, int]:
    wanted = {m.author.remote_id[:200]: m.author for m in messages}
    return _ids_adding_missing(
        Author.objects.filter(organization_id=org_id, platform=platform),
        list(wanted),
        lambda rid: Author(
            organization_id=org_id,
            platform=platform,
            remote_id=rid,
            handle=clean_text(wanted[rid].handle)[:200] or rid,
            display_name=clean_text(wanted[rid].display_name)[:300],
            followers=wanted[rid].followers,
        ),
    )


def _upsert_conversations(channel: Channel, messages: list[RemoteMessage]) -> dict[str, int]:
    keys: dict[str, RemoteMessage] = {}
    for m in messages:
        keys.setdefault(conversation_key(m), m)
    return _ids_adding_missing(
        Conversation.objects.filter(channel=channel),
        list(keys),
        lambda key: Conversation(
            channel=channel,
            remote_id=key,
            is_direct=keys[key].kind == MessageKind.DIRECT,
            last_message_at=keys[key].created_at,
        ),
    )


def ingest_channel(channel_id: int, *, max_pages: int = 20, page_size: int = 100) -> IngestReport:
    """Fetch and store everything new on one channel, page by page."""
    report = IngestReport()
    channel = Channel.objects.select_related("brand").get(pk=channel_id)
    if channel.rate_limited_until and channel.rate_limited_until > timezone.now():
        report.error = "rate limited by the platform; waiting for its reset time"
        return report
    try:
        with connector_for(channel) as connector:
            if not connector.supports(Capability.INBOX):
                return report
            cursor = channel.inbound_cursor
            for _ in range(max_pages):
                page = connector.fetch_inbound(cursor or None, limit=page_size)
                report.pages += 1
                report.received += len(page.messages)
                try:
                    new_ids = store_page(channel, page, expected_cursor=cursor)
                except CursorMoved:
                    break
                report.stored += len(new_ids)
                # The incident scope asked once for the page's understanding and routing.
                in_incident = incident_channels({channel.pk}) if new_ids else set()
                # Claim matching embeds the texts understanding has just embedded: the
                # page's vectors are kept and reused, not computed again.
                with embedding.remembered():
                    understand_messages(new_ids, incident_channels=in_incident)
                    route_messages(new_ids, incident_channels=in_incident)
                    set_due_for_messages(new_ids)
                    messages_understood(new_ids)
                if page.next_cursor is not None:
                    cursor = page.next_cursor[:500]
                if not page.has_more:
                    break
    except UnsupportedError:
        return report
    except AuthExpiredError as error:
        report.error = str(error)
        Channel.objects.filter(pk=channel.pk).update(
            health=ChannelHealth.NEEDS_RECONNECTING, health_detail=str(error)[:500]
        )
        return report
    except ConnectorError as error:
        # Temporary: the cursor stays where the last stored page left it.
        note_rate_limit(channel, error)
        report.error = str(error)
        Channel.objects.filter(pk=channel.pk).update(
            health=ChannelHealth.DEGRADED, health_detail=f"Inbox: {error}"[:500]
        )
        return report
    if channel.health != ChannelHealth.OK:
        Channel.objects.filter(pk=channel.pk, health=ChannelHealth.DEGRADED).update(
            health=ChannelHealth.OK, health_detail=""
        )
    return report
