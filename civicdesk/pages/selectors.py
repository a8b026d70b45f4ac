"""Reads for the pages: dashboard figures, the plan of posts, channels, the audit log.

Each selector takes the viewing user and returns only what that user may see, with the
related rows it needs fetched up front, so a page costs a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from civicdesk.analytics.models import MetricSnapshot
from civicdesk.inbox.models import ChannelDay
from civicdesk.organizations.access import Perm, User, brands_for, channels_for
from civicdesk.organizations.models import (
    AuditEvent,
    Brand,
    Channel,
    Membership,
    Organization,
    Role,
)
from civicdesk.publishing.models import Approval, Post, PostVariant, Publication, PublicationAttempt
from civicdesk.publishing.models import PublicationState as S

PERIOD_DAYS = 30
# The states the dashboard counts, in the order it shows them.
DASHBOARD_STATES = (S.SCHEDULED, S.PUBLISHED, S.FAILED, S.MISSED, S.UNCONFIRMED)


@dataclass
class ChannelFigures:
    channel: Channel
    followers: int | None = None
    post_impressions: int | None = None
    post_engagements: int | None = None
    account_impressions: int | None = None
    account_engagements: int | None = None
    messages: int = 0
    states: dict[str, int] = field(default_factory=dict)

    @property
    def state_counts(self) -> list[tuple[str, str, int]]:
        return [(s.value, s.label, self.states.get(s.value, 0)) for s in DASHBOARD_STATES]


@dataclass
class BrandFigures:
    brand: Brand
    channels: list[ChannelFigures]

    def _total(self, name: str) -> int | None:
        total: int | None = None
        for figures in self.channels:
            total = _add(total, getattr(figures, name))
        return total

    @property
    def followers(self) -> int | None:
        return self._total("followers")

    @property
    def post_impressions(self) -> int | None:
        return self._total("post_impressions")

    @property
    def post_engagements(self) -> int | None:
        return self._total("post_engagements")

    @property
    def messages(self) -> int:
        return sum(f.messages for f in self.channels)


@dataclass
class PublishingSwitch:
    organization: Organization
    can_control: bool
    paused_by: str | None
    paused_at: datetime | None


def _add(total: int | None, value: int | None) -> int | None:
    """Sum where None means "not reported": stays None until something is reported."""
    if value is None:
        return total
    return (total or 0) + value


def dashboard_figures(*, user: User, days: int = PERIOD_DAYS) -> list[BrandFigures]:
    """Per brand and channel: followers, post and account numbers, messages, states."""
    since = timezone.now() - timedelta(days=days)
    channels = list(channels_for(user, Perm.VIEW).filter(is_active=True))
    ids = [c.pk for c in channels]
    figures = {c.pk: ChannelFigures(channel=c) for c in channels}

    # The newest account snapshot of each channel, and the newest snapshot of each post
    # published in the period: one index probe each ((channel, publication, captured_at)
    # and (publication, captured_at)), however many snapshots are kept.
    def newest(**where: object) -> Subquery:
        return Subquery(
            MetricSnapshot.objects.filter(**where).order_by("-captured_at").values("pk")[:1]
        )

    account_ids = Channel.objects.filter(pk__in=ids).values_list(
        newest(channel_id=OuterRef("pk"), publication__isnull=True), flat=True
    )
    post_ids = Publication.objects.filter(channel_id__in=ids, published_at__gte=since).values_list(
        newest(publication_id=OuterRef("pk")), flat=True
    )
    snapshots = MetricSnapshot.objects.filter(
        pk__in=[pk for pk in [*account_ids, *post_ids] if pk is not None]
    ).only(
        "channel_id",
        "publication_id",
        "followers",
        "impressions",
        "engagements",
        "likes",
        "reposts",
        "replies",
    )
    for snapshot in snapshots:
        f = figures[snapshot.channel_id]
        if snapshot.publication_id is None:
            f.followers = snapshot.followers
            f.account_impressions = snapshot.impressions
            f.account_engagements = snapshot.engagements
            continue
        f.post_impressions = _add(f.post_impressions, snapshot.impressions)
        for name in ("likes", "reposts", "replies"):
            f.post_engagements = _add(f.post_engagements, getattr(snapshot, name))

    # Messages received, from the per-channel, per-day counters the database keeps.
    received = (
        ChannelDay.objects.filter(channel_id__in=ids, day__gte=since.astimezone(UTC).date())
        .values("channel_id")
        .annotate(n=Sum("received"))
    )
    for row in received:
        figures[row["channel_id"]].messages = row["n"] or 0

    states = (
        Publication.objects.filter(channel_id__in=ids, state__in=DASHBOARD_STATES)
        .filter(
            Q(scheduled_at__gte=since)
            | Q(published_at__gte=since)
            | Q(state__in=[S.SCHEDULED, S.UNCONFIRMED])
        )
        .values("channel_id", "state")
        .annotate(n=Count("pk"))
    )
    for row in states:
        figures[row["channel_id"]].states[row["state"]] = row["n"]

    by_brand: dict[int, BrandFigures] = {}
    for channel in channels:
        entry = by_brand.setdefault(channel.brand_id, BrandFigures(channel.brand, []))
        entry.channels.append(figures[channel.pk])
    return sorted(by_brand.values(), key=lambda b: (b.brand.organization.name, b.brand.name))


def publishing_switches(*, user: User) -> list[PublishingSwitch]:
    """The "stop all posts" switch of each organization the user belongs to."""
    if not user.is_authenticated:
        return []
    last_pause = AuditEvent.objects.filter(
        organization_id=OuterRef("pk"), action="publishing.pause"
    ).order_by("-sequence")
    orgs = (
        Organization.objects.filter(memberships__user_id=user.pk)
        .distinct()
        .annotate(
            paused_by=Subquery(last_pause.values("actor_label")[:1]),
            paused_at=Subquery(last_pause.values("created_at")[:1]),
        )
        .order_by("name")
    )
    controllers = set(
        Membership.objects.filter(
            user_id=user.pk, brand__isnull=True, role__in=[Role.ADMIN, Role.MANAGER]
        ).values_list("organization_id", flat=True)
    )
    return [
        PublishingSwitch(
            organization=org,
            can_control=org.pk in controllers,
            paused_by=org.paused_by if org.publishing_paused else None,
            paused_at=org.paused_at if org.publishing_paused else None,
        )
        for org in orgs
    ]


@dataclass(frozen=True)
class PlanFilters:
    brand: int | None = None
    channel: int | None = None
    state: str | None = None


# Fifty posts a page: on ten channels that is five hundred publication badges, rendered
# in about 35 ms of CPU; a hundred cost twice that (bench/pages.py).
PLAN_PAGE_SIZE = 50


@dataclass(frozen=True)
class PlanCursor:
    """Where a page of the plan ends: the last post's time (None: unscheduled) and id.

    The plan runs by (scheduled_at, id), unscheduled drafts last, so the next page starts
    just after this pair whatever was added or removed meanwhile.
    """

    scheduled_at: datetime | None
    pk: int

    def __str__(self) -> str:
        at = self.scheduled_at.astimezone(UTC).isoformat() if self.scheduled_at else ""
        return f"{at}~{self.pk}"

    @classmethod
    def parse(cls, value: str | None) -> PlanCursor | None:
        """The cursor in ``value``; None for a missing or unreadable one (the first page)."""
        at, sep, pk = (value or "").rpartition("~")
        if not sep or not pk.isdigit():
            return None
        if not at:
            return cls(None, int(pk))
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            return None
        return cls(when if when.tzinfo else when.replace(tzinfo=UTC), int(pk))

    def after(self) -> Q:
        """The posts that come after this one in the plan's order."""
        if self.scheduled_at is None:
            return Q(scheduled_at__isnull=True, pk__gt=self.pk)
        return (
            Q(scheduled_at__gt=self.scheduled_at)
            | Q(scheduled_at=self.scheduled_at, pk__gt=self.pk)
            | Q(scheduled_at__isnull=True)
        )


@dataclass(frozen=True)
class PlanPage:
    posts: list[Post]
    # Where the next page starts; None on the last page.
    next_cursor: PlanCursor | None


def posts_plan(
    *,
    user: User,
    filters: PlanFilters,
    after: PlanCursor | None = None,
    past_days: int = 14,
    ahead_days: int = 90,
    limit: int = PLAN_PAGE_SIZE,
) -> PlanPage:
    """One page of recent and upcoming posts (then unscheduled drafts) on the brands the user
    sees, by time then id: a fixed number of queries whatever the number of posts."""
    now = timezone.now()
    posts = (
        Post.objects.filter(brand__in=brands_for(user, Perm.VIEW))
        .filter(
            Q(
                scheduled_at__gte=now - timedelta(days=past_days),
                scheduled_at__lte=now + timedelta(days=ahead_days),
            )
            | Q(scheduled_at__isnull=True)
        )
        .select_related("brand__organization", "pillar", "campaign", "author")
        .prefetch_related(
            Prefetch(
                "publications",
                queryset=Publication.objects.select_related("channel", "variant").order_by(
                    "channel__platform", "channel__handle", "variant__language"
                ),
            )
        )
    )
    if filters.brand:
        posts = posts.filter(brand_id=filters.brand)
    # Exists, not a join: a join repeats the post once per matching publication.
    if filters.channel:
        posts = posts.filter(
            Exists(Publication.objects.filter(post=OuterRef("pk"), channel_id=filters.channel))
        )
    if filters.state:
        posts = posts.filter(
            Exists(Publication.objects.filter(post=OuterRef("pk"), state=filters.state))
        )
    if after is not None:
        posts = posts.filter(after.after())
    page = list(posts.order_by(F("scheduled_at").asc(nulls_last=True), "pk")[: limit + 1])
    if len(page) <= limit:
        return PlanPage(page, None)
    last = page[limit - 1]
    return PlanPage(page[:limit], PlanCursor(last.scheduled_at, last.pk))


def plan_days(posts: list[Post]) -> list[tuple[date | None, list[Post]]]:
    """Posts grouped by their day in their organization's time zone; unscheduled last."""
    days: dict[date | None, list[Post]] = defaultdict(list)
    for post in posts:
        key = (
            timezone.localtime(post.scheduled_at, post.brand.organization.tz).date()
            if post.scheduled_at
            else None
        )
        days[key].append(post)
    dated = sorted((d, p) for d, p in days.items() if d is not None)
    return dated + ([(None, days[None])] if None in days else [])


def post_detail(*, pk: int) -> Post:
    """One post with everything its page shows. Access is checked by the caller."""
    return (
        Post.objects.select_related("brand__organization", "pillar", "campaign", "author")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=PostVariant.objects.select_related("channel").order_by(
                    "language", "channel_id"
                ),
            ),
            Prefetch(
                "publications",
                queryset=Publication.objects.select_related("channel", "variant")
                .order_by("channel__platform", "channel__handle", "variant__language")
                .prefetch_related(
                    Prefetch(
                        "attempts_log",
                        queryset=PublicationAttempt.objects.order_by("started_at", "pk"),
                    )
                ),
            ),
            Prefetch("approvals", queryset=Approval.objects.select_related("approver")),
            "channels",
            "media",
        )
        .get(pk=pk)
    )


def channels_overview(*, user: User) -> QuerySet[Channel]:
    return channels_for(user, Perm.VIEW).order_by(
        "brand__organization__name", "brand__name", "platform", "handle"
    )


def health_warnings(*, user: User) -> QuerySet[Channel]:
    return channels_overview(user=user).filter(is_active=True).exclude(health="ok")


def audit_events(*, organization: Organization) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=organization).order_by("-sequence")
