"""The newsroom feed: new items on the organization's site become draft posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from civicdesk.connectors.base import RejectedError
from civicdesk.connectors.newsroom.auth import NewsroomAuthFlow
from civicdesk.connectors.newsroom.feed import FeedError, parse_feed
from civicdesk.organizations import services as org_services
from civicdesk.publishing.models import FeedItem, Post, PostStatus
from civicdesk.publishing.newsroom import import_feed

from .conftest import Desk


def rss(*items: tuple[str, str, datetime]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>https://gov.test/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>&lt;p&gt;Details&lt;/p&gt;</description></item>"
        for guid, title, when in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Newsroom</title>'
        f"<link>https://gov.test/</link><language>en-ca</language>{body}</channel></rss>"
    )


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Salle de presse</title>
<link href="https://gov.test/fr/"/>
<entry><id>urn:1</id><title>Pont &lt;b&gt;fermé&lt;/b&gt;</title>
<link href="https://gov.test/fr/1"/><updated>2026-11-20T10:00:00Z</updated>
<summary type="html">&lt;script&gt;x&lt;/script&gt;Résumé</summary></entry></feed>"""

BOMB = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss><channel><title>&lol2;</title></channel></rss>"""


def test_parse_rss_and_atom() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    feed = parse_feed(rss(("a1", "Highway 1 reopens", now)).encode())
    assert feed.language == "en" and feed.items[0].title == "Highway 1 reopens"
    assert feed.items[0].summary == "Details" and feed.items[0].published_at == now
    atom = parse_feed(ATOM.encode())
    assert atom.language == "fr" and atom.items[0].title == "Pont fermé"
    assert "<" not in atom.items[0].summary


@pytest.mark.parametrize("content", [BOMB, "not xml", "<html><body>hi</body></html>", ""])
def test_hostile_or_wrong_documents_are_refused(content: str) -> None:
    with pytest.raises(FeedError):
        parse_feed(content.encode())


@pytest.fixture
def feed_channel(desk: Desk, httpserver: HTTPServer) -> Any:
    url = httpserver.url_for("/news.xml")
    return org_services.channel_create(
        brand=desk.brand,
        platform="newsroom",
        handle="gov.test",
        credentials={"feed_url": url},
        api_base_url=url,
    )


def test_new_items_become_drafts_once(
    desk: Desk, feed_channel: Any, httpserver: HTTPServer
) -> None:
    feed_channel.connected_by = desk.author
    feed_channel.save()
    now = timezone.now()
    old = now - timedelta(days=40)
    httpserver.expect_request("/news.xml").respond_with_data(
        rss(("old", "Old news", old), ("n1", "Bridge inspection", now)),
        content_type="application/rss+xml",
    )
    report = import_feed(feed_channel.pk)
    assert report.drafts == 1  # the archive is remembered, not drafted
    post = Post.objects.get(title__startswith="Newsroom")
    assert post.status == PostStatus.DRAFT and post.author == desk.author
    assert "https://gov.test/n1" in post.variants.get().text
    assert list(post.channels.all()) == [desk.channel]
    httpserver.clear()
    httpserver.expect_request("/news.xml").respond_with_data(
        rss(
            ("n2", "Ferry schedule", now),
            ("n1", "Bridge inspection", now),
            ("old", "Old news", old),
        ),
        content_type="application/rss+xml",
    )
    assert import_feed(feed_channel.pk).drafts == 1
    assert FeedItem.objects.filter(channel=feed_channel).count() == 3
    assert import_feed(feed_channel.pk).drafts == 0


def test_unchanged_feed_is_not_read_again(
    desk: Desk, feed_channel: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/news.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/news.xml").respond_with_data(
        rss(), content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    import_feed(feed_channel.pk)
    assert import_feed(feed_channel.pk).items == 0
    assert len(httpserver.log) == 2


def test_broken_feed_marks_the_channel(
    desk: Desk, feed_channel: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/news.xml").respond_with_data(BOMB)
    report = import_feed(feed_channel.pk)
    feed_channel.refresh_from_db()
    assert report.error and feed_channel.health == "degraded"


def test_connect_form_checks_the_address(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/news.xml").respond_with_data(ATOM)
    flow = NewsroomAuthFlow()
    [account] = flow.finish(
        redirect_uri="", params={"feed_url": httpserver.url_for("/news.xml")}, pending={}
    )
    assert account.display_name == "Salle de presse"
    with pytest.raises(RejectedError):
        flow.finish(redirect_uri="", params={"feed_url": "file:///etc/passwd"}, pending={})
    httpserver.expect_request("/nothing").respond_with_data("hello")
    with pytest.raises(RejectedError):
        flow.finish(
            redirect_uri="", params={"feed_url": httpserver.url_for("/nothing")}, pending={}
        )
