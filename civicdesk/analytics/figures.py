"""The figures of analytics: what the platforms reported for posts and accounts, and what the
inbox received and answered, over a period of the organization's calendar.

Invariants:
- A figure that no platform in scope reports is ``None`` ("not available"), never 0; a
  figure reported by some platforms only is their sum, and names the ones that did not.
- Each post counts once, by its newest snapshot; an account's followers at a moment are its
  newest account snapshot before it. Every snapshot is found by one index probe
  ((publication, captured_at) or the partial (channel, captured_at) index), so the cost
  follows the posts and channels in scope, not the number of snapshots kept.
- Definitions are written once, in ``definitions.py``, and shown wherever a figure is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import OuterRef, Subquery

from civicdesk.analytics.definitions import (
    POST_FIGURES,
    Figure,
    Period,
    Scope,
    platform_label,
)
from civicdesk.analytics.inbox_figures import InboxFigures, inbox_figures, messages_by_day
from civicdesk.analytics.models import MetricSnapshot
from civicdesk.organizations.models import Channel
from civicdesk.publishing.models import Publication, PublicationState


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
