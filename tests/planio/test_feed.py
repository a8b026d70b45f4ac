"""A person's calendar feed: secret, revocable, parsed by a calendar library."""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing import services
from civicdesk.publishing.models import CalendarFeed, Post
from tests.factories import World, approve_post, make_post

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _new_address(user: object) -> str:
    response = _client(user).post(reverse("account-calendar"), {"action": "new"})
    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


def _events(path: str) -> dict[str, object]:
    response = Client().get(path)  # nobody signed in: the secret is the key
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_holds_the_posts_a_person_writes_approves_or_watches(world: World) -> None:
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    written = make_post(brand=world.brand, author=world.author, title="Written", scheduled_at=soon)
    in_review = make_post(
        brand=world.brand, author=world.manager, title="In review", scheduled_at=soon
    )
    services.post_submit(post=in_review, actor=world.manager)
    approved = make_post(
        brand=world.brand, author=world.manager, title="Approved", scheduled_at=soon
    )
    approve_post(post=approved, author=world.manager, approver=world.approver)
    make_post(brand=world.brand, author=world.manager, title="Someone's draft", scheduled_at=soon)
    make_post(brand=world.other_brand, author=world.other_member, title="Bus", scheduled_at=soon)
    make_post(brand=world.brand, author=world.author, title="Unscheduled")

    events = _events(_new_address(world.author))
    assert set(events) == {
        "City Hall: Written",
        "City Hall: In review",
        "City Hall: Approved",
    }
    event = events["City Hall: Written"]
    assert event["dtstart"].dt == soon.astimezone(UTC)
    assert event["dtstart"].to_ical().endswith(b"Z")  # written in UTC
    assert str(event["uid"]) == f"post-{written.pk}@civicdesk"
    assert str(event["url"]) == f"http://testserver/posts/{written.pk}/"
    modified = Post.objects.get(pk=written.pk).updated_at.replace(microsecond=0)
    assert event["last-modified"].dt == modified
    description = str(event["description"])
    assert "[EN] The bridge reopens on Monday." in description
    assert "[FR] Le pont rouvre lundi." in description
    assert "Draft" in description

    # The approver follows the post they approved; the other brand's author sees only theirs.
    approver_events = _events(_new_address(world.approver))
    assert "City Hall: Approved" in approver_events
    assert set(_events(_new_address(world.other_member))) == {"Transit: Bus"}


def test_the_uid_is_stable_from_one_fetch_to_the_next(world: World) -> None:
    make_post(brand=world.brand, author=world.author, scheduled_at=timezone.now() + timedelta(1))
    path = _new_address(world.author)
    first = [str(e["uid"]) for e in _events(path).values()]
    assert first and first == [str(e["uid"]) for e in _events(path).values()]


def test_only_a_hash_is_kept_and_a_revoked_address_answers_404(world: World) -> None:
    path = _new_address(world.author)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=world.author, revoked_at=None)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in feed.token_hash

    # A new address ends the old one.
    newer = _new_address(world.author)
    assert Client().get(path).status_code == 404
    assert Client().get(newer).status_code == 200

    page = _client(world.author).post(reverse("account-calendar"), {"action": "revoke"})
    assert page.status_code == 302
    assert Client().get(newer).status_code == 404
    assert Client().get("/calendar/not-a-token.ics").status_code == 404
    actions = list(
        AuditEvent.objects.filter(organization=world.org, action__startswith="calendar_feed")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "calendar_feed.create",
        "calendar_feed.revoke",
        "calendar_feed.create",
        "calendar_feed.revoke",
    ]


def test_a_deactivated_persons_feed_is_gone(world: World) -> None:
    path = _new_address(world.author)
    world.author.is_active = False
    world.author.save(update_fields=["is_active"])
    assert Client().get(path).status_code == 404


def test_the_account_screen_needs_a_sign_in_and_shows_the_address_once(world: World) -> None:
    assert Client().get(reverse("account-calendar")).status_code == 302
    client = _client(world.viewer)
    assert "no calendar address" in client.get(reverse("account-calendar")).content.decode()
    client.post(reverse("account-calendar"), {"action": "new"})
    page = client.get(reverse("account-calendar"))
    assert page.context["new_url"] is None
    assert "feed-url" not in page.content.decode()
