"""Running message understanding on stored messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from civicdesk.inbox.models import InboundMessage

logger = logging.getLogger(__name__)


def understand_messages(message_ids: Sequence[int]) -> int:
    """Fill in language, category, urgency and personal data for these messages.

    Never raises: a message the model could not read keeps ``understood_at`` empty and
    is tried again by ``understand_pending``.
    """
    if not message_ids:
        return 0
    try:
        from civicdesk.understanding import understand_batch
    except Exception:  # noqa: BLE001 - the inbox must keep working without the models
        logger.exception("message understanding is unavailable")
        return 0
    messages = list(
        InboundMessage.objects.filter(pk__in=message_ids, understood_at__isnull=True)
        .select_related("channel__brand__organization")
        .only(
            "pk",
            "text",
            "channel__brand__organization__official_languages",
            "channel__brand__organization__slug",
        )
    )
    from civicdesk.understanding.organizations import installed_models_dir

    by_languages: dict[tuple, list[InboundMessage]] = {}
    folders: dict[int, object] = {}  # one look on disk per organization, not per message
    for message in messages:
        organization = message.channel.brand.organization
        if organization.pk not in folders:
            folders[organization.pk] = installed_models_dir(organization)
        # the organisation's own retrained model when it has one, else the shipped one
        key = (tuple(organization.official_languages), folders[organization.pk])
        by_languages.setdefault(key, []).append(message)
    now = timezone.now()
    done = 0
    for (languages, models_dir), group in by_languages.items():
        try:
            results = understand_batch(
                [m.text for m in group], languages=languages, models_dir=models_dir
            )
        except Exception:  # noqa: BLE001
            logger.exception("message understanding failed on a batch of %d", len(group))
            continue
        for message, result in zip(group, results, strict=True):
            message.language = result.language
            message.category = result.kind
            message.category_scores = {k: round(v, 4) for k, v in result.kind_scores.items()}
            message.urgency = result.urgency
            message.urgency_reasons = list(result.urgency_reasons)
            message.personal_data = [
                {"start": s.start, "end": s.end, "kind": s.kind} for s in result.pii
            ]
            message.understood_at = now
        _save_understanding(group)
        done += len(group)
    return done


UNDERSTOOD_FIELDS = ("language", "category", "category_scores", "urgency", "urgency_reasons",
                     "personal_data", "understood_at")


def _save_understanding(messages: Sequence[InboundMessage]) -> None:
    """One UPDATE statement run once per message (executemany). ``bulk_update`` builds a
    CASE per field and row, which cost more than understanding the messages did."""
    meta = InboundMessage._meta
    fields = [meta.get_field(name) for name in UNDERSTOOD_FIELDS]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        [f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk]
        for m in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def understand_pending(limit: int = 500) -> int:
    ids = list(
        InboundMessage.objects.filter(understood_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return understand_messages(ids)
