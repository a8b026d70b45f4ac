"""A fake LinkedIn over real HTTP that checks LinkedIn's documented rules on every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors.linkedin.connector import LinkedInConnector

from .fake import ORG, LinkedInFake


@dataclass
class Peer:
    fake: LinkedInFake
    url: str

    @property
    def api(self) -> str:
        return f"{self.url}/rest"


@pytest.fixture(scope="session")
def _server() -> Iterator[HTTPServer]:
    # One server for the session (stopping one takes half a second); a fresh fake per test.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def linkedin(_server: HTTPServer) -> Iterator[Peer]:
    url = f"http://127.0.0.1:{_server.port}"
    fake = LinkedInFake(url=url)
    _server.clear()
    _server.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    yield Peer(fake=fake, url=url)
    _server.clear()
    assert fake.violations == [], fake.violations


@pytest.fixture
def connector(linkedin: Peer) -> Iterator[LinkedInConnector]:
    with LinkedInConnector(
        base_url=linkedin.api,
        timeout=0.5,
        credentials={
            "access_token": "li-at",
            "organization_urn": ORG,
        },
    ) as api:
        yield api
