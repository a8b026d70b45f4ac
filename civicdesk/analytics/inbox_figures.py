"""The inbox's figures: messages received by kind, urgency, language and audience segment,
and how the team answered (response rate, times to first response and to resolution).

Messages are not counted here but added up: the database keeps a count per channel, UTC day,
language, kind and urgency (``MessageDay``, counters.py), so a period costs its days, not its
messages. A period of the organization's calendar need not start at a UTC midnight: the whole
UTC days nearest its bounds are added up, and the few hours between those midnights and the
bounds are counted from the messages themselves (an index range), so every figure is exactly
the count of the messages sent in the period.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Q, Sum

from civicdesk.analytics.definitions import Figure, Period, Scope, platform_label
from civicdesk.inbox.models import (
    AuthorTag,
    ChannelDay,
    Conversation,
    InboundMessage,
    MessageDay,
)

# A message's (language, kind, urgency).
Key = tuple[str, str, str]


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


def _midnight_nearest(moment: datetime) -> datetime:
    floor = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return floor if moment - floor <= timedelta(hours=12) else floor + timedelta(days=1)


def received(scope: Scope, begin: datetime, finish: datetime) -> Counter[Key]:
    """Messages sent in [begin, finish) on the scope's channels (in its language, if one),
    by (language, kind, urgency)."""
    low, high = _midnight_nearest(begin), _midnight_nearest(finish)
    days = MessageDay.objects.filter(
        channel_id__in=scope.channel_ids, day__gte=low.date(), day__lt=high.date()
    )
    if scope.language:
        days = days.filter(language=scope.language)
    counts: Counter[Key] = Counter()
    for row in (
        days.values("language", "category", "urgency").annotate(n=Sum("received")).order_by()
    ):
        counts[row["language"], row["category"], row["urgency"]] += row["n"]
    # The ends: hours the whole days counted outside the period, and hours they missed.
    ends = [
        (low, begin, -1) if low < begin else (begin, low, 1),
        (high, finish, 1) if high < finish else (finish, high, -1),
    ]
    for start, end, sign in ends:
        if start >= end:
            continue
        messages = InboundMessage.objects.filter(
            channel_id__in=scope.channel_ids, sent_at__gte=start, sent_at__lt=end
        )
        if scope.language:
            messages = messages.filter(language=scope.language)
        for row in (
            messages.values("language", "category", "urgency").annotate(n=Count("pk")).order_by()
        ):
            counts[row["language"], row["category"], row["urgency"]] += sign * row["n"]
    return counts


def _by(counts: Counter[Key], position: int) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for key, n in counts.items():
        totals[key[position]] += n
    return sorted(((k, n) for k, n in totals.items() if n), key=lambda kv: (-kv[1], kv[0]))


def by_segment(scope: Scope, begin: datetime, finish: datetime) -> list[tuple[str, int]]:
    """Messages of the period under each tag of their authors. Few authors carry tags: their
    messages are counted through the authors' history index, not by reading the period's."""
    tags: dict[int, list[str]] = {}
    for author_id, tag in (
        AuthorTag.objects.filter(author__organization_id=scope.organization.pk)
        .order_by()
        .values_list("author_id", "tag")
    ):
        if tag:
            tags.setdefault(author_id, []).append(tag)
    if not tags or not scope.channel_ids:
        return []
    messages = InboundMessage.objects.filter(
        author_id__in=list(tags),
        channel_id__in=scope.channel_ids,
        sent_at__gte=begin,
        sent_at__lt=finish,
    )
    if scope.language:
        messages = messages.filter(language=scope.language)
    totals: Counter[str] = Counter()
    for row in messages.values("author_id").annotate(n=Count("pk")).order_by():
        for tag in tags[row["author_id"]]:
            totals[tag] += row["n"]
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))


def inbox_figures(scope: Scope, period: Period) -> InboxFigures:
    """Messages received (by kind, urgency and language) and how the team answered."""
    begin, finish = period.bounds(scope.organization.time_zone)
    counts = received(scope, begin, finish)
    conversations = Conversation.objects.filter(
        channel_id__in=scope.channel_ids,
        created_at__gte=begin,
        created_at__lt=finish,
        is_spam=False,
    )
    if scope.language:
        conversations = conversations.filter(
            pk__in=InboundMessage.objects.filter(
                channel_id__in=scope.channel_ids,
                sent_at__gte=begin,
                sent_at__lt=finish,
                language=scope.language,
            ).values("conversation_id")
        )
    tally = conversations.aggregate(
        begun=Count("pk"), answered=Count("pk", filter=Q(first_response_at__isnull=False))
    )
    begun, answered_count = tally["begun"], tally["answered"]
    first: list[float] = []
    closing: list[float] = []
    for to_first, to_close in conversations.filter(
        Q(first_response_time__isnull=False) | Q(resolution_time__isnull=False)
    ).values_list("first_response_time", "resolution_time"):
        if to_first is not None:
            first.append(to_first.total_seconds())
        if to_close is not None:
            closing.append(to_close.total_seconds())
    by_kind = _by(counts, 1)
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
        by_urgency=_by(counts, 2),
        by_language=_by(counts, 0),
        by_segment=by_segment(scope, begin, finish),
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
