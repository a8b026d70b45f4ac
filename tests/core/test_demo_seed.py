"""Seeding the demo: complete on any date, all or nothing, and kept once complete."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import LazySettings
from django.utils import timezone

from civicdesk.analytics.models import MetricSnapshot
from civicdesk.exnet.models import NetFollow
from civicdesk.inbox.models import InboundMessage, MessageStatus
from civicdesk.listening.models import FollowedTerm, ListeningItem
from civicdesk.organizations.audit import verify_chain
from civicdesk.organizations.models import Organization
from civicdesk.publishing.models import (
    Post,
    PostSeries,
    PostStatus,
    Publication,
    PublicationState,
)
from civicdesk.runtime import demo

VANCOUVER = ZoneInfo("America/Vancouver")


@pytest.fixture
def network(live_server: Any, settings: LazySettings) -> Iterator[str]:
    """The seed talks to the exercise network over HTTP, as the demo command does."""
    settings.EXNET_ENABLED = True
    settings.SITE_URL = live_server.url
    settings.EXNET_BASE_URL = f"{live_server.url}/exnet/api"
    yield live_server.url


Clock = Callable[[datetime], datetime]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set this process's clock (the live server's too) to a date; it runs on from there."""
    real_now = timezone.now

    def set_to(at: datetime) -> datetime:
        offset = at - real_now()
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
        return at

    return set_to


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def assert_complete(org: Organization, *, now: datetime, days: int) -> None:
    assert demo.demo_is_complete(org)
    published = Publication.objects.filter(
        post__brand__organization=org, state=PublicationState.PUBLISHED
    )
    times = sorted(published.values_list("published_at", flat=True))
    # About a post a day over the whole period, up to the day before ``now``.
    assert len(times) >= days // 2
    assert now - timedelta(days=days + 1) < times[0] < now - timedelta(days=days - 7)
    assert now - timedelta(days=7) < times[-1] < now
    # Each post as a whole speaks both official languages.
    for post in Post.objects.filter(brand__organization=org):
        languages = {p.variant.language for p in post.publications.select_related("variant")}
        assert languages == {"en", "fr"}, post.title
    messages = InboundMessage.objects.filter(channel__brand__organization=org)
    assert messages.count() > days
    assert messages.filter(status=MessageStatus.REPLIED).exists()
    assert messages.filter(status=MessageStatus.NEW).exists()
    # Every message was understood, and each answered one first at its answer's time.
    assert not messages.filter(understood_at=None).exists()
    assert set(messages.values_list("language", flat=True)) >= {"en", "fr"}
    for message in messages.filter(status=MessageStatus.REPLIED)[:50]:
        assert message.first_response_at == message.replies.get().sent_at
    handles = [c.handle for b in org.brands.all() for c in b.channels.all()]
    assert NetFollow.objects.filter(followee__handle__in=handles).count() > 10
    snapshots = MetricSnapshot.objects.filter(channel__brand__organization=org, publication=None)
    assert snapshots.filter(captured_at__lt=now).count() == days * len(handles)
    assert snapshots.filter(followers__gt=0).exists()
    # Today's numbers close the history: collected as at the seed's ``now``.
    assert snapshots.filter(captured_at=now).count() == len(handles)
    upcoming = Post.objects.filter(brand__organization=org, scheduled_at__gt=now, series=None)
    assert upcoming.filter(status=PostStatus.APPROVED).count() == 3
    assert (
        Publication.objects.filter(post__in=upcoming, state=PublicationState.SCHEDULED).count() >= 6
    )
    assert upcoming.filter(status=PostStatus.IN_REVIEW).count() == 1
    assert upcoming.filter(status=PostStatus.DRAFT).count() == 1
    # The morning traffic update recurs every weekday at 07:30 in Vancouver; the next three
    # occurrences are approved, the others wait in review.
    traffic = PostSeries.objects.get(brand__organization=org)
    occurrences = traffic.occurrences.order_by("occurrence_at")
    assert occurrences.count() >= 20
    assert {timezone.localtime(p.scheduled_at, org.tz).time() for p in occurrences} == {time(7, 30)}
    assert [p.status for p in occurrences[:4]] == [PostStatus.APPROVED] * 3 + [PostStatus.IN_REVIEW]
    assert sum(org.pillars.values_list("target_percent", flat=True)) == 100
    # The team follows two keywords and a hashtag, and the network's posts were read for them.
    terms = FollowedTerm.objects.filter(organization=org)
    assert sorted(terms.values_list("value", flat=True)) == ["ConeZone", "bridge", "pont"]
    assert not terms.exclude(error="").exists()
    items = ListeningItem.objects.filter(organization=org)
    assert items.filter(term__value="bridge").exists()
    assert items.filter(term__value="pont").exists()
    assert not items.filter(understood_at=None).exists()
    assert verify_chain(org.pk).ok


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "now",
    [
        pytest.param(datetime(2026, 1, 15, 9, 30, tzinfo=VANCOUVER), id="winter"),
        pytest.param(datetime(2026, 3, 7, 23, 50, tzinfo=VANCOUVER), id="before-spring-forward"),
        pytest.param(datetime(2026, 10, 31, 23, 50, tzinfo=VANCOUVER), id="before-fall-back"),
        pytest.param(datetime(2028, 2, 29, 12, 0, tzinfo=VANCOUVER), id="leap-day"),
    ],
)
def test_ninety_days_seed_completely_on_any_date(network: str, clock: Clock, now: datetime) -> None:
    clock(now)
    info = demo.seed_demo_fully(days=90, now=now)
    assert info.created
    assert_complete(info.organization, now=now, days=90)


NOW = datetime(2026, 6, 10, 12, 0, tzinfo=VANCOUVER)


@pytest.mark.django_db(transaction=True)
def test_a_failure_mid_seed_leaves_nothing_and_the_next_start_seeds_fully(
    network: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock(NOW)
    before = row_counts()

    def broken(**kwargs: Any) -> int:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        # The last step: by then the inbox was read and answered over HTTP.
        patch.setattr(demo, "backfill_metrics", broken)
        with pytest.raises(RuntimeError, match="disk full"):
            demo.seed_demo_fully(days=12, now=NOW)
    assert InboundMessage.objects.count() == 0 and Organization.objects.count() == 0
    assert row_counts() == before

    info = demo.seed_demo_fully(days=12, now=NOW)
    assert info.created
    assert_complete(info.organization, now=NOW, days=12)


@pytest.mark.django_db(transaction=True)
def test_a_seed_killed_midway_is_wiped_and_seeded_again(
    network: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock(NOW)
    before = row_counts()

    def killed(channel_id: int, **kwargs: Any) -> None:
        raise SystemExit(1)

    with monkeypatch.context() as patch:
        patch.setattr(demo, "demo_wipe", lambda org: None)  # the process died: no clean-up
        patch.setattr(demo, "collect_channel", killed)
        with pytest.raises(SystemExit):
            demo.seed_demo_fully(days=12, now=NOW)
    half = Organization.objects.get(slug=demo.DEMO_SLUG)
    assert not demo.demo_is_complete(half)

    # The next start finds the half-seeded organization, deletes it and seeds again.
    info = demo.seed_demo_fully(days=12, now=NOW)
    assert info.created and info.organization.pk != half.pk
    assert_complete(info.organization, now=NOW, days=12)
    seeded = row_counts()
    # Deleting it leaves the database as it was before either start.
    demo.demo_wipe(info.organization)
    assert row_counts() == before
    assert seeded != before


@pytest.mark.django_db(transaction=True)
def test_a_restart_keeps_a_complete_demo(network: str, clock: Clock) -> None:
    clock(NOW)
    first = demo.seed_demo_fully(days=12, now=NOW)
    counts = row_counts()
    again = demo.seed_demo_fully(days=12, now=NOW + timedelta(hours=1))
    assert not again.created and again.organization.pk == first.organization.pk
    assert row_counts() == counts
