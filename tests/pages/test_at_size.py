"""The hot screens cost the same at any size: their query counts do not grow with the data,
the inbox pages by cursor (every conversation once), and its counters stay right."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, timedelta
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicdesk.analytics.models import MetricSnapshot
from civicdesk.connectors.base import (
    InboundPage,
    MessageKind,
    PublishResult,
    RemoteAuthor,
    RemoteMessage,
)
from civicdesk.inbox import counters, services
from civicdesk.inbox.ingest import store_page
from civicdesk.inbox.models import (
    Author,
    ChannelDay,
    ChannelInbox,
    Conversation,
    ConversationStatus,
    InboundMessage,
    MessageStatus,
)
from civicdesk.inbox.tasks import deliver_reply
from civicdesk.organizations.models import Channel
from civicdesk.pages.inbox_selectors import Cursor, new_message_count
from civicdesk.publishing.models import Publication
from tests.factories import PASSWORD, World, make_message, make_post

_seq = count(1)
NOW = timezone.now().replace(microsecond=0)


def _login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _conversations(channel: Channel, n: int, *, per: int = 3, author: Author | None = None) -> None:
    """``n`` conversations of ``per`` messages, in bulk (the triggers count them)."""
    author = author or Author.objects.create(
        organization_id=channel.brand.organization_id,
        platform=channel.platform,
        remote_id=f"bulk-{next(_seq)}",
        handle=f"bulk{next(_seq)}",
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(
            channel=channel,
            remote_id=f"bulk-c{next(_seq)}",
            last_message_at=NOW - timedelta(minutes=next(_seq)),
        )
        for _ in range(n)
    )
    InboundMessage.objects.bulk_create(
        InboundMessage(
            channel=channel,
            conversation=c,
            author=author,
            remote_id=f"bulk-m{next(_seq)}",
            kind="comment",
            text="Hello",
            sent_at=c.last_message_at - timedelta(seconds=i),
            category="question",
            urgency="medium",
            language="en",
        )
        for c in conversations
        for i in range(per)
    )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def _same_at_10_and_100(
    client: Client, url: Callable[[], str], grow: Callable[[int], None]
) -> None:
    grow(10)
    client.get(url())  # warm: the session, the translation catalogue
    small = _queries(client, url())
    grow(90)
    large = _queries(client, url())
    assert small == large, f"{url()}: {small} queries at 10, {large} at 100"


@pytest.mark.django_db
def test_inbox_list_and_its_filters_cost_the_same_at_10_and_100_conversations(
    world: World,
) -> None:
    client = _login(world.manager)
    for query in [
        "",
        "?status=open",
        f"?channel={world.channel.pk}",
        f"?brand={world.brand.pk}",
        "?category=question",
        "?urgency=medium",
    ]:
        Conversation.objects.all().delete()
        _same_at_10_and_100(
            client, lambda q=query: reverse("inbox") + q, lambda n: _conversations(world.channel, n)
        )


@pytest.mark.django_db
def test_an_older_inbox_page_costs_what_the_first_costs(world: World) -> None:
    client = _login(world.manager)
    _conversations(world.channel, 160)
    client.get(reverse("inbox"))  # warm: the session, the translation catalogue
    first = _queries(client, reverse("inbox"))
    oldest = Conversation.objects.order_by("last_message_at", "pk")[20]
    cursor = Cursor(at=oldest.last_message_at, pk=oldest.pk)
    assert _queries(client, f"{reverse('inbox')}?before={cursor}") == first
    assert _queries(client, f"{reverse('inbox')}?after={cursor}") == first


@pytest.mark.django_db
def test_a_conversation_costs_the_same_with_10_and_100_messages(world: World) -> None:
    client = _login(world.responder)
    first = make_message(channel=world.channel, text="Is the pool open?")
    convo = first.conversation

    def grow(n: int) -> None:
        for _ in range(n):
            make_message(
                channel=world.channel,
                text="And on Sunday?",
                conversation=convo,
                author_handle=f"p{next(_seq)}",
            )

    _same_at_10_and_100(client, lambda: reverse("conversation", args=[convo.pk]), grow)


@pytest.mark.django_db
def test_an_author_history_costs_the_same_at_10_and_100_messages(world: World) -> None:
    client = _login(world.responder)
    person = make_message(channel=world.channel, text="Hello").author

    def grow(n: int) -> None:
        _conversations(world.channel, n // 2, per=1, author=person)
        _conversations(world.channel2, n - n // 2, per=1, author=person)

    _same_at_10_and_100(client, lambda: reverse("author", args=[person.pk]), grow)


@pytest.mark.django_db
def test_the_plan_costs_the_same_at_10_and_100_posts(world: World) -> None:
    client = _login(world.manager)

    def grow(n: int) -> None:
        for i in range(n):
            make_post(
                brand=world.brand,
                author=world.author,
                scheduled_at=NOW + timedelta(hours=i + 1) if i % 3 else None,
            )

    _same_at_10_and_100(client, lambda: reverse("posts"), grow)


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_at_10_and_100_posts_and_conversations(
    world: World,
) -> None:
    client = _login(world.manager)

    def grow(n: int) -> None:
        _conversations(world.channel, n)
        posts = [make_post(brand=world.brand, author=world.author) for _ in range(n // 10 or 1)]
        # Published a day ago, with a few snapshots each, beside the accounts' snapshots.
        Publication.objects.filter(post__in=posts).update(published_at=NOW - timedelta(days=1))
        MetricSnapshot.objects.bulk_create(
            MetricSnapshot(
                channel_id=p.channel_id,
                publication=p,
                captured_at=NOW - timedelta(hours=h),
                impressions=100 * h,
                likes=h,
            )
            for p in Publication.objects.filter(post__in=posts)
            for h in range(1, 4)
        )
        MetricSnapshot.objects.bulk_create(
            MetricSnapshot(channel=c, captured_at=NOW - timedelta(hours=h), followers=1000 + h)
            for c in (world.channel, world.channel2, world.other_channel)
            for h in range(n)
        )

    _same_at_10_and_100(client, lambda: reverse("dashboard"), grow)


@pytest.mark.django_db
def test_the_dashboard_shows_the_newest_figures_and_the_messages_of_the_period(
    world: World,
) -> None:
    from civicdesk.pages.selectors import dashboard_figures

    post = make_post(brand=world.brand, author=world.author, channels=[world.channel])
    publication = post.publications.order_by("pk").first()
    assert publication is not None
    Publication.objects.filter(pk=publication.pk).update(published_at=NOW - timedelta(days=2))
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(
                channel=world.channel,
                publication=publication,
                captured_at=NOW - timedelta(hours=5),
                impressions=10,
                likes=1,
            ),
            MetricSnapshot(
                channel=world.channel,
                publication=publication,
                captured_at=NOW - timedelta(hours=1),
                impressions=70,
                likes=4,
                replies=2,
            ),
            MetricSnapshot(
                channel=world.channel, captured_at=NOW - timedelta(hours=9), followers=500
            ),
            MetricSnapshot(
                channel=world.channel,
                captured_at=NOW - timedelta(hours=2),
                followers=510,
                impressions=3,
            ),
        ]
    )
    make_message(channel=world.channel, text="Recent", sent_at=NOW - timedelta(days=3))
    make_message(channel=world.channel, text="Old", sent_at=NOW - timedelta(days=90))
    brand = next(b for b in dashboard_figures(user=world.manager) if b.brand == world.brand)
    figures = next(f for f in brand.channels if f.channel == world.channel)
    assert (figures.followers, figures.account_impressions) == (510, 3)
    assert (figures.post_impressions, figures.post_engagements) == (70, 6)
    assert figures.messages == 1


def _counts(channel: Channel) -> tuple[dict[int, int], int, dict[str, int]]:
    return (
        dict(Conversation.objects.filter(channel=channel).values_list("pk", "unread_count")),
        ChannelInbox.objects.filter(channel=channel).values_list("unread", flat=True).first() or 0,
        # A day whose messages all went keeps its row, at zero.
        {
            str(d): n
            for d, n in ChannelDay.objects.filter(channel=channel).values_list("day", "received")
            if n
        },
    )


def _truth(channel: Channel) -> tuple[dict[int, int], int, dict[str, int]]:
    """What the counters must say, counted from the messages themselves."""
    unread = {
        pk: 0 for pk in Conversation.objects.filter(channel=channel).values_list("pk", flat=True)
    }
    days: dict[str, int] = {}
    for conversation_id, status, sent_at in InboundMessage.objects.filter(
        channel=channel
    ).values_list("conversation_id", "status", "sent_at"):
        unread[conversation_id] += status == MessageStatus.NEW
        day = str(sent_at.astimezone(UTC).date())
        days[day] = days.get(day, 0) + 1
    return unread, sum(unread.values()), days


def _remote(remote_id: str, thread: str, *, at: Any) -> RemoteMessage:
    return RemoteMessage(
        remote_id=remote_id,
        kind=MessageKind.COMMENT,
        text="Is it open?",
        author=RemoteAuthor(remote_id="u1", handle="asker"),
        created_at=at,
        conversation_remote_id=thread,
    )


@pytest.mark.django_db
def test_counters_follow_arrival_reply_status_change_and_any_bulk_write(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = world.channel
    # Arrival, through ingest: two threads, one message of a page repeated.
    page = InboundPage(
        messages=[
            _remote("m1", "t1", at=NOW - timedelta(days=1)),
            _remote("m2", "t1", at=NOW - timedelta(hours=2)),
            _remote("m3", "t2", at=NOW - timedelta(hours=1)),
            _remote("m3", "t2", at=NOW - timedelta(hours=1)),
        ],
        next_cursor="c1",
    )
    store_page(channel, page, expected_cursor="")
    assert _counts(channel) == _truth(channel)
    assert _counts(channel)[1] == 3
    assert new_message_count(user=world.responder) == 3
    assert new_message_count(user=world.other_member) == 0

    # A reply, sent: its message is answered.
    class Platform:
        def __enter__(self) -> Platform:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def reply(self, target: Any, text: str, *, idempotency_key: str) -> PublishResult:
            return PublishResult(remote_id="r1")

    monkeypatch.setattr(
        "civicdesk.inbox.tasks.connector_for", lambda channel, client=None: Platform()
    )
    m2 = InboundMessage.objects.get(channel=channel, remote_id="m2")
    reply = services.reply_create(message=m2, actor=world.responder, text="Yes, until 8 pm.")
    assert deliver_reply(reply.pk) == "sent"
    assert InboundMessage.objects.get(pk=m2.pk).status == MessageStatus.REPLIED
    assert _counts(channel) == _truth(channel)
    assert _counts(channel)[1] == 2

    # Closing a conversation marks its new messages done.
    services.conversation_set_status(
        conversation=m2.conversation, actor=world.responder, status=ConversationStatus.CLOSED
    )
    assert _counts(channel) == _truth(channel)
    assert _counts(channel)[0][m2.conversation_id] == 0
    assert new_message_count(user=world.responder) == 1

    # Any other writer, a bulk update, a message moved in time, a delete: still right.
    InboundMessage.objects.filter(channel=channel).update(status=MessageStatus.NEW)
    InboundMessage.objects.filter(remote_id="m1").update(sent_at=NOW - timedelta(days=5))
    assert _counts(channel) == _truth(channel)
    InboundMessage.objects.filter(remote_id="m3").delete()
    assert _counts(channel) == _truth(channel)
    assert new_message_count(user=world.responder) == 2

    # The recount gives the same numbers from nothing.
    expected = _counts(channel)
    Conversation.objects.update(unread_count=99)
    ChannelInbox.objects.all().delete()
    ChannelDay.objects.all().delete()
    counters.recount()
    assert _counts(channel) == expected


_CONVERSATION = re.compile(r'href="/inbox/c/(\d+)/"')
_OLDER = re.compile(r'<a href="([^"]*)" rel="next">')
_NEWER = re.compile(r'<a href="([^"]*)" rel="prev">')


def _page(client: Client, href: str) -> tuple[list[int], str | None, str | None]:
    response = client.get(href)
    assert response.status_code == 200
    body = response.content.decode()
    older, newer = _OLDER.search(body), _NEWER.search(body)
    return (
        [int(pk) for pk in _CONVERSATION.findall(body)],
        reverse("inbox") + html.unescape(older.group(1)) if older else None,
        reverse("inbox") + html.unescape(newer.group(1)) if newer else None,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?status=new"])
def test_following_the_cursors_visits_every_visible_conversation_once(
    world: World, query: str
) -> None:
    _conversations(world.channel, 70)
    _conversations(world.channel2, 60)
    _conversations(world.other_channel, 40)  # not the viewer's brand: never shown
    # Ties on the time: the id decides, and none is skipped or shown twice at a page edge.
    tied = list(Conversation.objects.filter(channel=world.channel2)[:20])
    Conversation.objects.filter(pk__in=[c.pk for c in tied]).update(
        last_message_at=NOW - timedelta(minutes=30)
    )
    Conversation.objects.filter(pk__in=[c.pk for c in tied[:5]]).update(
        status=ConversationStatus.CLOSED
    )
    expected = list(
        Conversation.objects.filter(channel__brand=world.brand)
        .exclude(status=ConversationStatus.CLOSED if query else "")
        .order_by("-last_message_at", "-pk")
        .values_list("pk", flat=True)
    )
    client = _login(world.viewer)
    seen: list[int] = []
    pages: list[str] = []
    href: str | None = reverse("inbox") + query
    while href:
        pages.append(href)
        ids, href, _ = _page(client, href)
        assert len(ids) <= 50
        seen += ids
    assert seen == expected
    assert len(pages) == 3
    assert all("before=" in p for p in pages[1:])
    assert all(("status=new" in p) == bool(query) for p in pages)

    # And back: "Newer" from the last page leads through the same pages, to the top.
    back: list[int] = []
    ids, _, newer = _page(client, pages[-1])
    back = ids + back
    while newer:
        ids, _, newer = _page(client, newer)
        back = ids + back
    assert back == expected


def test_a_cursor_round_trips_and_a_forged_one_is_ignored() -> None:
    cursor = Cursor(at=NOW.replace(microsecond=123456), pk=42)
    assert Cursor.parse(str(cursor)) == cursor
    for forged in ["", "x", "1,", ",1", "1,0", "1,-4", "9" * 30 + ",1", "1.5,2"]:
        assert Cursor.parse(forged) is None, forged


_MESSAGE = re.compile(r'<li class="bubble inbound" id="m(\d+)">')
_EARLIER = re.compile(r'<a href="([^"]*)" rel="prev">')


@pytest.mark.django_db
def test_a_long_thread_shows_its_newest_messages_and_earlier_ones_by_cursor(
    world: World,
) -> None:
    first = make_message(channel=world.channel, text="The first comment", sent_at=NOW)
    convo = first.conversation
    InboundMessage.objects.bulk_create(
        InboundMessage(
            channel=world.channel,
            conversation=convo,
            author=first.author,
            remote_id=f"long-{n}",
            kind="comment",
            text=f"Comment {n}",
            # Pairs share a time: the id orders them, and none is lost at an edge.
            sent_at=NOW + timedelta(seconds=1 + n // 2),
        )
        for n in range(229)
    )
    expected = list(
        InboundMessage.objects.filter(conversation=convo)
        .order_by("sent_at", "pk")
        .values_list("pk", flat=True)
    )
    client = _login(world.responder)
    href: str | None = reverse("conversation", args=[convo.pk])
    seen: list[int] = []
    pages = 0
    while href:
        body = client.get(href).content.decode()
        shown = [int(pk) for pk in _MESSAGE.findall(body)]
        assert len(shown) <= 100
        seen = shown + seen
        pages += 1
        earlier = _EARLIER.search(body)
        href = (
            reverse("conversation", args=[convo.pk]) + html.unescape(earlier.group(1))
            if earlier
            else None
        )
    assert seen == expected
    assert pages == 3
