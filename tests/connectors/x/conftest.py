"""Peers for the X connector tests: Prism serving X's OpenAPI contract, and local fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicdesk.connectors.x.connector import XConnector
from tests.connectors.holds import FakePlatformServer, Holds
from tests.connectors.peers import MODULES, contract, free_port, node22, run_peer

TOKEN_CREDENTIALS = {"access_token": "test-token", "user_id": "2244994945"}


class Violations:
    """Every request Prism found outside the contract, read from its sl-violations header.

    Prism also lists faults of its own made-up responses there; only those located in the
    request concern the connector.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.found: list[str] = []

    def hook(self, response: httpx.Response) -> None:
        request = response.request
        self.requests.append(f"{request.method} {request.url.path}")
        header = response.headers.get("sl-violations")
        if response.status_code == 422:
            self.found.append(f"{request.method} {request.url}: 422 {response.read()[:300]!r}")
        if not header:
            return
        for violation in json.loads(header):
            if violation.get("location", [""])[0] == "request":
                self.found.append(f"{request.method} {request.url}: {violation['message']}")


@pytest.fixture(scope="module")
def x_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism mocking X's API v2 from its OpenAPI file, inventing responses from the schemas.

    Started without ``--errors`` so that Prism's own schema-invalid inventions still reach
    the connector; violations are checked per request from the sl-violations header.
    """
    spec = contract("x", "openapi.json")
    binary = MODULES / "@stoplight" / "prism-cli" / "dist" / "index.js"
    if not binary.exists():
        pytest.skip("Prism is not installed (run scripts/setup --test with Node.js present)")
    port = free_port()
    log: Path = tmp_path_factory.mktemp("x-prism") / "prism.log"
    args = [
        node22(),
        str(binary),
        "mock",
        str(spec),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--dynamic",
    ]
    with run_peer(args, ready_url=f"http://127.0.0.1:{port}/2/openapi.json", log=log):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def violations() -> Iterator[Violations]:
    found = Violations()
    yield found
    assert not found.found, "requests outside X's contract:\n" + "\n".join(found.found)


@pytest.fixture
def prism_connector(x_prism: str, violations: Violations) -> Iterator[XConnector]:
    client = httpx.Client(timeout=10, event_hooks={"response": [violations.hook]})
    connector = XConnector(
        base_url=x_prism, credentials=TOKEN_CREDENTIALS, handle="civicdesk", client=client
    )
    yield connector
    client.close()


def make_connector(url: str, *, timeout: float = 2.0, **credentials: Any) -> XConnector:
    client = httpx.Client(timeout=timeout)
    connector = XConnector(
        base_url=url,
        credentials=TOKEN_CREDENTIALS | credentials,
        handle="civicdesk",
        client=client,
        timeout=timeout,
    )
    connector._own_client = True  # closed with the connector
    return connector


@pytest.fixture(scope="session")
def _xserver() -> Iterator[FakePlatformServer]:
    # One server for the session (stopping one takes half a second); cleared for each test.
    server = FakePlatformServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def xserver(_xserver: FakePlatformServer) -> Iterator[FakePlatformServer]:
    """A real local HTTP server standing in for api.x.com; threaded, so a held request
    (a simulated timeout) does not block the next one."""
    _xserver.clear()
    yield _xserver
    _xserver.wait_idle()
    _xserver.clear()


@pytest.fixture
def holds(xserver: FakePlatformServer) -> Iterator[Holds]:
    """Gates for answers the fake keeps back; all opened when the test ends."""
    made = Holds()
    yield made
    made.close()
