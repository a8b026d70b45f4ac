"""Fetch what followed keywords, hashtags and accounts found on the platforms, understand it
like the inbox's messages, and keep it apart from the inbox (there is nothing to answer).

A term's page and its cursor are stored in one transaction, guarded by the cursor read
before the fetch, so two workers never store a page twice and a crash refetches it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civicdesk.connectors.base import (
    ConnectorError,
    InboundPage,
    ListenQuery,
    UnsupportedError,
)
from civicdesk.connectors.base import FollowKind as ConnectorFollowKind
from civicdesk.connectors.registry import connector_for
from civicdesk.core.text import clean_text
from civicdesk.listening.models import FollowedTerm, ListeningItem

logger = logging.getLogger(__name__)

MAX_PAGES = 5
PAGE_SIZE = 100


@dataclass
class FetchReport:
    terms: int = 0
    stored: int = 0
    errors: int = 0


def store_page(term: FollowedTerm, page: InboundPage, *, expected_cursor: str) -> list[int]:
    """Store one page of a term and advance its cursor, atomically; [] if another worker
    stored it first."""
    with transaction.atomic():
        locked = FollowedTerm.objects.select_for_update().get(pk=term.pk)
        if locked.cursor != expected_cursor:
            return []
        rows = [
            ListeningItem(
                organization_id=term.organization_id,
                term_id=term.pk,
                channel_id=term.channel_id,
                remote_id=m.remote_id[:200],
                text=clean_text(m.text),
                url=m.url[:500] if m.url.startswith(("http://", "https://")) else "",
                author_handle=clean_text(m.author.handle)[:200],
                author_name=clean_text(m.author.display_name)[:300],
                author_followers=m.author.followers,
                sent_at=m.created_at,
            )
            for m in page.messages
        ]
        existing = set(
            ListeningItem.objects.filter(
                channel_id=term.channel_id, remote_id__in=[r.remote_id for r in rows]
            ).values_list("remote_id", flat=True)
        )
        fresh = [r for r in rows if r.remote_id not in existing]
        ListeningItem.objects.bulk_create(fresh, ignore_conflicts=True)
        fields: dict[str, object] = {"checked_at": timezone.now(), "error": ""}
        if page.next_cursor is not None:
            fields["cursor"] = page.next_cursor[:500]
        FollowedTerm.objects.filter(pk=term.pk).update(**fields)
    return list(
        ListeningItem.objects.filter(
            channel_id=term.channel_id, remote_id__in=[r.remote_id for r in fresh]
        ).values_list("pk", flat=True)
    )


def fetch_term(term: FollowedTerm) -> int:
    """Fetch everything new for one term; returns how many items were stored."""
    stored: list[int] = []
    query = ListenQuery(ConnectorFollowKind(term.kind), term.value)
    try:
        with connector_for(term.channel) as connector:
            cursor = term.cursor
            for _ in range(MAX_PAGES):
                page = connector.fetch_listening(query, cursor or None, limit=PAGE_SIZE)
                new = store_page(term, page, expected_cursor=cursor)
                stored += new
                if page.next_cursor is None or not page.has_more:
                    break
                cursor = page.next_cursor[:500]
                term.cursor = cursor
    except UnsupportedError as error:
        FollowedTerm.objects.filter(pk=term.pk).update(
            active=False, error=str(error)[:500], checked_at=timezone.now()
        )
    except ConnectorError as error:
        FollowedTerm.objects.filter(pk=term.pk).update(
            error=str(error)[:500], checked_at=timezone.now()
        )
        raise
    finally:
        understand_items(stored)
    return len(stored)


def fetch_all() -> FetchReport:
    """Every active term, once: the worker's periodic job."""
    report = FetchReport()
    terms = FollowedTerm.objects.filter(active=True, channel__is_active=True).select_related(
        "channel__brand"
    )
    for term in terms:
        report.terms += 1
        try:
            report.stored += fetch_term(term)
        except ConnectorError:
            report.errors += 1
    return report


def understand_items(item_ids: Sequence[int]) -> int:
    """Language and kind, as the inbox's messages get them."""
    if not item_ids:
        return 0
    try:
        # Loads the models on first use; listening keeps its items when they cannot load.
        from civicdesk.understanding import understand_batch
    except Exception:  # noqa: BLE001 - understanding is optional for listening
        logger.exception("message understanding is unavailable")
        return 0
    items = list(
        ListeningItem.objects.filter(pk__in=item_ids, understood_at__isnull=True)
        .select_related("organization")
        .only("pk", "text", "organization__official_languages")
    )
    by_languages: dict[tuple[str, ...], list[ListeningItem]] = {}
    for item in items:
        by_languages.setdefault(tuple(item.organization.official_languages), []).append(item)
    now = timezone.now()
    for languages, group in by_languages.items():
        try:
            results = understand_batch([i.text for i in group], languages=languages)
        except Exception:  # noqa: BLE001
            logger.exception("understanding failed on %d listening items", len(group))
            continue
        for item, result in zip(group, results, strict=True):
            item.language = result.language[:10]
            item.category = result.kind[:20]
            item.understood_at = now
        ListeningItem.objects.bulk_update(group, ["language", "category", "understood_at"])
    return len(items)
