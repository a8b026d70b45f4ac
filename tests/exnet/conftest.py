"""Fixtures for the exercise network: accounts with tokens and connectors over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from civicdesk.connectors.exnet.connector import ExnetConnector
from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account

# Short enough to keep the suite fast, long enough for a busy machine; the server's holds
# are a little longer.
CLIENT_TIMEOUT = 1.5
HOLD = 1.9


@pytest.fixture(autouse=True)
def _short_fault_holds(settings: Any) -> None:
    settings.EXNET_FAULT_HOLD_SECONDS = HOLD
    settings.EXNET_ALLOW_REQUEST_FAULTS = True


AccountFactory = Callable[..., tuple[NetAccount, str]]


@pytest.fixture
def make_account() -> AccountFactory:
    def make(
        handle: str, display_name: str = "", simulated: bool = False
    ) -> tuple[NetAccount, str]:
        return create_account(handle=handle, display_name=display_name, simulated=simulated)

    return make


@pytest.fixture
def ministry(make_account: AccountFactory) -> tuple[NetAccount, str]:
    return make_account("transport_gov", "Ministry of Transport")


@pytest.fixture
def citizen(make_account: AccountFactory) -> tuple[NetAccount, str]:
    return make_account("marie_t", "Marie Tremblay")


@pytest.fixture
def api_base(live_server: object) -> str:
    return f"{live_server.url}/exnet/api"  # type: ignore[attr-defined]


ConnectorFactory = Callable[..., ExnetConnector]


@pytest.fixture
def connect(api_base: str) -> Iterator[ConnectorFactory]:
    """Connectors for a token; ``fault=`` sends an X-Exnet-Fault header on every request."""
    made: list[ExnetConnector] = []

    def make(token: str, *, fault: str = "", timeout: float = CLIENT_TIMEOUT) -> ExnetConnector:
        headers = {"X-Exnet-Fault": fault} if fault else {}
        client = httpx.Client(timeout=timeout, headers=headers)
        connector = ExnetConnector(
            base_url=api_base, credentials={"token": token}, client=client, timeout=timeout
        )
        connector._own_client = True  # close the client with the connector
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()
