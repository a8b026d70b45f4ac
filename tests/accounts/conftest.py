"""Fixtures of the sign-in tests: a populated world and a clean slate of lockout counters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def _no_lockouts_carried_over() -> Iterator[None]:
    # allauth counts failed sign-ins in the cache; each test starts from none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    return make_world()
