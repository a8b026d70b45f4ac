"""Peers for the Bluesky connector tests.

- A real local Bluesky network from ``@atproto/dev-env`` (PLC directory, PDS, AppView),
  started once per test session by ``network.mjs`` in this folder. It needs PostgreSQL
  (a throwaway database is created and dropped) and Redis; the tests that use it skip
  with the reason when either is missing.
- pytest-httpserver fakes answering like a PDS, for faults a real server will not make.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicdesk.connectors.bluesky.app_password import BlueskyAppPasswordFlow
from civicdesk.connectors.bluesky.connector import BlueskyConnector
from tests.connectors.holds import FakePlatformServer, Holds
from tests.connectors.peers import MODULES, free_port, node22, run_peer

HERE = Path(__file__).resolve().parent
POSTGRES_URL = os.environ.get(
    "BSKY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST = os.environ.get("BSKY_TEST_REDIS_HOST", "127.0.0.1:6379")
FAKE_DID = "did:plc:fakefakefakefakefakefake"


def _reachable(host_port: str) -> bool:
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Network:
    plc: str
    pds: str
    appview: str


@dataclass
class Account:
    did: str
    handle: str
    password: str
    access: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


@pytest.fixture(scope="session")
def bsky_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    if not (MODULES / "@atproto" / "dev-env").exists():
        pytest.skip("@atproto/dev-env is not installed in tests/peers (scripts/setup --test)")
    pg_host = POSTGRES_URL.split("@")[-1].split("/")[0]
    if not _reachable(pg_host) or not _reachable(REDIS_HOST):
        pytest.skip("the local Bluesky network needs PostgreSQL and Redis on 127.0.0.1")
    ready = free_port()
    log = tmp_path_factory.mktemp("bluesky") / "network.log"
    with run_peer(
        [node22(), str(HERE / "network.mjs"), POSTGRES_URL, REDIS_HOST, str(ready)],
        ready_url=f"http://127.0.0.1:{ready}/",
        log=log,
        timeout=120,
    ) as peer:
        urls = httpx.get(peer.url, timeout=5).json()
        yield Network(plc=urls["plc"], pds=urls["pds"], appview=urls["appview"])


def xrpc(
    network: Network, method: str, nsid: str, account: Account | None = None, **kwargs: Any
) -> Any:
    headers = account.headers() if account else {}
    response = httpx.request(
        method, f"{network.pds}/xrpc/{nsid}", headers=headers, timeout=20, **kwargs
    )
    assert response.status_code == 200, response.text
    return response.json()


def new_account(network: Network, name: str) -> Account:
    handle = f"{name}{secrets.token_hex(3)}.test"
    password = secrets.token_urlsafe(12)
    xrpc(
        network,
        "POST",
        "com.atproto.server.createAccount",
        json={"handle": handle, "email": f"{handle}@example.org", "password": password},
    )
    session = xrpc(
        network,
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": handle, "password": password},
    )
    return Account(session["did"], handle, password, session["accessJwt"])


def app_password(network: Network, account: Account) -> str:
    made = xrpc(
        network,
        "POST",
        "com.atproto.server.createAppPassword",
        account,
        json={"name": f"civicdesk-{secrets.token_hex(2)}"},
    )
    return str(made["password"])


@pytest.fixture(scope="session")
def institution(bsky_network: Network) -> Account:
    return new_account(bsky_network, "cityhall")


@pytest.fixture(scope="session")
def resident(bsky_network: Network) -> Account:
    return new_account(bsky_network, "resident")


@pytest.fixture(scope="session")
def institution_credentials(bsky_network: Network, institution: Account) -> dict[str, str]:
    """The institution connected the way a person does it: handle and app password."""
    flow = BlueskyAppPasswordFlow(base_url=bsky_network.pds, app={"plc_url": bsky_network.plc})
    try:
        [account] = flow.finish(
            redirect_uri="",
            pending={},
            params={
                "identifier": institution.handle,
                "app_password": app_password(bsky_network, institution),
            },
        )
    finally:
        flow.close()
    return dict(account.credentials) | {"api_base_url": account.api_base_url}


@pytest.fixture
def connector(
    bsky_network: Network, institution: Account, institution_credentials: dict[str, str]
) -> Iterator[BlueskyConnector]:
    with BlueskyConnector(
        base_url=institution_credentials["api_base_url"],
        credentials=institution_credentials,
        handle=institution.handle,
        timeout=20,
    ) as made:
        yield made  # type: ignore[misc]


def eventually[T](probe: Callable[[], T | None], *, timeout: float = 15.0) -> T:
    """Poll until the AppView has indexed what the probe looks for."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("the AppView did not show it in time")
        time.sleep(0.05)  # the AppView sends no event when it has indexed


@pytest.fixture(scope="session")
def _fake_pds() -> Iterator[FakePlatformServer]:
    server = FakePlatformServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def httpserver(_fake_pds: FakePlatformServer) -> Iterator[FakePlatformServer]:
    """A fake PDS answering requests in parallel; cleared for each test, and handed on only
    once every answer (a held one included) is finished."""
    _fake_pds.clear()
    yield _fake_pds
    _fake_pds.wait_idle()
    _fake_pds.clear()


@pytest.fixture
def holds(httpserver: FakePlatformServer) -> Iterator[Holds]:
    """Gates for answers the fake keeps back; all opened when the test ends."""
    made = Holds()
    yield made
    made.close()


def fake_connector(url: str, **kwargs: Any) -> BlueskyConnector:
    return BlueskyConnector(
        base_url=url,
        handle="cityhall.example",
        credentials={"access_token": "access", "refresh_token": "refresh", "did": FAKE_DID},
        **kwargs,
    )


# A 1x1 PNG, enough for the PDS to store as a blob.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f7"
    "e1a10000000049454e44ae426082"
)
