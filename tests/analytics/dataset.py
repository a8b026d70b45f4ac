"""A small data set whose figures were worked out by hand (see each number's comment).

The organization is in Europe/Paris; the month is October 2026 (1 October 00:00 CEST is
30 September 22:00 UTC; 1 November 00:00 CET is 31 October 23:00 UTC). Its brand has an X
account (which reports impressions, reach and clicks) and a Mastodon account (which reports
neither impressions, reach nor clicks: only likes, boosts and replies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from civicdesk.analytics.models import MetricSnapshot
from civicdesk.inbox.models import Conversation
from civicdesk.organizations.models import Channel, Role
from civicdesk.publishing.models import Publication, PublicationState
from tests.factories import (
    World,
    make_channel,
    make_member,
    make_message,
    make_pillar,
    make_post,
    make_world,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Dataset:
    world: World
    x: Channel
    mastodon: Channel
    analyst: Any
    posts: dict[str, Publication]


def _published(
    world: World, channel: Channel, title: str, at: datetime, **kwargs: Any
) -> Publication:
    post = make_post(
        brand=world.brand,
        author=world.author,
        title=title,
        texts={"en": f"{title}."},
        channels=[channel],
        **kwargs,
    )
    publication = Publication.objects.get(post=post, channel=channel)
    Publication.objects.filter(pk=publication.pk).update(
        state=PublicationState.PUBLISHED,
        published_at=at,
        remote_id=f"r{publication.pk}",
        remote_url=f"https://social.example/p/{publication.pk}",
    )
    publication.refresh_from_db()
    return publication


def _snapshot(
    channel: Channel, at: datetime, publication: Publication | None = None, **values: int | None
) -> None:
    MetricSnapshot.objects.create(
        channel=channel, publication=publication, captured_at=at, **values
    )


def _conversation(
    channel: Channel,
    begun: datetime,
    *,
    category: str,
    language: str,
    urgency: str,
    first: int | None = None,
    resolved: int | None = None,
    spam: bool = False,
) -> Conversation:
    message = make_message(
        channel=channel,
        text=f"A {category} in {language}",
        sent_at=begun,
        category=category,
        language=language,
        urgency=urgency,
        author_handle=f"person{channel.pk}{begun:%d}",
    )
    conversation = message.conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=begun,
        is_spam=spam,
        first_response_at=begun + timedelta(seconds=first) if first else None,
        first_response_time=timedelta(seconds=first) if first else None,
        closed_at=begun + timedelta(seconds=resolved) if resolved else None,
        resolution_time=timedelta(seconds=resolved) if resolved else None,
    )
    conversation.refresh_from_db()
    return conversation


def build_dataset() -> Dataset:
    world = make_world(prefix="an")
    x = make_channel(brand=world.brand, platform="x", handle="city_x")
    mastodon = make_channel(brand=world.brand, platform="mastodon", handle="city_social")
    analyst = make_member(organization=world.org, role=Role.ANALYST, username="analyst1")
    safety = make_pillar(organization=world.org, slug="safety", name="Safety")

    p1 = _published(world, x, "Bridge reopens", utc(2026, 10, 5, 10), pillar=safety)
    # An older snapshot of P1: only its newest counts.
    _snapshot(x, utc(2026, 10, 6), p1, impressions=500, likes=5, reposts=1, replies=0)
    _snapshot(
        x,
        utc(2026, 10, 10),
        p1,
        impressions=1000,
        reach=800,
        likes=30,
        reposts=10,
        replies=10,
        clicks=25,
    )  # engagements 50
    p2 = _published(world, x, "Road works", utc(2026, 10, 20, 8))
    _snapshot(
        x,
        utc(2026, 10, 21),
        p2,
        impressions=400,
        reach=300,
        likes=4,
        reposts=0,
        replies=0,
        clicks=5,
    )  # engagements 4
    p3 = _published(world, mastodon, "Ferry timetable", utc(2026, 10, 12, 9))
    _snapshot(mastodon, utc(2026, 10, 13), p3, likes=20, reposts=5, replies=5)  # 30
    # 30 Sep 23:00 in Paris: September, the period before.
    p4 = _published(world, x, "Late September", utc(2026, 9, 30, 21))
    _snapshot(x, utc(2026, 10, 1), p4, impressions=200, likes=10, reposts=0, replies=0)
    # 1 Nov 00:30 in Paris: November, outside.
    p5 = _published(world, x, "November", utc(2026, 10, 31, 23, 30))
    _snapshot(x, utc(2026, 11, 1), p5, impressions=9999, likes=999, reposts=0, replies=0)

    # Followers: X 1000 → 1100, Mastodon 500 → 550 (growth 150; 1650 at the end).
    _snapshot(x, utc(2026, 9, 20), followers=1000)
    _snapshot(x, utc(2026, 10, 15), followers=1100)
    _snapshot(x, utc(2026, 11, 2), followers=1200)  # after the month
    _snapshot(mastodon, utc(2026, 9, 25), followers=500)
    _snapshot(mastodon, utc(2026, 10, 30), followers=550)

    # The inbox: four conversations begun in October (one spam besides).
    _conversation(
        x,
        utc(2026, 10, 2, 9),
        category="question",
        language="en",
        urgency="high",
        first=600,
        resolved=7200,
    )
    _conversation(
        x, utc(2026, 10, 3, 9), category="complaint", language="fr", urgency="medium", first=1800
    )
    _conversation(
        mastodon,
        utc(2026, 10, 4, 9),
        category="question",
        language="en",
        urgency="low",
        first=3600,
        resolved=18000,
    )
    _conversation(
        mastodon, utc(2026, 10, 5, 9), category="question", language="fr", urgency="medium"
    )
    _conversation(x, utc(2026, 10, 6, 9), category="spam", language="en", urgency="low", spam=True)
    # September: not October's.
    _conversation(
        x, utc(2026, 9, 30, 12), category="question", language="en", urgency="low", first=60
    )
    return Dataset(
        world=world,
        x=x,
        mastodon=mastodon,
        analyst=analyst,
        posts={"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5},
    )


def add_published(dataset: Dataset, day: int) -> Publication:
    """One more X post of October with its snapshot (for query-count tests)."""
    publication = _published(dataset.world, dataset.x, f"Extra {day}", utc(2026, 10, day, 12))
    _snapshot(dataset.x, utc(2026, 10, day, 18), publication, impressions=10, likes=1)
    return publication
