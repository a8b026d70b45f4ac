"""Fixtures: one threaded local HTTP server for the module, a fresh fake Graph per test."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from civicdesk.connectors.base import MediaItem
from civicdesk.connectors.facebook.connector import FacebookConnector
from civicdesk.connectors.instagram.connector import InstagramConnector
from civicdesk.connectors.threads.connector import ThreadsConnector
from tests.connectors.holds import FakePlatformServer

from .fakes import FacebookFake, FakeGraph, InstagramFake, ThreadsFake, start_server

logging.getLogger("werkzeug").setLevel(logging.WARNING)

JPEG = MediaItem(
    filename="bridge.jpg",
    content_type="image/jpeg",
    data=b"\xff\xd8\xff\xe0 fake jpeg",
    alt_text="The Lions Gate bridge at dawn",
)


@pytest.fixture(scope="module")
def server() -> Iterator[FakePlatformServer]:
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def graph(server: FakePlatformServer) -> Iterator[FakeGraph]:
    server.clear()
    fake = FakeGraph(server)
    server.expect_request(re.compile(".*")).respond_with_handler(fake.dispatch)
    yield fake
    # Held answers are let go and finished before the server is handed on.
    fake.holds.close()
    server.wait_idle()
    server.clear()
    # An error a handler met in the server's thread fails the test here, in its own.
    fake.raise_errors()


@pytest.fixture
def facebook(graph: FakeGraph) -> FacebookFake:
    return FacebookFake(graph)


@pytest.fixture
def instagram(graph: FakeGraph) -> InstagramFake:
    return InstagramFake(graph)


@pytest.fixture
def threads(graph: FakeGraph) -> ThreadsFake:
    return ThreadsFake(graph)


def public_url(item: MediaItem) -> str:
    return f"https://media.example.org/public/{item.filename}"


def fb_connector(
    graph: FakeGraph, fake: FacebookFake, *, timeout: float = 2.0
) -> FacebookConnector:
    return FacebookConnector(
        base_url=graph.url,
        timeout=timeout,
        credentials={"access_token": fake.TOKEN, "page_id": fake.page_id},
    )


def ig_connector(
    graph: FakeGraph, fake: InstagramFake, *, timeout: float = 2.0
) -> InstagramConnector:
    connector = InstagramConnector(
        base_url=graph.url,
        timeout=timeout,
        media_url_builder=public_url,
        handle="facebookfordevelopers",
        credentials={"access_token": fake.TOKEN, "ig_user_id": fake.ig_id, "page_id": fake.page_id},
    )
    connector.poll_interval = 0.01
    return connector


def th_connector(graph: FakeGraph, fake: ThreadsFake, *, timeout: float = 2.0) -> ThreadsConnector:
    connector = ThreadsConnector(
        base_url=graph.server.url_for("/v1.0").rstrip("/"),
        timeout=timeout,
        media_url_builder=public_url,
        credentials={"access_token": fake.TOKEN, "user_id": fake.USER},
    )
    connector.poll_interval = 0.01
    return connector
