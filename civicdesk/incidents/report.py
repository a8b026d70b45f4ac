"""The after-action report of an incident: what the public heard from us and when, what came
in on the channels in scope and how fast the urgent part was answered.

Every figure is computed from the records the desk keeps anyway: the incident's updates and
their publications (each language on each channel), the cadence reminders, the inbox messages
of the channels in scope while it was open, and when each was first answered. Reach comes from
the platforms' metric snapshots, which live in another app of this layer: the caller passes a
function that reads them (``reach_of``), so this module stays independent of analytics.

The report reads the incident up to its close (or up to now while it is open); answers given
after the close still count for the messages that came in while it was open.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicdesk.inbox.models import InboundMessage
from civicdesk.incidents.models import Incident, IncidentUpdate
from civicdesk.incidents.selectors import URGENT_KINDS
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S

# A message is urgent when understanding calls it an emergency report or a request for help,
# or rates it critical or high.
URGENT_LEVELS = ("critical", "high")
RUMOUR = "rumour"


@dataclass(frozen=True)
class PublicationReach:
    """What the platform last reported for one publication (None: not reported)."""

    impressions: int | None = None
    reach: int | None = None
    engagements: int | None = None


ReachReader = Callable[[list[int]], Mapping[int, PublicationReach]]


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return (total or 0) + value


def _minutes(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


@dataclass
class UpdateFigures:
    """One numbered update, over every brand's post, channel and language it went to."""

    number: int
    created_at: datetime
    sent_at: datetime | None = None
    first_live_at: datetime | None = None
    last_live_at: datetime | None = None
    channels: int = 0
    # Channels where every language version was published.
    channels_live: int = 0
    publications: int = 0
    published: int = 0
    failed: int = 0
    impressions: int | None = None
    reach: int | None = None
    engagements: int | None = None
    approvals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Gap:
    """A stretch between two public words (the declaration, an update, the close)."""

    start: datetime
    end: datetime
    start_label: str  # "declared", "update", "closed", "now"
    end_label: str
    start_number: int | None
    end_number: int | None
    minutes: float
    kept: bool


@dataclass(frozen=True)
class UrgentMessage:
    message: InboundMessage
    minutes_to_answer: float | None


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # declared, update, unsent, live, reminder, rumour, closed
    number: int | None = None
    text: str = ""
    detail: str = ""


@dataclass
class IncidentReport:
    incident: Incident
    end: datetime
    final: bool
    updates: list[UpdateFigures]
    minutes_to_first_update: float | None
    gaps: list[Gap]
    reminders: int
    received: int
    by_kind: list[tuple[str, int]]
    by_urgency: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    urgent: list[UrgentMessage]
    rumours: list[UrgentMessage]
    timeline: list[Event]

    @property
    def cadence_kept(self) -> int:
        return sum(1 for g in self.gaps if g.kept)

    @property
    def cadence_missed(self) -> int:
        return sum(1 for g in self.gaps if not g.kept)

    @property
    def urgent_answered(self) -> int:
        return sum(1 for u in self.urgent if u.minutes_to_answer is not None)

    @property
    def urgent_median_minutes(self) -> float | None:
        times = [u.minutes_to_answer for u in self.urgent if u.minutes_to_answer is not None]
        return round(statistics.median(times), 1) if times else None

    @property
    def urgent_slowest_minutes(self) -> float | None:
        times = [u.minutes_to_answer for u in self.urgent if u.minutes_to_answer is not None]
        return max(times) if times else None

    @property
    def rumours_answered(self) -> int:
        return sum(1 for r in self.rumours if r.minutes_to_answer is not None)

    @property
    def impressions(self) -> int | None:
        total: int | None = None
        for u in self.updates:
            total = _add(total, u.impressions)
        return total

    @property
    def reach(self) -> int | None:
        total: int | None = None
        for u in self.updates:
            total = _add(total, u.reach)
        return total

    @property
    def engagements(self) -> int | None:
        total: int | None = None
        for u in self.updates:
            total = _add(total, u.engagements)
        return total


def _update_figures(
    updates: Iterable[IncidentUpdate], reach_of: ReachReader | None
) -> list[UpdateFigures]:
    by_number: dict[int, UpdateFigures] = {}
    publications: dict[int, list[Publication]] = {}
    for update in updates:
        figures = by_number.setdefault(
            update.number, UpdateFigures(number=update.number, created_at=update.created_at)
        )
        figures.created_at = min(figures.created_at, update.created_at)
        if update.sent_at is not None:
            figures.sent_at = min(figures.sent_at or update.sent_at, update.sent_at)
        figures.approvals.append(update.approval)
        publications.setdefault(update.number, []).extend(update.post.publications.all())
    ids = [p.pk for pubs in publications.values() for p in pubs if p.state == S.PUBLISHED]
    reach = reach_of(ids) if reach_of is not None and ids else {}
    for number, pubs in publications.items():
        figures = by_number[number]
        per_channel: dict[int, list[Publication]] = {}
        for p in pubs:
            per_channel.setdefault(p.channel_id, []).append(p)
        figures.channels = len(per_channel)
        figures.channels_live = sum(
            1 for ps in per_channel.values() if all(p.state == S.PUBLISHED for p in ps)
        )
        figures.publications = len(pubs)
        live = [p for p in pubs if p.state == S.PUBLISHED and p.published_at is not None]
        figures.published = len(live)
        figures.failed = sum(1 for p in pubs if p.state in (S.FAILED, S.WITHHELD, S.MISSED))
        if live:
            figures.first_live_at = min(p.published_at for p in live if p.published_at)
            figures.last_live_at = max(p.published_at for p in live if p.published_at)
        for p in live:
            r = reach.get(p.pk)
            if r is not None:
                figures.impressions = _add(figures.impressions, r.impressions)
                figures.reach = _add(figures.reach, r.reach)
                figures.engagements = _add(figures.engagements, r.engagements)
    return [by_number[n] for n in sorted(by_number)]


def _gaps(incident: Incident, updates: list[UpdateFigures], end: datetime) -> list[Gap]:
    """From the declaration to the first update live, update to update, and the last one to
    the close: each within the cadence or not."""
    marks: list[tuple[datetime, str, int | None]] = [(incident.declared_at, "declared", None)]
    marks += [(u.first_live_at, "update", u.number) for u in updates if u.first_live_at]
    marks.sort(key=lambda m: m[0])
    marks.append((end, "closed" if incident.closed_at else "now", None))
    return [
        Gap(
            start=a[0],
            end=b[0],
            start_label=a[1],
            end_label=b[1],
            start_number=a[2],
            end_number=b[2],
            minutes=_minutes(a[0], b[0]),
            kept=(b[0] - a[0]).total_seconds() <= incident.cadence_minutes * 60,
        )
        for a, b in zip(marks, marks[1:], strict=False)
    ]


def _counts(messages: QuerySet[InboundMessage], name: str) -> list[tuple[str, int]]:
    """Messages by one field's value, most first, then by code; an empty value (not
    understood yet) last among equals. One grouped query."""
    rows = messages.order_by().values_list(name).annotate(n=Count("pk"))
    counted = [(str(value or ""), int(n)) for value, n in rows]
    return sorted(counted, key=lambda kv: (-kv[1], kv[0] == "", kv[0]))


def _answered(message: InboundMessage) -> UrgentMessage:
    minutes = (
        _minutes(message.sent_at, message.first_response_at)
        if message.first_response_at is not None
        else None
    )
    return UrgentMessage(message=message, minutes_to_answer=minutes)


def incident_report(
    *, incident: Incident, now: datetime | None = None, reach_of: ReachReader | None = None
) -> IncidentReport:
    """The after-action report of ``incident`` (so far, while it is open)."""
    now = now or timezone.now()
    end = incident.closed_at or now
    updates = _update_figures(
        incident.updates.filter(created_at__lte=end)
        .select_related("post")
        .prefetch_related("post__publications")
        .order_by("number", "pk"),
        reach_of,
    )
    first_live = min((u.first_live_at for u in updates if u.first_live_at), default=None)
    scope = InboundMessage.objects.filter(
        channel__in=incident.channels.all(),
        sent_at__gte=incident.declared_at,
        sent_at__lte=end,
    )
    loaded = ("sent_at", "first_response_at", "text", "category", "urgency", "language")
    urgent = [
        _answered(m)
        for m in scope.filter(Q(category__in=URGENT_KINDS) | Q(urgency__in=URGENT_LEVELS))
        .only(*loaded)
        .order_by("sent_at", "pk")
    ]
    rumours = [
        _answered(m) for m in scope.filter(category=RUMOUR).only(*loaded).order_by("sent_at", "pk")
    ]
    reminders = list(incident.reminders.filter(created_at__lte=end).order_by("created_at"))

    timeline = [Event(incident.declared_at, "declared", text=incident.name)]
    for u in updates:
        if u.sent_at is not None:
            timeline.append(Event(u.sent_at, "update", number=u.number))
        else:  # written, never approved by the duty approver
            timeline.append(Event(u.created_at, "unsent", number=u.number))
        if u.first_live_at is not None:
            timeline.append(Event(u.first_live_at, "live", number=u.number))
    timeline += [Event(r.created_at, "reminder", detail=r.due_at.isoformat()) for r in reminders]
    for r in rumours:
        timeline.append(Event(r.message.sent_at, "rumour", text=r.message.text))
    if incident.closed_at is not None:
        timeline.append(Event(incident.closed_at, "closed"))
    timeline.sort(key=lambda e: e.at)

    return IncidentReport(
        incident=incident,
        end=end,
        final=incident.closed_at is not None,
        updates=updates,
        minutes_to_first_update=_minutes(incident.declared_at, first_live) if first_live else None,
        gaps=_gaps(incident, updates, end),
        reminders=len(reminders),
        received=scope.count(),
        by_kind=_counts(scope, "category"),
        by_urgency=_counts(scope, "urgency"),
        by_language=_counts(scope, "language"),
        urgent=urgent,
        rumours=rumours,
        timeline=timeline,
    )
