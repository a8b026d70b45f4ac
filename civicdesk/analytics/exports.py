"""Exports of analytics to CSV and Excel: posts with their figures, messages received, and
conversations' response times.

A message's author and text are personal data: they are written only for the channels where
the person exporting may answer the public (the ones who see them at work); elsewhere the
columns stay empty. An empty figure cell means the platform does not report it, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from civicdesk.analytics.definitions import Period, Scope
from civicdesk.analytics.figures import post_rows
from civicdesk.analytics.reports import tables_csv, tables_xlsx
from civicdesk.inbox.models import Conversation, InboundMessage

Table = tuple[str, list[str], list[list[object]]]
KINDS = ("posts", "messages", "response_times")
# A large export is cut here rather than hold a web process for minutes.
MAX_ROWS = 100_000


def _cell(value: object) -> object:
    return "" if value is None else value


def posts_table(scope: Scope, period: Period) -> Table:
    header = [
        "publication_id", "post_id", "title", "brand", "channel", "platform", "language",
        "pillar", "campaign", "published_at", "impressions", "reach", "engagements",
        "engagement_rate", "video_views", "clicks", "url",
    ]  # fmt: skip
    rows: list[list[object]] = []
    for r in post_rows(scope, period)[:MAX_ROWS]:
        rate = r.engagement_rate
        rows.append(
            [
                r.publication_id,
                r.post_id,
                r.title,
                r.channel.brand.name,
                str(r.channel),
                r.platform,
                r.language,
                r.pillar,
                r.campaign,
                r.published_at.isoformat(),
                _cell(r.impressions),
                _cell(r.reach),
                _cell(r.engagements),
                "" if rate is None else round(rate, 4),
                _cell(r.video_views),
                _cell(r.clicks),
                r.url,
            ]
        )
    return ("posts", header, rows)


def messages_table(scope: Scope, period: Period, *, personal_channels: Iterable[int]) -> Table:
    begin, finish = period.bounds(scope.organization.time_zone)
    personal = set(personal_channels)
    header = [
        "message_id", "conversation_id", "channel", "platform", "sent_at", "message_kind",
        "kind", "urgency", "language", "status", "author", "text",
    ]  # fmt: skip
    channels = {c.pk: c for c in scope.channels}
    messages = InboundMessage.objects.filter(
        channel_id__in=scope.channel_ids, sent_at__gte=begin, sent_at__lt=finish
    )
    if scope.language:
        messages = messages.filter(language=scope.language)
    rows: list[list[object]] = []
    for m in (
        messages.select_related("author")
        .only(
            "pk",
            "conversation_id",
            "channel_id",
            "sent_at",
            "kind",
            "category",
            "urgency",
            "language",
            "status",
            "text",
            "author__handle",
        )  # fmt: skip
        .order_by("sent_at", "pk")[:MAX_ROWS]
    ):
        shown = m.channel_id in personal
        channel = channels[m.channel_id]
        rows.append(
            [
                m.pk,
                m.conversation_id,
                str(channel),
                channel.platform,
                m.sent_at.isoformat(),
                m.kind,
                m.category,
                m.urgency,
                m.language,
                m.status,
                m.author.handle if shown else "",
                m.text if shown else "",
            ]
        )
    return ("messages", header, rows)


def response_times_table(scope: Scope, period: Period) -> Table:
    begin, finish = period.bounds(scope.organization.time_zone)
    header = [
        "conversation_id", "channel", "platform", "begun_at", "first_response_at",
        "first_response_seconds", "first_response_business_seconds", "closed_at",
        "resolution_seconds", "resolution_business_seconds", "status",
    ]  # fmt: skip
    channels = {c.pk: c for c in scope.channels}

    def seconds(value: object) -> object:
        return "" if value is None else int(value.total_seconds())  # type: ignore[attr-defined]

    rows: list[list[object]] = []
    for c in Conversation.objects.filter(
        channel_id__in=scope.channel_ids,
        created_at__gte=begin,
        created_at__lt=finish,
        is_spam=False,
    ).order_by("created_at", "pk")[:MAX_ROWS]:
        channel = channels[c.channel_id]
        rows.append(
            [
                c.pk,
                str(channel),
                channel.platform,
                c.created_at.isoformat(),
                c.first_response_at.isoformat() if c.first_response_at else "",
                seconds(c.first_response_time),
                seconds(c.first_response_business_time),
                c.closed_at.isoformat() if c.closed_at else "",
                seconds(c.resolution_time),
                seconds(c.resolution_business_time),
                c.status,
            ]
        )
    return ("response_times", header, rows)


def export_file(
    kind: str, file_format: str, scope: Scope, period: Period, *, personal_channels: Iterable[int]
) -> bytes:
    if kind == "posts":
        table = posts_table(scope, period)
    elif kind == "messages":
        table = messages_table(scope, period, personal_channels=personal_channels)
    elif kind == "response_times":
        table = response_times_table(scope, period)
    else:
        raise ValueError(kind)
    if file_format == "xlsx":
        return tables_xlsx([table])
    # A single table in CSV: no section heading, just the header and rows.
    return tables_csv([table]).replace(f"# {table[0]}\r\n".encode(), b"", 1)
