"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.mail import smtp  # noqa: F401 - the SMTP server fixture, for every test

SHARED = Path(__file__).resolve().parents[2] / "shared"
# The labelled research data sets are too large and not ours to ship: they are looked for
# beside the checkout. Everything else the tests read is in the repository.
RESEARCH_DATA = SHARED / "data"
NO_RESEARCH_DATA = "../shared/data is absent: the research data sets are not on this machine"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "research_data: needs the research data sets in ../shared/data"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Decided at collection, before any fixture (a server, a database) is set up; no other
    # test may skip for want of ../shared.
    if RESEARCH_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=NO_RESEARCH_DATA)
    for item in items:
        if item.get_closest_marker("research_data"):
            item.add_marker(skip)


@pytest.fixture
def shared_data(request: pytest.FixtureRequest) -> Path:
    """The labelled research data beside the checkout (for tests marked research_data)."""
    if request.node.get_closest_marker("research_data") is None:
        pytest.fail("a test that reads ../shared/data must be marked research_data")
    return RESEARCH_DATA


@pytest.fixture(scope="session", autouse=True)
def _local_peers_allowed() -> Iterator[None]:
    # The suite's peers (Prism, the Bluesky network, fake servers) listen on this machine,
    # which addresses people type may not name in an install (core/outbound.py). Session
    # wide, because session fixtures connect too; tests of the guard set their own.
    from django.test import override_settings

    with override_settings(OUTBOUND_ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]"]):
        yield


@pytest.fixture(autouse=True)
def _exercise_network_on(settings: Any) -> None:
    # Off by default in an install; the suite rehearses on it, faults included.
    settings.EXNET_ENABLED = True
    settings.EXNET_ALLOW_REQUEST_FAULTS = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing is deliberately slow; the tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the installation's default language: a request through the locale
    middleware leaves its language active in the thread, which the next test would inherit."""
    translation.deactivate()
    yield
    translation.deactivate()
