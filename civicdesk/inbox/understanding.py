"""Running message understanding on stored messages."""

from __future__ import annotations

import logging
from collections.abc import Sequence

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
    for message in messages:
        organization = message.channel.brand.organization
        # the organisation's own retrained model when it has one, else the shipped one
        key = (tuple(organization.official_languages), installed_models_dir(organization))
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
        InboundMessage.objects.bulk_update(
            group,
            ["language", "category", "category_scores", "urgency", "urgency_reasons",
             "personal_data", "understood_at"],
        )
        done += len(group)
    return done


def understand_pending(limit: int = 500) -> int:
    ids = list(
        InboundMessage.objects.filter(understood_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return understand_messages(ids)
