"""The inbox's figures: messages received by kind, urgency, language and audience segment,
and how the team answered (response rate, times to first response and to resolution)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Sum

from civicdesk.analytics.definitions import Figure, Period, Scope, platform_label
from civicdesk.inbox.models import ChannelDay, Conversation, InboundMessage


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class InboxFigures:
    figures: dict[str, Figure]
    by_kind: list[tuple[str, int]]
    by_urgency: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    # Audience segments: the tags the team gives authors (journalist, elected official…).
    # A message counts once under each tag of its author; untagged authors are left out.
    by_segment: list[tuple[str, int]]


def inbox_figures(scope: Scope, period: Period) -> InboxFigures:
    """Messages received (by kind, urgency and language) and how the team answered."""
    begin, finish = period.bounds(scope.organization.time_zone)
    messages = InboundMessage.objects.filter(
        channel_id__in=scope.channel_ids, sent_at__gte=begin, sent_at__lt=finish
    )
    if scope.language:
        messages = messages.filter(language=scope.language)

    def counted(column: str) -> list[tuple[str, int]]:
        rows = messages.values(column).annotate(n=Count("pk")).order_by()
        return sorted(((r[column] or "", r["n"]) for r in rows), key=lambda kv: (-kv[1], kv[0]))

    by_kind = counted("category")
    conversations = Conversation.objects.filter(
        channel_id__in=scope.channel_ids,
        created_at__gte=begin,
        created_at__lt=finish,
        is_spam=False,
    )
    if scope.language:
        conversations = conversations.filter(pk__in=messages.values("conversation_id"))
    begun = conversations.count()
    answered = list(
        conversations.filter(first_response_time__isnull=False).values_list(
            "first_response_time", flat=True
        )
    )
    resolved = list(
        conversations.filter(resolution_time__isnull=False).values_list(
            "resolution_time", flat=True
        )
    )
    answered_count = conversations.filter(first_response_at__isnull=False).count()
    first = [d.total_seconds() for d in answered if d is not None]
    closing = [d.total_seconds() for d in resolved if d is not None]
    figures = {
        "messages": Figure(key="messages", value=sum(n for _k, n in by_kind)),
        "conversations": Figure(key="conversations", value=begun),
        "response_rate": Figure(
            key="response_rate", value=answered_count / begun if begun else None
        ),
        "first_response_median": Figure(key="first_response_median", value=median(first)),
        "first_response_p90": Figure(key="first_response_p90", value=percentile(first, 0.9)),
        "resolution_median": Figure(key="resolution_median", value=median(closing)),
    }
    platforms = sorted({platform_label(c.platform) for c in scope.channels})
    for figure in figures.values():
        figure.supplied_by = platforms if figure.value is not None else []
    return InboxFigures(
        figures=figures,
        by_kind=by_kind,
        by_urgency=counted("urgency"),
        by_language=counted("language"),
        by_segment=[(k, n) for k, n in counted("author__tags__tag") if k],
    )


def messages_by_day(scope: Scope, period: Period) -> list[tuple[date, int]]:
    """Messages received each day of the period, from the inbox's per-day counters."""
    rows = dict(
        ChannelDay.objects.filter(
            channel_id__in=scope.channel_ids, day__gte=period.start, day__lte=period.end
        )
        .values("day")
        .annotate(n=Sum("received"))
        .order_by()
        .values_list("day", "n")
    )
    return [
        (period.start + timedelta(days=i), rows.get(period.start + timedelta(days=i)) or 0)
        for i in range(period.days)
    ]


# Dimensions a dashboard can break post figures down by.
