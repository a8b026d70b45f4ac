"""What each figure of analytics means, and the period and scope it is worked out over.

The definitions are written once, here, and shown wherever a figure is (dashboard, report,
exports' notes); a figure carries the platforms that reported it and those that did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Channel, Organization, Platform

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


def platform_label(platform: str) -> str:
    return str(dict(Platform.choices).get(platform, platform))
