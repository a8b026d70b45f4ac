"""A fake LinkedIn over real HTTP that checks LinkedIn's documented rules on every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from civicdesk.connectors.linkedin.connector import LinkedInConnector
from tests.connectors.holds import FakePlatformServer

from .fake import ORG, LinkedInFake


@dataclass
class Peer:
    fake: LinkedInFake
    url: str

    @property
    def api(self) -> str:
        return f"{self.url}/rest"


@pytest.fixture(scope="session")
def _server() -> Iterator[FakePlatformServer]:
    # One server for the session (stopping one takes half a second); a fresh fake per test.
    server = FakePlatformServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def linkedin(_server: FakePlatformServer) -> Iterator[Peer]:
    url = f"http://127.0.0.1:{_server.port}"
    fake = LinkedInFake(url=url)
    _server.clear()
    _server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    yield Peer(fake=fake, url=url)
    # Held answers are let go and finished before the server is handed on.
    fake.holds.close()
    _server.wait_idle()
    _server.clear()
    assert fake.violations == [], fake.violations


def connect(peer: Peer, *, timeout: float = 0.5) -> LinkedInConnector:
    return LinkedInConnector(
        base_url=peer.api,
        timeout=timeout,
        credentials={
            "access_token": "li-at",
            "organization_urn": ORG,
        },
    )


@pytest.fixture
def connector(linkedin: Peer) -> Iterator[LinkedInConnector]:
    with connect(linkedin) as api:
        yield api
