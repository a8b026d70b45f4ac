"""The plan pages through every post by (scheduled_at, id): each post once, none skipped,
unscheduled drafts last, and a page costs the same number of queries at any size."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicdesk.pages.selectors import PLAN_PAGE_SIZE, PlanCursor, PlanFilters, posts_plan
from civicdesk.publishing.models import Post, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.factories import PASSWORD, World, make_post

NOW = timezone.now().replace(microsecond=0)
POST_LINK = re.compile(r'href="/posts/(\d+)/"')
NEXT_LINK = re.compile(r'href="([^"]*)"[^>]*rel="next"')


def _login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _bulk_posts(world: World, count: int, *, start: int = 0) -> list[Post]:
    """``count`` posts: many share a time (ties are broken by id), every fifth unscheduled."""
    return Post.objects.bulk_create(
        Post(
            brand=world.brand,
            author=world.author,
            title=f"Plan {start + n}",
            scheduled_at=None if n % 5 == 0 else NOW + timedelta(hours=(start + n) % 7),
        )
        for n in range(count)
    )


def _plan_order(posts: list[Post]) -> list[int]:
    dated = sorted((p for p in posts if p.scheduled_at), key=lambda p: (p.scheduled_at, p.pk))
    return [p.pk for p in dated] + sorted(p.pk for p in posts if p.scheduled_at is None)


def _walk(user: Any, *, limit: int, filters: PlanFilters | None = None) -> list[list[int]]:
    """Every page's post ids, following the cursors through their text form (as links do)."""
    pages: list[list[int]] = []
    after = None
    while True:
        page = posts_plan(user=user, filters=filters or PlanFilters(), after=after, limit=limit)
        pages.append([p.pk for p in page.posts])
        if page.next_cursor is None:
            return pages
        after = PlanCursor.parse(str(page.next_cursor))
        assert after == page.next_cursor
        assert len(pages) < 1000, "the cursor does not move"


@pytest.mark.django_db
def test_pages_hold_every_post_once_in_order(world: World) -> None:
    posts = _bulk_posts(world, 53)
    # Not on the plan: too long ago, too far ahead, a brand the viewer does not see.
    Post.objects.bulk_create(
        [
            Post(
                brand=world.brand,
                author=world.author,
                title="Old",
                scheduled_at=NOW - timedelta(days=40),
            ),
            Post(
                brand=world.brand,
                author=world.author,
                title="Far",
                scheduled_at=NOW + timedelta(days=200),
            ),
            Post(brand=world.other_brand, author=world.author, title="Other", scheduled_at=NOW),
        ]
    )
    pages = _walk(world.viewer, limit=7)
    seen = [pk for page in pages for pk in page]
    assert seen == _plan_order(posts)
    assert len(seen) == len(set(seen))
    assert [len(page) for page in pages] == [7] * 7 + [4]


@pytest.mark.django_db
def test_a_post_added_before_the_cursor_does_not_shift_the_next_page(world: World) -> None:
    posts = _bulk_posts(world, 20)
    first = posts_plan(user=world.viewer, filters=PlanFilters(), limit=10)
    assert first.next_cursor is not None
    # Someone schedules a post earlier than everything seen: the next page neither repeats
    # nor skips what was already there.
    _bulk_posts(world, 1, start=-1)
    Post.objects.filter(title="Plan -1").update(scheduled_at=NOW - timedelta(hours=1))
    rest = posts_plan(user=world.viewer, filters=PlanFilters(), after=first.next_cursor, limit=100)
    assert [p.pk for p in first.posts] + [p.pk for p in rest.posts] == _plan_order(posts)


@pytest.mark.django_db
def test_a_filtered_plan_pages_too(world: World) -> None:
    scheduled = [
        make_post(brand=world.brand, author=world.author, scheduled_at=NOW + timedelta(hours=n))
        for n in range(5)
    ]
    Publication.objects.filter(post__in=scheduled[:3]).update(state=S.FAILED)
    pages = _walk(world.viewer, limit=2, filters=PlanFilters(state=S.FAILED))
    assert [pk for page in pages for pk in page] == [p.pk for p in scheduled[:3]]
    pages = _walk(world.viewer, limit=2, filters=PlanFilters(channel=world.channel.pk))
    assert [pk for page in pages for pk in page] == [p.pk for p in scheduled]


@pytest.mark.django_db
def test_the_plan_screen_links_page_to_page_through_every_post(world: World) -> None:
    posts = _bulk_posts(world, 2 * PLAN_PAGE_SIZE + 30)
    client = _login(world.manager)
    client.get(reverse("posts"))  # warm: the session, the translation catalogue
    url: str | None = reverse("posts")
    seen: list[int] = []
    counts: list[int] = []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        body = response.content.decode()
        seen += [int(pk) for pk in POST_LINK.findall(body)]
        found = NEXT_LINK.search(body)
        url = reverse("posts") + html.unescape(found[1]) if found else None
    assert seen == _plan_order(posts)
    assert len(counts) == 3
    # A page after the first costs what the first does.
    assert counts[1] == counts[2] == counts[0], counts


@pytest.mark.django_db
def test_a_plan_page_costs_the_same_at_30_and_300_posts(world: World) -> None:
    client = _login(world.manager)
    _bulk_posts(world, 30)
    client.get(reverse("posts"))  # warm: the session, the translation catalogue

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("posts")).status_code == 200
        return len(captured)

    small = queries()
    _bulk_posts(world, 270, start=30)
    assert queries() == small
