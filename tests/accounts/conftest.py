"""Fixtures of the sign-in tests: a populated world and a clean slate of lockout counters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def _no_lockouts_carried_over(request: pytest.FixtureRequest) -> Iterator[None]:
    # allauth counts failed sign-ins in the cache, a database table: each test that reaches
    # the database starts from none (a test that commits, as a live server's does, would
    # otherwise leave its counters to the next).
    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None and not names & {
        "db",
        "transactional_db",
    }:
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return make_world()
