"""Reading the archive: the search the Records screen and the export share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import tzinfo as TzInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicdesk.records.holds import Item, Scope, active_scopes, holding
from civicdesk.records.models import ArchiveEntry


@dataclass(frozen=True)
class ArchiveQuery:
    date_from: date | None = None
    date_to: date | None = None
    words: str = ""
    channel_ids: tuple[int, ...] = ()
    authors: tuple[str, ...] = ()

    def describe(self) -> dict[str, object]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "words": self.words,
            "channels": list(self.channel_ids),
            "authors": list(self.authors),
        }


def _day_start(day: date, tz: TzInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def matching_entries(
    organization_id: int, query: ArchiveQuery, tz: TzInfo
) -> QuerySet[ArchiveEntry]:
    """The entries that match every filled-in part of the query."""
    entries = ArchiveEntry.objects.filter(organization_id=organization_id)
    if query.date_from:
        entries = entries.filter(occurred_at__gte=_day_start(query.date_from, tz))
    if query.date_to:
        entries = entries.filter(occurred_at__lt=_day_start(query.date_to + timedelta(days=1), tz))
    if query.channel_ids:
        # A post's versions carry no channel: the post's publications do.
        entries = entries.filter(
            Q(channel_id__in=query.channel_ids)
            | Q(
                thread__in=ArchiveEntry.objects.filter(
                    organization_id=organization_id, channel_id__in=query.channel_ids
                ).values("thread")
            )
        )
    if query.authors:
        by_author = Q()
        for author in query.authors:
            by_author |= Q(author_label__iexact=author.strip().lstrip("@"))
        entries = entries.filter(by_author)
    for word in query.words.split():
        entries = entries.filter(Q(text__icontains=word) | Q(author_label__icontains=word))
    return entries.order_by("sequence")


@dataclass
class Thread:
    key: str
    title: str
    entries: list[ArchiveEntry]
    holds: list[Scope] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.key.replace(":", "-")

    @property
    def first_at(self) -> datetime:
        return self.entries[0].occurred_at


def _title(key: str, entries: list[ArchiveEntry]) -> str:
    for entry in reversed(entries):
        title = entry.content.get("title") if isinstance(entry.content, dict) else None
        if title:
            return str(title)
    for entry in entries:
        if isinstance(entry.content, dict) and entry.content.get("channel"):
            # Not the author's name: a title is shown even where third parties are redacted.
            return _("Conversation on %(channel)s") % {"channel": entry.content["channel"]}
    return key


def threads_for(
    organization_id: int, query: ArchiveQuery, tz: TzInfo, *, limit: int | None = None
) -> list[Thread]:
    """Each thread with a matching entry, whole (every version, in order), newest first."""
    keys = list(
        matching_entries(organization_id, query, tz)
        .order_by()
        .values_list("thread", flat=True)
        .distinct()
    )
    entries = ArchiveEntry.objects.filter(
        organization_id=organization_id, thread__in=keys
    ).order_by("sequence")
    grouped: dict[str, list[ArchiveEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.thread, []).append(entry)
    scopes = active_scopes(organization_id)
    threads = []
    for key, items in grouped.items():
        held: dict[int, Scope] = {}
        for entry in items:
            item = Item(
                when=entry.occurred_at,
                channel_ids=frozenset({entry.channel_id}) if entry.channel_id else frozenset(),
                authors=frozenset({entry.author_label}),
                text=entry.text,
            )
            for scope in holding(scopes, item, tz):
                held[scope.hold_id] = scope
        threads.append(Thread(key, _title(key, items), items, list(held.values())))
    threads.sort(key=lambda t: t.entries[-1].sequence, reverse=True)
    return threads[:limit] if limit else threads
