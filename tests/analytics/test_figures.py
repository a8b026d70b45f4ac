"""The figures against values worked out by hand on the data set of conftest.py."""

from __future__ import annotations

from datetime import date

import pytest

from civicdesk.analytics.definitions import Period, Scope
from civicdesk.analytics.figures import Overview, overview
from civicdesk.analytics.inbox_figures import median, percentile
from civicdesk.inbox.models import AuthorTag, InboundMessage
from civicdesk.organizations.models import Channel
from tests.analytics.dataset import Dataset

pytestmark = pytest.mark.django_db

OCTOBER = Period.month(2026, 10)


def _overview(dataset: Dataset, pillar_id: int | None = None) -> Overview:
    channels = list(Channel.objects.filter(brand__organization=dataset.world.org))
    scope = Scope(organization=dataset.world.org, channels=channels, pillar_id=pillar_id)
    return overview(scope, OCTOBER)


def test_post_figures_of_the_month(dataset: Dataset) -> None:
    o = _overview(dataset)
    f = o.figures
    assert f["posts"].value == 3
    assert f["impressions"].value == 1000 + 400  # Mastodon reports none
    assert f["impressions"].supplied_by == ["X"]
    assert f["impressions"].not_reported_by == ["Mastodon"]
    assert f["reach"].value == 800 + 300
    assert f["engagements"].value == 50 + 4 + 30
    assert f["engagements"].supplied_by == ["Mastodon", "X"]
    # Only the posts with impressions: (50 + 4) / 1400.
    assert f["engagement_rate"].value == pytest.approx(54 / 1400)
    assert f["clicks"].value == 30
    # Nobody reports video views: not available, never 0.
    assert f["video_views"].value is None
    assert f["video_views"].not_reported_by == ["Mastodon", "X"]


def test_previous_period_is_the_same_length_before(dataset: Dataset) -> None:
    o = _overview(dataset)
    assert o.previous_period == Period(date(2026, 8, 31), date(2026, 9, 30))
    f = o.figures
    assert f["posts"].previous == 1  # 30 Sep 23:00 in Paris
    assert f["impressions"].previous == 200
    assert f["engagements"].previous == 10
    assert f["engagements"].change == pytest.approx((84 - 10) / 10)


def test_followers_and_growth(dataset: Dataset) -> None:
    f = _overview(dataset).figures
    assert f["followers"].value == 1100 + 550
    assert f["follower_growth"].value == 100 + 50
    assert f["followers"].previous == 1000 + 500


def test_inbox_figures(dataset: Dataset) -> None:
    o = _overview(dataset)
    f = o.figures
    assert f["messages"].value == 5  # spam was received too
    assert f["conversations"].value == 4  # spam left out
    assert f["response_rate"].value == pytest.approx(3 / 4)
    assert f["first_response_median"].value == 1800
    assert f["first_response_p90"].value == 3600  # nearest rank: the 3rd of 3
    assert f["resolution_median"].value == (7200 + 18000) / 2
    assert dict(o.inbox.by_kind) == {"question": 3, "complaint": 1, "spam": 1}
    assert dict(o.inbox.by_language) == {"en": 3, "fr": 2}
    assert dict(o.inbox.by_urgency) == {"medium": 2, "low": 2, "high": 1}
    # September's conversation, answered in a minute, is the previous period's.
    assert f["first_response_median"].previous == 60


def test_filters_narrow_the_posts(dataset: Dataset) -> None:
    pillar_id = dataset.posts["p1"].post.pillar_id
    f = _overview(dataset, pillar_id=pillar_id).figures
    assert f["posts"].value == 1
    assert f["engagements"].value == 50
    only_mastodon = overview(
        Scope(organization=dataset.world.org, channels=[dataset.mastodon]), OCTOBER
    ).figures
    assert only_mastodon["impressions"].value is None
    assert only_mastodon["engagement_rate"].value is None
    assert only_mastodon["engagements"].value == 30
    assert only_mastodon["followers"].value == 550


def test_top_and_bottom_posts(dataset: Dataset) -> None:
    o = _overview(dataset)
    assert [r.title for r in o.top] == ["Bridge reopens", "Ferry timetable", "Road works"]
    assert [r.title for r in o.bottom] == []  # three posts: all are in the top five


def test_median_and_percentile() -> None:
    assert median([]) is None
    assert median([3, 1, 2]) == 2
    assert median([1, 2, 3, 4]) == 2.5
    assert percentile([], 0.9) is None
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5], 0.9) == 5


def test_messages_by_audience_segment(dataset: Dataset) -> None:
    october = InboundMessage.objects.filter(channel=dataset.x, sent_at__month=10).order_by("pk")
    journalist = october[0].author
    AuthorTag.objects.create(author=journalist, tag="journalist", added_by=dataset.world.manager)
    AuthorTag.objects.create(author=journalist, tag="local press", added_by=dataset.world.manager)
    o = _overview(dataset)
    assert dict(o.inbox.by_segment) == {"journalist": 1, "local press": 1}
    assert o.figures["messages"].value == 5  # tags do not count messages twice
