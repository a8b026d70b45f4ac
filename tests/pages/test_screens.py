"""What the screens show: escaping of public text, masked personal data, times in the
organization's zone, htmx partials, the compose flow, and query counts on hot pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from civicdesk.inbox.models import Reply
from civicdesk.pages.text import mask_personal_data, parse_local_time
from civicdesk.publishing.models import Post
from tests.factories import (
    World,
    approve_post,
    make_campaign,
    make_message,
    make_pillar,
    make_post,
    make_world,
)

NASTY = "<script>alert(1)</script> <img src=x onerror=alert(2)> \u202eevil\u202c 🇫🇷 Zoë\u0301"
NASTY_NAME = "<img src=x onerror=alert('n')>Ève\u200b"


@pytest.mark.django_db
def test_public_text_is_escaped_everywhere(client: Client, world: World) -> None:
    message = make_message(
        channel=world.channel, text=NASTY, author_handle="mal<b>ory", author_name=NASTY_NAME
    )
    client.force_login(world.responder)
    for url in (
        "/inbox/",
        f"/inbox/c/{message.conversation_id}/",
        f"/inbox/authors/{message.author_id}/",
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)" not in body, url
        assert "<img src=x" not in body, url
        assert "mal<b>ory" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "&lt;script&gt;" in body, url
        assert "&lt;img src=x onerror=alert" in body, url
        assert "🇫🇷" in body or url == "/inbox/", url


@pytest.mark.django_db
def test_personal_data_is_masked_before_escaping(client: Client, world: World) -> None:
    text = "Call me on +33 6 12 34 56 78 or <mail>jo@example.org</mail>"
    start = text.index("+33")
    email = text.index("jo@")
    message = make_message(
        channel=world.channel,
        text=text,
        personal_data=[
            {"start": start, "end": start + 17, "kind": "phone"},
            {"start": email, "end": email + 14, "kind": "email"},
        ],
    )
    client.force_login(world.responder)
    for url in (
        "/inbox/",
        f"/inbox/c/{message.conversation_id}/",
        f"/inbox/authors/{message.author_id}/",
    ):
        body = client.get(url).content.decode()
        assert "12 34 56" not in body and "jo@example.org" not in body, url
        assert "[phone hidden]" in body, url
    body = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "&lt;mail&gt;[email hidden]&lt;/mail&gt;" in body


def test_mask_handles_overlaps_and_bad_spans() -> None:
    text = "abcdefghij"
    spans = [
        {"start": 2, "end": 5, "kind": "phone"},
        {"start": 4, "end": 7, "kind": "card"},
        {"start": 50, "end": 60},
        {"start": "x"},
        "junk",
    ]
    assert mask_personal_data(text, spans) == "ab[phone hidden][card hidden]hij"
    assert mask_personal_data(text, None) == text


def test_local_time_input_is_read_in_the_organization_zone() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert parse_local_time("2025-07-01T09:30", paris) == datetime(2025, 7, 1, 7, 30, tzinfo=UTC)
    # Clocks go back: 02:30 happens twice; the first (summer time) is taken.
    assert parse_local_time("2025-10-26T02:30", paris) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    with pytest.raises(ValidationError):
        parse_local_time("2025-03-30T02:30", paris)  # skipped when clocks go forward
    assert parse_local_time("", paris) is None


@pytest.mark.django_db
def test_compose_saves_a_post_scheduled_in_the_org_zone(client: Client) -> None:
    world = make_world(time_zone="America/Vancouver")
    pillar = make_pillar(organization=world.org)
    campaign = make_campaign(organization=world.org)
    client.force_login(world.author)
    page = client.get(f"/posts/new/?brand={world.brand.pk}").content.decode()
    assert 'name="text_en"' in page and 'name="text_fr"' in page
    assert 'hx-trigger="input changed delay:300ms' in page
    response = client.post(
        f"/posts/new/?brand={world.brand.pk}",
        {
            "title": "Snow clearing",
            "channels": [world.channel.pk, world.channel2.pk],
            "text_en": "Snow crews are out.",
            "text_fr": "Les équipes de déneigement sont là.",
            f"override_en_{world.channel2.pk}": "Snow crews out tonight.",
            "pillar": pillar.pk,
            "campaign": campaign.pk,
            "scheduled_at": "2030-01-15T08:00",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get(title="Snow clearing")
    assert post.scheduled_at == datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    assert post.publications.count() == 4
    assert post.variants.filter(channel=world.channel2).get().text == "Snow crews out tonight."
    detail = client.get(response["Location"]).content.decode()
    assert "Tue 15 Jan 2030, 08:00 PST" in detail
    # The edit form shows the time back in the organization's zone.
    edit = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'value="2030-01-15T08:00"' in edit


@pytest.mark.django_db
def test_compose_shows_errors_instead_of_failing(client: Client, world: World) -> None:
    client.force_login(world.author)
    response = client.post(
        f"/posts/new/?brand={world.brand.pk}",
        {"title": "", "text_en": "", "scheduled_at": "2025-03-30T02:30"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Write the post in at least one language." in body
    assert "does not exist in Europe/Paris" in body


@pytest.mark.django_db
def test_preview_measures_each_channel_and_language(client: Client, world: World) -> None:
    client.force_login(world.author)
    response = client.post(
        f"/posts/preview/?brand={world.brand.pk}",
        {
            "channels": [world.channel.pk, world.channel2.pk],
            "text_en": "x" * 510,
            "text_fr": "<b>Bonjour</b> #a #b #c",
        },
        headers={"HX-Request": "true", "Accept-Language": "fr"},
    )
    body = response.content.decode()
    assert "<html" not in body
    # Over one post on a platform with threads: it becomes a thread, shown as such (in the
    # author's language, as the whole screen is).
    assert "510 / 500" in body and "un fil de 2 publications" in body
    assert "&lt;b&gt;Bonjour&lt;/b&gt;" in body
    assert body.count("preview-card") == 4
    assert "au plus 2 mots-clics" in body  # the policy speaks the author's language
    # Two channels on one platform are not two versions of one language.
    assert "There are two" not in body and "Il y a deux" not in body


@pytest.mark.django_db
def test_workflow_buttons_and_messages(client: Client, world: World) -> None:
    post = make_post(
        brand=world.brand, author=world.author, scheduled_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(world.author)
    client.post(f"/posts/{post.pk}/submit/")
    # Submitting twice is refused with a message, not an error page.
    response = client.post(f"/posts/{post.pk}/submit/", follow=True)
    assert "Only a draft can be submitted" in response.content.decode()
    client.force_login(world.approver)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/posts/{post.pk}/approve/"' in page
    client.post(f"/posts/{post.pk}/approve/", {"comment": "Fine"})
    post.refresh_from_db()
    assert post.status == "approved"
    assert set(post.publications.values_list("state", flat=True)) == {"scheduled"}
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Approved (tier 1)" in page and "Scheduled" in page
    # Sending back needs a comment: the service's refusal becomes a message.
    response = client.post(f"/posts/{post.pk}/send-back/", {"comment": " "}, follow=True)
    assert response.status_code == 200


@pytest.mark.django_db
def test_pause_switch_shows_who_and_why(client: Client, world: World) -> None:
    client.force_login(world.manager)
    response = client.post(
        f"/publishing/{world.org.pk}/switch/",
        {"paused": "on", "reason": "Flood emergency"},
        follow=True,
    )
    body = response.content.decode()
    assert "All posts of" in body and "Flood emergency" in body
    assert world.manager.get_username() in body
    world.org.refresh_from_db()
    assert world.org.publishing_paused
    # Every page carries the banner, for everyone in the organization.
    client.force_login(world.viewer)
    assert "are stopped" in client.get("/inbox/").content.decode()
    # A reason is required to stop everything.
    client.force_login(world.manager)
    client.post(f"/publishing/{world.org.pk}/switch/", {"paused": ""})
    world.org.refresh_from_db()
    assert not world.org.publishing_paused
    client.post(f"/publishing/{world.org.pk}/switch/", {"paused": "on", "reason": ""})
    world.org.refresh_from_db()
    assert not world.org.publishing_paused


@pytest.mark.django_db
def test_inbox_filters_and_htmx_partial(client: Client, world: World) -> None:
    make_message(channel=world.channel, text="Pool rumour", category="rumour", urgency="high")
    make_message(channel=world.channel2, text="Thanks!", category="praise", urgency="low")
    client.force_login(world.responder)
    body = client.get("/inbox/?category=rumour").content.decode()
    assert "Pool rumour" in body and "Thanks!" not in body
    partial = client.get("/inbox/?urgency=low", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "Thanks!" in partial and "Pool rumour" not in partial


@pytest.mark.django_db
def test_reply_correct_close(client: Client, world: World) -> None:
    message = make_message(channel=world.channel, text="Is the pool open?")
    convo = message.conversation_id
    client.force_login(world.responder)
    client.post(f"/inbox/c/{convo}/reply/", {"message": message.pk, "text": "Yes, 9 to 5."})
    reply = Reply.objects.get()
    assert reply.state == "queued"
    page = client.get(f"/inbox/c/{convo}/").content.decode()
    assert "Yes, 9 to 5." in page and "Queued" in page and 'hx-trigger="every 3s"' in page
    Reply.objects.filter(pk=reply.pk).update(state="sent", remote_url="https://exnet.example/p/1")
    page = client.get(f"/inbox/c/{convo}/", headers={"HX-Request": "true"}).content.decode()
    assert "https://exnet.example/p/1" in page and "every 3s" not in page
    client.post(f"/inbox/m/{message.pk}/correct/", {"field": "category", "value": "complaint"})
    message.refresh_from_db()
    assert message.category == "complaint"
    client.post(f"/inbox/c/{convo}/status/", {"status": "closed"})
    assert "Reopen" in client.get(f"/inbox/c/{convo}/").content.decode()


@pytest.mark.django_db
def test_audit_log_verifies_the_chain(client: Client, world: World) -> None:
    client.force_login(world.admin)
    body = client.get("/audit/").content.decode()
    assert "verifies" in body and "membership.grant" in body


def _populate(world: World, n: int) -> None:
    for i in range(n):
        post = make_post(
            brand=world.brand,
            author=world.author,
            title=f"P{i}",
            scheduled_at=timezone.now() + timedelta(hours=i + 1),
        )
        if i % 2:
            approve_post(post=post, author=world.author, approver=world.approver)
        first = make_message(
            channel=world.channel, text=f"Question {i}", author_handle=f"person{i}"
        )
        make_message(
            channel=world.channel,
            text=f"Follow-up {i}",
            conversation=first.conversation,
            author_handle=f"person{i}",
        )


# A fixed number whatever the data (one of them: is an exercise running, for the banner;
# another: the person's new issue cards, for the menu; the inbox's bulk form asks for the
# people it can assign to; the inbox reads its rows' channels, brands, organizations and
# assignees after the page, one query each).
@pytest.mark.django_db
@pytest.mark.parametrize("url,most", [("/", 16), ("/posts/", 13), ("/inbox/", 18)])
def test_hot_pages_have_a_fixed_query_count(
    client: Client, world: World, django_assert_max_num_queries, url: str, most: int
) -> None:
    from civicdesk.analytics.models import MetricSnapshot

    _populate(world, 12)
    for channel in (world.channel, world.channel2):
        MetricSnapshot.objects.create(channel=channel, captured_at=timezone.now(), followers=10)
    client.force_login(world.manager)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(most):
        assert client.get(url).status_code == 200
