"""A fake YouTube over real HTTP, checked against the discovery document on every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from civicdesk.connectors.youtube.connector import YouTubeConnector
from tests.connectors.holds import FakePlatformServer

from .fake import CHANNEL_ID, YouTubeFake


@dataclass
class Peer:
    fake: YouTubeFake
    url: str


@pytest.fixture(scope="session")
def _server() -> Iterator[FakePlatformServer]:
    # One server for the session (stopping one takes half a second); a fresh fake per test.
    server = FakePlatformServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def youtube(_server: FakePlatformServer) -> Iterator[Peer]:
    url = f"http://127.0.0.1:{_server.port}"
    fake = YouTubeFake()
    _server.clear()
    _server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    yield Peer(fake=fake, url=url)
    # Held answers are let go and finished before the server is handed on.
    fake.holds.close()
    _server.wait_idle()
    _server.clear()
    assert fake.violations == [], fake.violations


def connect(peer: Peer, *, timeout: float = 0.5) -> YouTubeConnector:
    return YouTubeConnector(
        base_url=peer.url,
        timeout=timeout,
        credentials={
            "access_token": "at-1",
            "channel_id": CHANNEL_ID,
        },
    )


@pytest.fixture
def connector(youtube: Peer) -> Iterator[YouTubeConnector]:
    with connect(youtube) as api:
        yield api
