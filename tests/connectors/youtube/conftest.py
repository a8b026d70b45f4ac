"""A fake YouTube over real HTTP, checked against the discovery document on every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors.youtube.connector import YouTubeConnector

from .fake import CHANNEL_ID, YouTubeFake


@dataclass
class Peer:
    fake: YouTubeFake
    url: str


@pytest.fixture(scope="session")
def _server() -> Iterator[HTTPServer]:
    # One server for the session (stopping one takes half a second); a fresh fake per test.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def youtube(_server: HTTPServer) -> Iterator[Peer]:
    url = f"http://127.0.0.1:{_server.port}"
    fake = YouTubeFake()
    _server.clear()
    _server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    yield Peer(fake=fake, url=url)
    _server.clear()
    assert fake.violations == [], fake.violations


@pytest.fixture
def connector(youtube: Peer) -> Iterator[YouTubeConnector]:
    with YouTubeConnector(
        base_url=youtube.url,
        timeout=0.5,
        credentials={
            "access_token": "at-1",
            "channel_id": CHANNEL_ID,
        },
    ) as api:
        yield api
