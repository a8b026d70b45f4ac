"""Connecting and reading a newsroom feed through the guarded client, on the real pages.

A person types the feed's address: it must not reach this machine, must not show what a
server answered, must not tell a closed port from a filtered one, and must stop reading
a huge answer at 5 MB. Real local servers (pytest-httpserver) play the feed's server.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_httpserver import HTTPServer

from civicdesk.core import outbound
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Channel
from civicdesk.publishing.newsroom import import_feed
from tests.core.test_outbound import CountingBody, at, closed_port, filtered_port
from tests.factories import World, make_world

__all__ = ["filtered_port"]  # a fixture, used by name below

SECRET = "SECRET-ADMIN-PANEL-0xC0FFEE"
FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Newsroom</title>'
    "<link>https://gov.test/</link></channel></rss>"
)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def connect(client: Client, world: World, url: str) -> str:
    """Connect a feed as the brand's manager does; the page shown after, as text."""
    client.force_login(world.admin)
    response = client.post(
        "/channels/connect/begin/",
        {"brand": world.brand.pk, "platform": "newsroom", "feed_url": url},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_loopback_feed_is_refused_and_never_fetched(
    client: Client, world: World, settings: Any, httpserver: HTTPServer
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = []
    httpserver.expect_request("/news.xml").respond_with_data(FEED)
    for url in (
        at(httpserver, "/news.xml"),
        httpserver.url_for("/news.xml"),
        f"http://[::ffff:127.0.0.1]:{httpserver.port}/news.xml",
    ):
        page = connect(client, world, url)
        assert "not a public address" in page
    assert httpserver.log == []
    assert not Channel.objects.filter(platform="newsroom").exists()


def test_an_allowed_host_connects(
    client: Client, world: World, settings: Any, httpserver: HTTPServer
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    httpserver.expect_request("/news.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    connect(client, world, at(httpserver, "/news.xml"))
    assert Channel.objects.get(platform="newsroom").display_name == "Newsroom"


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (500, f"<h1>{SECRET}</h1>", "HTTP 500"),
        (403, f'{{"error": "{SECRET}"}}', "HTTP 403"),
        (200, f"<html><body>{SECRET}</body></html>", "did not give an RSS or Atom feed"),
        (200, f"<rss><channel>{SECRET}", "did not give an RSS or Atom feed"),
    ],
)
def test_the_page_never_shows_what_the_server_answered(
    client: Client,
    world: World,
    settings: Any,
    httpserver: HTTPServer,
    status: int,
    body: str,
    problem: str,
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    httpserver.expect_request("/news.xml").respond_with_data(body, status=status)
    page = connect(client, world, at(httpserver, "/news.xml"))
    assert problem in page
    assert SECRET not in page and "0xC0FFEE" not in page


def test_a_redirect_to_a_private_address_is_refused(
    client: Client, world: World, settings: Any, httpserver: HTTPServer
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    httpserver.expect_request("/news.xml").respond_with_data(
        SECRET, status=302, headers={"Location": f"http://localhost:{httpserver.port}/admin"}
    )
    httpserver.expect_request("/admin").respond_with_data(SECRET)
    page = connect(client, world, at(httpserver, "/news.xml"))
    assert "localhost is not a public address" in page and SECRET not in page
    assert [request.path for request, _ in httpserver.log] == ["/news.xml"]


def test_a_closed_port_and_a_filtered_one_look_the_same(
    client: Client, world: World, settings: Any, filtered_port: int
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.CONNECTOR_TIMEOUT_SECONDS = 0.5  # the filtered port never answers
    pages = [
        connect(client, world, f"http://127.0.0.1:{port}/news.xml")
        for port in (closed_port(), filtered_port)
    ]
    said = [page[page.index("did not accept this") :].split("<", 1)[0] for page in pages]
    assert said[0] == said[1]
    assert "could not connect to 127.0.0.1" in said[0]


def test_a_60_mb_feed_stops_at_5_mb(
    client: Client, world: World, settings: Any, httpserver: HTTPServer
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    big = CountingBody(60 * 1024 * 1024)
    httpserver.expect_request("/news.xml").respond_with_handler(big.handler)
    page = connect(client, world, at(httpserver, "/news.xml"))
    assert "the feed is larger than 5 MB" in page
    assert big.done.wait(10)
    assert big.sent < 20 * 1024 * 1024  # the cap and the sockets' buffers, not 60 MB


def test_the_worker_refuses_a_feed_whose_name_now_points_inside(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    # Connected while public; the name's DNS answer later turns to the office network.
    settings.OUTBOUND_ALLOWED_HOSTS = []
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["10.1.2.3"])
    url = "https://news.city.example/feed.xml"
    channel = org_services.channel_create(
        brand=world.brand,
        platform="newsroom",
        handle="news.city.example",
        credentials={"feed_url": url},
        api_base_url=url,
    )
    report = import_feed(channel.pk)
    channel.refresh_from_db()
    assert "news.city.example is not a public address" in report.error
    assert channel.health == "degraded" and "not a public address" in channel.health_detail
