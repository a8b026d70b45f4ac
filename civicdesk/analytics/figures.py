"""The figures of analytics: what the platforms reported for posts and accounts, and what the
inbox received and answered, over a period of the organization's calendar.

Invariants:
- A figure that no platform in scope reports is ``None`` ("not available"), never 0; a
  figure reported by some platforms only is their sum, and names the ones that did not.
- Each post counts once, by its newest snapshot; an account's followers at a moment are its
  newest account snapshot before it. Every snapshot is found by one index probe
  ((publication, captured_at) or the partial (channel, captured_at) index), so the cost
  follows the posts and channels in scope, not the number of snapshots kept.
- Definitions are written once, here, and shown wherever a figure is.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicdesk.analytics.models import MetricSnapshot
from civicdesk.inbox.models import ChannelDay, Conversation, InboundMessage
from civicdesk.organizations.models import Channel, Organization, Platform
from civicdesk.publishing.models import Publication, PublicationState

# Post figures, in the order they are shown.
POST_FIGURES = ("impressions", "reach", "engagements", "engagement_rate", "video_views", "clicks")


@dataclass(frozen=True)
class FigureSpec:
    label: Promise
    definition: Promise
    unit: str  # count, rate (0..1), seconds


SPECS: dict[str, FigureSpec] = {
    "followers": FigureSpec(
        _("Followers"),
        _(
            "People following the accounts at the end of the period: each channel's newest "
            "account snapshot before the period ends, added up."
        ),
        "count",
    ),
    "follower_growth": FigureSpec(
        _("Follower growth"),
        _(
            "Followers at the end of the period minus followers at its start, for the channels "
            "with a snapshot before both."
        ),
        "count",
    ),
    "posts": FigureSpec(
        _("Posts published"),
        _("Publications that went out in the period: a post counts once on each channel."),
        "count",
    ),
    "impressions": FigureSpec(
        _("Impressions"),
        _(
            "Times the posts published in the period were shown, as each post's newest "
            "snapshot counts them."
        ),
        "count",
    ),
    "reach": FigureSpec(
        _("Reach"),
        _(
            "People who saw each post published in the period (the platform's count of unique "
            "viewers), added up over the posts."
        ),
        "count",
    ),
    "engagements": FigureSpec(
        _("Engagements"),
        _(
            "Likes, reposts and replies on the posts published in the period (the platform's "
            "own engagement count where it gives no detail)."
        ),
        "count",
    ),
    "engagement_rate": FigureSpec(
        _("Engagement rate"),
        _(
            "Engagements divided by impressions, over the posts whose platform reports both; "
            "a platform without impressions is left out of the rate."
        ),
        "rate",
    ),
    "video_views": FigureSpec(
        _("Video views"),
        _("Views of the videos in the posts published in the period."),
        "count",
    ),
    "clicks": FigureSpec(
        _("Link clicks"),
        _("Clicks on the links of the posts published in the period."),
        "count",
    ),
    "messages": FigureSpec(
        _("Messages received"),
        _(
            "Comments, replies, mentions and direct messages the public sent in the period "
            "(by the time they were sent)."
        ),
        "count",
    ),
    "conversations": FigureSpec(
        _("Conversations begun"),
        _("Conversations whose first message reached the desk in the period, spam left out."),
        "count",
    ),
    "response_rate": FigureSpec(
        _("Response rate"),
        _("Share of the conversations begun in the period that the team has answered."),
        "rate",
    ),
    "first_response_median": FigureSpec(
        _("Median time to first response"),
        _(
            "Half of the answered conversations begun in the period had their first answer "
            "within this time, from the public's first message (on the clock)."
        ),
        "seconds",
    ),
    "first_response_p90": FigureSpec(
        _("90th percentile time to first response"),
        _(
            "Nine answered conversations in ten begun in the period had their first answer "
            "within this time (nearest rank)."
        ),
        "seconds",
    ),
    "resolution_median": FigureSpec(
        _("Median resolution time"),
        _(
            "Half of the closed conversations begun in the period were closed within this "
            "time of their first message."
        ),
        "seconds",
    ),
}


@dataclass(frozen=True)
class Period:
    """Whole days of the organization's calendar, ``start`` to ``end`` included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """[from, to) in UTC."""
        zone = ZoneInfo(time_zone)
        begin = datetime.combine(self.start, time.min, tzinfo=zone)
        finish = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
        return begin.astimezone(UTC), finish.astimezone(UTC)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    """What the figures cover: channels the person may read analytics of, narrowed by the
    filters. Pillar, campaign and language narrow the posts (and language the messages)."""

    organization: Organization
    channels: Sequence[Channel]
    pillar_id: int | None = None
    campaign_id: int | None = None
    language: str = ""

    @property
    def channel_ids(self) -> list[int]:
        return [c.pk for c in self.channels]


@dataclass
class Figure:
    key: str
    value: float | None
    previous: float | None = None
    # Platforms (labels) whose snapshots gave this figure, and those in scope that did not.
    supplied_by: list[str] = field(default_factory=list)
    not_reported_by: list[str] = field(default_factory=list)

    @property
    def spec(self) -> FigureSpec:
        return SPECS[self.key]

    @property
    def label(self) -> Promise:
        return self.spec.label

    @property
    def definition(self) -> Promise:
        return self.spec.definition

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def available(self) -> bool:
        return self.value is not None

    @property
    def change(self) -> float | None:
        """Relative change from the previous period (0.25 is +25 %); None when unknown."""
        if self.value is None or self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)

    @property
    def difference(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class PostRow:
    """One publication of the period with its newest numbers."""

    publication_id: int
    post_id: int
    title: str
    channel: Channel
    language: str
    pillar: str
    campaign: str
    published_at: datetime
    url: str
    impressions: int | None = None
    reach: int | None = None
    engagements: int | None = None
    video_views: int | None = None
    clicks: int | None = None

    @property
    def platform(self) -> str:
        return self.channel.platform

    @property
    def engagement_rate(self) -> float | None:
        if self.engagements is None or not self.impressions:
            return None
        return self.engagements / self.impressions


def platform_label(platform: str) -> str:
    return str(dict(Platform.choices).get(platform, platform))


def engagements_of(snapshot: MetricSnapshot) -> int | None:
    """Likes + reposts + replies where the platform details them, else its own count."""
    parts = [v for v in (snapshot.likes, snapshot.reposts, snapshot.replies) if v is not None]
    return sum(parts) if parts else snapshot.engagements


def _newest(**where: object) -> Subquery:
    return Subquery(
        MetricSnapshot.objects.filter(**where).order_by("-captured_at").values("pk")[:1]
    )


def post_rows(scope: Scope, period: Period) -> list[PostRow]:
    """Every publication published in the period within the scope, with its newest snapshot."""
    begin, finish = period.bounds(scope.organization.time_zone)
    publications = Publication.objects.filter(
        channel_id__in=scope.channel_ids,
        state=PublicationState.PUBLISHED,
        published_at__gte=begin,
        published_at__lt=finish,
    )
    if scope.pillar_id:
        publications = publications.filter(post__pillar_id=scope.pillar_id)
    if scope.campaign_id:
        publications = publications.filter(post__campaign_id=scope.campaign_id)
    if scope.language:
        publications = publications.filter(variant__language=scope.language)
    listed = list(
        publications.annotate(newest=_newest(publication_id=OuterRef("pk")))
        .values(
            "pk",
            "post_id",
            "post__title",
            "channel_id",
            "variant__language",
            "post__pillar__name",
            "post__campaign__name",
            "published_at",
            "remote_url",
            "newest",
        )
        .order_by("published_at", "pk")
    )
    snapshots = {
        s.pk: s
        for s in MetricSnapshot.objects.filter(
            pk__in=[r["newest"] for r in listed if r["newest"] is not None]
        )
    }
    channels = {c.pk: c for c in scope.channels}
    rows = []
    for r in listed:
        published_at = r["published_at"]
        if published_at is None:  # filtered on it above: never
            continue
        row = PostRow(
            publication_id=r["pk"],
            post_id=r["post_id"],
            title=r["post__title"],
            channel=channels[r["channel_id"]],
            language=r["variant__language"],
            pillar=r["post__pillar__name"] or "",
            campaign=r["post__campaign__name"] or "",
            published_at=published_at,
            url=r["remote_url"] or "",
        )
        snapshot = snapshots.get(r["newest"])
        if snapshot is not None:
            row.impressions = snapshot.impressions
            row.reach = snapshot.reach
            row.engagements = engagements_of(snapshot)
            row.video_views = snapshot.video_views
            row.clicks = snapshot.clicks
        rows.append(row)
    return rows


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return value if total is None else total + value


def post_figures(rows: Iterable[PostRow]) -> dict[str, Figure]:
    """The post figures of ``rows``: sums of what was reported, per platform noted."""
    rows = list(rows)
    totals: dict[str, int | None] = dict.fromkeys(POST_FIGURES)
    reporting: dict[str, set[str]] = defaultdict(set)
    platforms = {r.platform for r in rows}
    rate_engagements = rate_impressions = 0
    for row in rows:
        for name in ("impressions", "reach", "engagements", "video_views", "clicks"):
            value = getattr(row, name)
            if value is not None:
                totals[name] = _add(totals[name], value)
                reporting[name].add(row.platform)
        if row.engagements is not None and row.impressions is not None:
            rate_engagements += row.engagements
            rate_impressions += row.impressions
            reporting["engagement_rate"].add(row.platform)
    figures = {
        name: Figure(key=name, value=totals[name])
        for name in ("impressions", "reach", "engagements", "video_views", "clicks")
    }
    figures["engagement_rate"] = Figure(
        key="engagement_rate",
        value=rate_engagements / rate_impressions if rate_impressions else None,
    )
    for name, figure in figures.items():
        figure.supplied_by = sorted(platform_label(p) for p in reporting[name])
        figure.not_reported_by = sorted(platform_label(p) for p in platforms - reporting[name])
    figures["posts"] = Figure(
        key="posts",
        value=len(rows),
        supplied_by=sorted(platform_label(p) for p in platforms),
    )
    return {name: figures[name] for name in ("posts", *POST_FIGURES)}


def account_figures(scope: Scope, period: Period) -> dict[str, Figure]:
    """Followers at the end of the period and their growth since its start."""
    begin, finish = period.bounds(scope.organization.time_zone)
    ids = (
        Channel.objects.filter(pk__in=scope.channel_ids)
        .annotate(
            at_end=_newest(
                channel_id=OuterRef("pk"), publication__isnull=True, captured_at__lt=finish
            ),
            at_start=_newest(
                channel_id=OuterRef("pk"), publication__isnull=True, captured_at__lt=begin
            ),
        )
        .values_list("pk", "at_end", "at_start")
    )
    ends = {pk: end for pk, end, _start in ids}
    starts = {pk: start for pk, _end, start in ids}
    followers = dict(
        MetricSnapshot.objects.filter(
            pk__in=[i for i in (*ends.values(), *starts.values()) if i is not None]
        ).values_list("pk", "followers")
    )
    platforms = {c.pk: c.platform for c in scope.channels}
    total: int | None = None
    growth: int | None = None
    supplied: set[str] = set()
    grown: set[str] = set()
    for channel_id, end_id in ends.items():
        at_end = followers.get(end_id) if end_id else None
        if at_end is None:
            continue
        total = _add(total, at_end)
        supplied.add(platforms[channel_id])
        start_id = starts[channel_id]
        at_start = followers.get(start_id) if start_id else None
        if at_start is not None:
            growth = _add(growth, at_end - at_start)
            grown.add(platforms[channel_id])
    every = set(platforms.values())
    return {
        "followers": Figure(
            key="followers",
            value=total,
            supplied_by=sorted(platform_label(p) for p in supplied),
            not_reported_by=sorted(platform_label(p) for p in every - supplied),
        ),
        "follower_growth": Figure(
            key="follower_growth",
            value=growth,
            supplied_by=sorted(platform_label(p) for p in grown),
            not_reported_by=sorted(platform_label(p) for p in every - grown),
        ),
    }


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
DIMENSIONS = ("brand", "channel", "platform", "pillar", "campaign", "language")


def dimension_key(row: PostRow, dimension: str) -> str:
    if dimension == "brand":
        return row.channel.brand.name
    if dimension == "channel":
        return str(row.channel)
    if dimension == "platform":
        return platform_label(row.platform)
    if dimension == "pillar":
        return row.pillar
    if dimension == "campaign":
        return row.campaign
    return row.language


def breakdown(rows: Iterable[PostRow], dimension: str) -> list[tuple[str, dict[str, Figure]]]:
    """Post figures per value of ``dimension``, the biggest by engagements first."""
    groups: dict[str, list[PostRow]] = defaultdict(list)
    for row in rows:
        groups[dimension_key(row, dimension)].append(row)
    result = [(key, post_figures(group)) for key, group in groups.items()]
    result.sort(key=lambda kv: (-(kv[1]["engagements"].value or 0), kv[0]))
    return result


def ranked(rows: Iterable[PostRow], count: int = 5) -> tuple[list[PostRow], list[PostRow]]:
    """The top and bottom posts by engagements (posts without a count are not ranked)."""
    known = sorted(
        (r for r in rows if r.engagements is not None),
        key=lambda r: (-(r.engagements or 0), r.published_at),
    )
    top = known[:count]
    bottom = [r for r in reversed(known) if r not in top][:count]
    return top, bottom


@dataclass
class Overview:
    """Everything a dashboard or a report shows for one scope and period."""

    scope: Scope
    period: Period
    previous_period: Period
    figures: dict[str, Figure]
    inbox: InboxFigures
    rows: list[PostRow]
    top: list[PostRow]
    bottom: list[PostRow]
    by_day: list[tuple[date, int]]
    platform_counts: Counter[str]

    @property
    def post_figures(self) -> list[Figure]:
        return [self.figures[k] for k in ("posts", *POST_FIGURES)]

    @property
    def account_figures(self) -> list[Figure]:
        return [self.figures[k] for k in ("followers", "follower_growth")]

    @property
    def inbox_figures(self) -> list[Figure]:
        return list(self.inbox.figures.values())


def overview(scope: Scope, period: Period) -> Overview:
    """The figures of ``period`` compared with the period of the same length before it."""
    previous = period.previous()
    rows = post_rows(scope, period)
    current = {**account_figures(scope, period), **post_figures(rows)}
    before = {**account_figures(scope, previous), **post_figures(post_rows(scope, previous))}
    inbox = inbox_figures(scope, period)
    inbox_before = inbox_figures(scope, previous)
    for key, figure in current.items():
        figure.previous = before[key].value
    for key, figure in inbox.figures.items():
        figure.previous = inbox_before.figures[key].value
    top, bottom = ranked(rows)
    return Overview(
        scope=scope,
        period=period,
        previous_period=previous,
        figures={**current, **inbox.figures},
        inbox=inbox,
        rows=rows,
        top=top,
        bottom=bottom,
        by_day=messages_by_day(scope, period),
        platform_counts=Counter(r.platform for r in rows),
    )
