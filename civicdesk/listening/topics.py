"""Group the inbox's and listening's messages into topics (``engine.TopicGrouper``), as they
arrive: the worker's periodic job reads what is new since it last ran, per organization."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from civicdesk.inbox.models import InboundMessage
from civicdesk.listening import engine, terms
from civicdesk.listening.models import (
    ListeningItem,
    ListeningProgress,
    MessageSource,
    Topic,
    TopicEntry,
)
from civicdesk.organizations.models import Organization
from civicdesk.understanding import embedding

BATCH = 1000
#: A message not understood after this long is grouped anyway (its language left empty).
UNDERSTANDING_WAIT = timedelta(minutes=10)
#: Topics compared with, the most recently active first.
ACTIVE_TOPICS = 5000


@dataclass
class Incoming:
    source: str
    pk: int
    text: str
    sent_at: datetime
    language: str
    category: str
    author: str
    reach: int


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _from_bytes(data: bytes | memoryview) -> np.ndarray:
    raw = bytes(data)
    if len(raw) != engine.DIM * 4:
        return np.zeros(engine.DIM, dtype=np.float32)
    return np.frombuffer(raw, dtype=np.float32).copy()


def _inbox(organization: Organization, after: int) -> tuple[list[Incoming], int]:
    rows = list(
        InboundMessage.objects.filter(channel__brand__organization=organization, pk__gt=after)
        .select_related("author")
        .only(
            "pk",
            "text",
            "sent_at",
            "language",
            "category",
            "understood_at",
            "received_at",
            "author__handle",
            "author__followers",
        )
        .order_by("pk")[:BATCH]
    )
    wait_until = timezone.now() - UNDERSTANDING_WAIT
    out: list[Incoming] = []
    last = after
    for m in rows:
        if m.understood_at is None and m.received_at > wait_until:
            break  # the inbox has not understood it yet: come back for it
        out.append(
            Incoming(
                source=MessageSource.INBOX,
                pk=m.pk,
                text=m.text,
                sent_at=m.sent_at,
                language=m.language,
                category=m.category,
                author=m.author.handle,
                reach=m.author.followers or 0,
            )
        )
        last = m.pk
    return out, last


def _listening(organization: Organization) -> list[Incoming]:
    wait_until = timezone.now() - UNDERSTANDING_WAIT
    items = (
        ListeningItem.objects.filter(organization=organization, entry__isnull=True)
        .exclude(understood_at__isnull=True, fetched_at__gt=wait_until)
        .order_by("pk")[:BATCH]
    )
    return [
        Incoming(
            source=MessageSource.LISTENING,
            pk=i.pk,
            text=i.text,
            sent_at=i.sent_at,
            language=i.language,
            category=i.category,
            author=i.author_handle,
            reach=i.author_followers or 0,
        )
        for i in items
    ]


def group_organization(organization: Organization) -> int:
    """Put the organization's new messages in topics; returns how many were grouped."""
    progress, _ = ListeningProgress.objects.get_or_create(organization=organization)
    inbox, last = _inbox(organization, progress.inbox_after)
    incoming = sorted(inbox + _listening(organization), key=lambda m: (m.sent_at, m.pk))
    if not incoming:
        if last != progress.inbox_after:
            ListeningProgress.objects.filter(pk=progress.pk).update(inbox_after=last)
        return 0
    vectors = embedding.embed([m.text for m in incoming])
    with transaction.atomic():
        locked = ListeningProgress.objects.select_for_update().get(pk=progress.pk)
        if locked.inbox_after != progress.inbox_after:
            return 0  # another worker grouped these meanwhile
        grouped = _group(organization, incoming, vectors)
        ListeningProgress.objects.filter(pk=progress.pk).update(inbox_after=last)
    return grouped


def _group(organization: Organization, incoming: list[Incoming], vectors: np.ndarray) -> int:
    since = incoming[0].sent_at - timedelta(hours=engine.ACTIVE_HOURS)
    known = list(
        Topic.objects.filter(organization=organization, last_seen__gte=since).order_by(
            "-last_seen"
        )[:ACTIVE_TOPICS]
    )
    grouper = engine.TopicGrouper()
    by_key: dict[int, Topic] = {}
    for topic in known:
        grouper.add(
            engine.TopicState(
                key=topic.pk,
                total=_from_bytes(topic.centroid).astype(np.float64) * topic.size,
                size=topic.size,
                last_seen=topic.last_seen,
            )
        )
        by_key[topic.pk] = topic
    texts: dict[int, list[str]] = {}
    placed: list[tuple[Incoming, int, float]] = []
    next_key = -1  # new topics are keyed below zero until they have an id
    for message, vector in zip(incoming, vectors, strict=True):
        assigned = grouper.assign(vector, message.sent_at, new_key=next_key)
        key = next_key if assigned.key is None else assigned.key
        if assigned.key is None:
            next_key -= 1
        placed.append((message, key, assigned.similarity))
        texts.setdefault(key, []).append(message.text)
    for key, text_list in texts.items():
        state = grouper.topics[key]
        if key not in by_key:
            first = min(m.sent_at for m, k, _ in placed if k == key)
            by_key[key] = Topic(organization=organization, first_seen=first, terms={})
        topic = by_key[key]
        topic.centroid = _to_bytes(state.centroid)
        topic.size = state.size
        topic.last_seen = state.last_seen
        topic.terms = terms.merge(topic.terms, text_list)
        topic.label = terms.label(topic.terms)[:200]
        topic.save()
    TopicEntry.objects.bulk_create(
        [
            TopicEntry(
                organization=organization,
                topic=by_key[key],
                source=message.source,
                message_id=message.pk if message.source == MessageSource.INBOX else None,
                item_id=message.pk if message.source == MessageSource.LISTENING else None,
                sent_at=message.sent_at,
                language=message.language[:10],
                category=message.category[:20],
                author=message.author[:200],
                reach=max(0, message.reach),
                similarity=similarity,
            )
            for message, key, similarity in placed
        ],
        ignore_conflicts=True,
    )
    return len(placed)


def group_all() -> int:
    """Every organization's new messages: the worker's periodic job."""
    return sum(group_organization(org) for org in Organization.objects.all())
