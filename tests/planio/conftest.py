"""Fixtures of the plan import, export and feed tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()
