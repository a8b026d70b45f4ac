"""Reads for the calendar: a month, week or day of posts, a campaign, the month's pillar balance.

Each takes the viewing user and returns only the posts of the brands they see; days are the
calendar's time zone's (the organization's), never the server's.
"""

from __future__ import annotations

import calendar as pycalendar
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.organizations.models import Organization
from civicdesk.publishing.models import (
    Campaign,
    Pillar,
    Post,
    PostStatus,
    PostVariant,
    Publication,
)
from civicdesk.publishing.state import LIVE_OR_UNKNOWN

VIEWS = ("month", "week", "day")
# A calendar page shows at most this many posts (a month of a busy desk is a few hundred).
MAX_POSTS = 2000
# Colours of pillars, by their order in the organization (desk's calendar.css: .pillar-c0 …).
PILLAR_COLOURS = 10


@dataclass(frozen=True)
class CalendarFilters:
    brand: int | None = None
    channel: int | None = None
    pillar: int | None = None
    campaign: int | None = None
    language: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class CalendarPeriod:
    """The days a view shows: ``start`` to ``end`` (exclusive), around ``anchor``."""

    view: str
    anchor: date
    start: date
    end: date

    @property
    def previous(self) -> date:
        if self.view == "month":
            return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        return self.anchor - timedelta(days=7 if self.view == "week" else 1)

    @property
    def following(self) -> date:
        if self.view == "month":
            last = pycalendar.monthrange(self.anchor.year, self.anchor.month)[1]
            return self.anchor.replace(day=last) + timedelta(days=1)
        return self.anchor + timedelta(days=7 if self.view == "week" else 1)

    def bounds(self, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware datetimes: local midnight of its first day to after its last."""
        return (
            datetime.combine(self.start, time(), tzinfo=tz),
            datetime.combine(self.end, time(), tzinfo=tz),
        )


def calendar_period(view: str, anchor: date) -> CalendarPeriod:
    """Whole weeks (Monday first) around a month, the week of ``anchor``, or that day."""
    view = view if view in VIEWS else "month"
    if view == "day":
        return CalendarPeriod(view, anchor, anchor, anchor + timedelta(days=1))
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return CalendarPeriod(view, anchor, monday, monday + timedelta(days=7))
    first = anchor.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=7 - last.weekday())
    return CalendarPeriod(view, anchor, start, end)


@dataclass(frozen=True)
class CalendarEntry:
    """A post as the calendar shows it: its local day and time, colour, and whether the
    viewer may move it."""

    post: Post
    local: datetime
    movable: bool
    colour: int | None

    @property
    def clock(self) -> str:
        return self.local.strftime("%H:%M")


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    entries: list[CalendarEntry] = field(default_factory=list)

    def at_hour(self, hour: int) -> list[CalendarEntry]:
        return [e for e in self.entries if e.local.hour == hour]


def _filtered(posts: QuerySet[Post], filters: CalendarFilters) -> QuerySet[Post]:
    if filters.brand:
        posts = posts.filter(brand_id=filters.brand)
    if filters.pillar:
        posts = posts.filter(pillar_id=filters.pillar)
    if filters.campaign:
        posts = posts.filter(campaign_id=filters.campaign)
    # Exists, not a join: a join repeats the post once per matching publication.
    if filters.channel:
        posts = posts.filter(
            Exists(Publication.objects.filter(post=OuterRef("pk"), channel_id=filters.channel))
        )
    if filters.state:
        posts = posts.filter(
            Exists(Publication.objects.filter(post=OuterRef("pk"), state=filters.state))
        )
    if filters.language:
        posts = posts.filter(
            Exists(PostVariant.objects.filter(post=OuterRef("pk"), language=filters.language))
        )
    return posts


def calendar_posts(
    *, user: User, filters: CalendarFilters, since: datetime, until: datetime
) -> list[Post]:
    """The scheduled posts between ``since`` and ``until`` on the brands the user sees, by
    time: a fixed number of queries whatever their number."""
    posts = (
        Post.objects.filter(
            brand__in=brands_for(user, Perm.VIEW),
            scheduled_at__gte=since,
            scheduled_at__lt=until,
        )
        .select_related("brand__organization", "pillar", "campaign", "series")
        .prefetch_related(
            Prefetch(
                "publications",
                queryset=Publication.objects.select_related("channel", "variant").order_by(
                    "channel__platform", "channel__handle", "variant__language"
                ),
            )
        )
    )
    return list(_filtered(posts, filters).order_by("scheduled_at", "pk")[:MAX_POSTS])


def calendar_days(
    *,
    period: CalendarPeriod,
    posts: list[Post],
    tz: zoneinfo.ZoneInfo,
    composable_brands: set[int],
    colours: dict[int, int],
) -> list[CalendarDay]:
    """One entry a day of the period, each with its posts in time order."""
    today = timezone.localdate(timezone=tz)
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    for post in posts:
        if post.scheduled_at is None:
            continue
        local = timezone.localtime(post.scheduled_at, tz)
        by_day[local.date()].append(
            CalendarEntry(
                post=post,
                local=local,
                movable=movable(post, composable_brands),
                colour=colours.get(post.pillar_id) if post.pillar_id else None,
            )
        )
    days = []
    current = period.start
    while current < period.end:
        in_month = period.view != "month" or current.month == period.anchor.month
        days.append(CalendarDay(current, in_month, current == today, by_day.get(current, [])))
        current += timedelta(days=1)
    return days


def movable(post: Post, composable_brands: set[int]) -> bool:
    """Whether the viewer may move the post: the edit form's rights and locks (the action
    checks again; this only decides what the page offers)."""
    return (
        post.brand_id in composable_brands
        and post.status != PostStatus.CANCELLED
        and not any(p.state in LIVE_OR_UNKNOWN for p in post.publications.all())
    )


def pillar_colours(pillars: list[Pillar]) -> dict[int, int]:
    """Each pillar's colour number: its place among its organization's pillars, by creation."""
    colours: dict[int, int] = {}
    seen: dict[int, int] = defaultdict(int)
    for pillar in sorted(pillars, key=lambda p: p.pk):
        colours[pillar.pk] = seen[pillar.organization_id] % PILLAR_COLOURS
        seen[pillar.organization_id] += 1
    return colours


def visible_campaign(*, user: User, pk: int) -> Campaign | None:
    """The campaign, if it belongs to an organization where the user sees a brand."""
    organizations = brands_for(user, Perm.VIEW).values("organization_id")
    return (
        Campaign.objects.select_related("organization", "pillar")
        .filter(pk=pk, organization_id__in=organizations)
        .first()
    )


def campaign_posts(*, user: User, campaign: Campaign) -> list[Post]:
    """The campaign's posts on the brands the user sees, by time, unscheduled last."""
    return list(
        Post.objects.filter(campaign=campaign, brand__in=brands_for(user, Perm.VIEW))
        .exclude(status=PostStatus.CANCELLED)
        .select_related("brand__organization", "pillar")
        .prefetch_related(
            Prefetch(
                "publications",
                queryset=Publication.objects.select_related("channel", "variant").order_by(
                    "channel__platform", "channel__handle", "variant__language"
                ),
            )
        )
        .order_by(F("scheduled_at").asc(nulls_last=True), "pk")[:MAX_POSTS]
    )


@dataclass(frozen=True)
class PillarShare:
    """One pillar's part of the month's posts, against its target."""

    pillar: Pillar | None  # None: the posts that name no pillar
    posts: int
    percent: float
    target: int | None

    @property
    def gap(self) -> float | None:
        """Percentage points above (positive) or below (negative) the target."""
        return None if self.target is None else round(self.percent - self.target, 1)


@dataclass(frozen=True)
class PillarBalance:
    organization: Organization
    month: date
    total: int
    shares: list[PillarShare]

    @property
    def targets_total(self) -> int:
        return sum(s.target or 0 for s in self.shares)


def pillar_balance(*, user: User, organization: Organization, month: date) -> PillarBalance:
    """How the month's posts (in the organization's time zone, cancelled ones left out) of
    the brands the user sees spread across the organization's pillars: two queries."""
    tz = organization.tz
    first = month.replace(day=1)
    after = first.replace(day=pycalendar.monthrange(first.year, first.month)[1]) + timedelta(days=1)
    counts: dict[int | None, int] = dict(
        Post.objects.filter(
            brand__in=brands_for(user, Perm.VIEW).filter(organization=organization),
            scheduled_at__gte=datetime.combine(first, time(), tzinfo=tz),
            scheduled_at__lt=datetime.combine(after, time(), tzinfo=tz),
        )
        .exclude(status=PostStatus.CANCELLED)
        .values("pillar_id")
        .annotate(n=Count("pk"))
        .values_list("pillar_id", "n")
    )
    total = sum(counts.values())

    def share(n: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    pillars = list(Pillar.objects.filter(organization=organization).order_by("name"))
    shares = [
        PillarShare(p, counts.get(p.pk, 0), share(counts.get(p.pk, 0)), p.target_percent)
        for p in pillars
    ]
    if counts.get(None):
        shares.append(PillarShare(None, counts[None], share(counts[None]), None))
    return PillarBalance(organization=organization, month=first, total=total, shares=shares)
