"""Moving a post on the calendar: the edit form's rights, locks and time checks, the approval
kept, the audit log; pillar targets and the month's balance; the calendar's pages and filters."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from civicdesk.organizations.models import AuditEvent
from civicdesk.pages.calendar_selectors import calendar_period, pillar_balance
from civicdesk.publishing import services, state
from civicdesk.publishing.models import PostStatus
from civicdesk.publishing.models import PublicationState as S
from civicdesk.setup import services as setup
from tests.factories import approve_post, make_campaign, make_pillar, make_post, make_world

pytestmark = pytest.mark.django_db


def _soon(days: int = 2, hour: int = 9) -> datetime:
    return timezone.now().replace(microsecond=0) + timedelta(days=days, hours=hour)


def test_a_move_keeps_the_approval_and_is_audited() -> None:
    world = make_world()
    post = make_post(brand=world.brand, author=world.author, scheduled_at=_soon())
    approve_post(post=post, author=world.author, approver=world.approver)
    later = _soon(days=3)
    services.post_reschedule(post=post, at=later, actor=world.author, via="drag")
    post.refresh_from_db()
    assert post.scheduled_at == later and post.status == PostStatus.APPROVED
    assert {(p.state, p.next_attempt_at) for p in post.publications.all()} == {(S.SCHEDULED, later)}
    event = AuditEvent.objects.get(action="post.reschedule", object_id=str(post.pk))
    assert event.data["via"] == "drag" and event.actor_id == world.author.pk


def test_a_move_is_refused_as_the_edit_form_refuses_it() -> None:
    world = make_world()
    post = make_post(brand=world.brand, author=world.author, scheduled_at=_soon())
    with pytest.raises(ValidationError, match="already passed"):
        services.post_reschedule(
            post=post, at=timezone.now() - timedelta(minutes=1), actor=world.author
        )
    with pytest.raises(PermissionDenied):
        services.post_reschedule(post=post, at=_soon(3), actor=world.viewer)
    with pytest.raises(Http404):
        services.post_reschedule(post=post, at=_soon(3), actor=world.outsider)
    with pytest.raises(ValidationError, match="time zone"):
        services.post_reschedule(post=post, at=datetime(2030, 1, 1, 9), actor=world.author)
    approve_post(post=post, author=world.author, approver=world.approver)
    publication = post.publications.first()
    assert publication is not None and state.move(publication, S.PUBLISHING)
    with pytest.raises(ValidationError, match="already published"):
        services.post_reschedule(post=post, at=_soon(3), actor=world.author)
    other = make_post(brand=world.brand, author=world.author, scheduled_at=_soon())
    services.post_cancel(post=other, actor=world.author)
    with pytest.raises(ValidationError, match="cancelled"):
        services.post_reschedule(post=other, at=_soon(3), actor=world.author)
    # The edit form refuses a new time already past the same way.
    draft = make_post(brand=world.brand, author=world.author, scheduled_at=_soon())
    past = services.Draft(
        title=draft.title,
        texts={"en": "The bridge reopens on Monday.", "fr": "Le pont rouvre lundi."},
        channels=list(draft.channels.all()),
        scheduled_at=timezone.now() - timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="already passed"):
        services.post_update(post=draft, actor=world.author, draft=past)
    assert not AuditEvent.objects.filter(action="post.reschedule").exists()


def test_the_move_form_reads_the_day_in_the_organizations_time_zone() -> None:
    world = make_world(time_zone="America/Vancouver")
    post = make_post(brand=world.brand, author=world.author, scheduled_at=_soon())
    client = Client()
    client.force_login(world.author)
    day = timezone.localdate(timezone=world.org.tz) + timedelta(days=4)
    response = client.post(
        f"/calendar/posts/{post.pk}/move/",
        {"date": day.isoformat(), "time": "07:30", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/calendar/"
    post.refresh_from_db()
    local = timezone.localtime(post.scheduled_at, world.org.tz)
    assert (local.date(), local.time()) == (day, time(7, 30))
    # A viewer may see the calendar but not move a post.
    client.force_login(world.viewer)
    assert (
        client.post(f"/calendar/posts/{post.pk}/move/", {"date": "2031-01-01"}).status_code == 403
    )


def test_the_calendar_filters_and_shows_what_the_person_sees() -> None:
    world = make_world()
    safety = make_pillar(organization=world.org, slug="safety", name="Safety")
    campaign = make_campaign(organization=world.org, name="Winter roads")
    at = _soon(days=1)
    shown = make_post(
        brand=world.brand,
        author=world.author,
        title="<script>alert(1)</script>",
        scheduled_at=at,
        pillar=safety,
        campaign=campaign,
    )
    hidden = make_post(brand=world.other_brand, author=world.other_member, scheduled_at=at)
    client = Client()
    client.force_login(world.author)
    day = timezone.localtime(at, world.org.tz).date().isoformat()
    page = client.get(f"/calendar/?view=day&date={day}").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert f'data-post="{hidden.pk}"' not in page
    for query, present in (
        (f"pillar={safety.pk}", True),
        (f"campaign={campaign.pk}", True),
        ("language=fr", True),
        ("language=ar", False),
        ("state=published", False),
        (f"channel={world.channel.pk}", True),
        (f"brand={world.other_brand.pk}", False),
    ):
        page = client.get(f"/calendar/?view=week&date={day}&{query}").content.decode()
        assert (f'data-post="{shown.pk}"' in page) is present, query
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Winter roads" in page and f"/posts/{shown.pk}/" in page
    client.force_login(world.outsider)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 404


def test_pillar_targets_add_up_to_at_most_100_and_the_balance_compares() -> None:
    world = make_world()
    safety = make_pillar(organization=world.org, slug="safety", name="Safety")
    news = make_pillar(organization=world.org, slug="news", name="News")
    setup.pillar_save(
        organization=world.org, pillar=safety, name="Safety", target_percent=60, actor=world.admin
    )
    with pytest.raises(ValidationError, match="at most 40%"):
        setup.pillar_save(
            organization=world.org, pillar=news, name="News", target_percent=50, actor=world.admin
        )
    with pytest.raises(PermissionDenied):
        setup.pillar_save(
            organization=world.org, pillar=news, name="News", target_percent=5, actor=world.author
        )
    setup.pillar_save(
        organization=world.org, pillar=news, name="News", target_percent=40, actor=world.admin
    )
    month = timezone.localdate(timezone=world.org.tz) + timedelta(days=40)
    noon = datetime.combine(month.replace(day=10), time(12), tzinfo=world.org.tz)
    for pillar in (safety, news, news, None):
        make_post(brand=world.brand, author=world.author, scheduled_at=noon, pillar=pillar)
    cancelled = make_post(brand=world.brand, author=world.author, scheduled_at=noon, pillar=safety)
    services.post_cancel(post=cancelled, actor=world.author)
    balance = pillar_balance(user=world.author, organization=world.org, month=month)
    rows = {(s.pillar.slug if s.pillar else None): s for s in balance.shares}
    assert balance.total == 4
    assert (rows["safety"].posts, rows["safety"].percent, rows["safety"].gap) == (1, 25.0, -35.0)
    assert (rows["news"].posts, rows["news"].percent, rows["news"].gap) == (2, 50.0, 10.0)
    assert rows[None].posts == 1 and rows[None].target is None


def test_a_month_is_shown_as_whole_weeks_from_monday() -> None:
    period = calendar_period("month", datetime(2026, 3, 15).date())
    assert period.start.isoformat() == "2026-02-23" and period.end.isoformat() == "2026-04-06"
    assert period.previous.isoformat() == "2026-02-01"
    assert period.following.isoformat() == "2026-04-01"
    week = calendar_period("week", datetime(2026, 3, 15).date())
    assert (week.start.isoformat(), week.end.isoformat()) == ("2026-03-09", "2026-03-16")


def test_the_month_costs_the_same_queries_however_many_posts() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = make_world()
    pillar = make_pillar(organization=world.org, slug="safety", name="Safety")
    campaign = make_campaign(organization=world.org)
    day = timezone.localdate(timezone=world.org.tz) + timedelta(days=40)
    noon = datetime.combine(day, time(12), tzinfo=world.org.tz)
    client = Client()
    client.force_login(world.author)
    url = f"/calendar/?view=month&date={day.isoformat()}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_post(brand=world.brand, author=world.author, scheduled_at=noon, pillar=pillar)
    queries()  # the session and caches, once
    few = queries()
    for n in range(8):
        make_post(
            brand=world.brand,
            author=world.author,
            scheduled_at=noon + timedelta(days=n % 3, hours=n),
            pillar=pillar if n % 2 else None,
            campaign=campaign,
        )
    assert queries() == few
