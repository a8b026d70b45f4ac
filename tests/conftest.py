"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def shared_data() -> Path:
    """The labelled research data beside the checkout; skip where it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is absent: the research data sets are not on this machine")
    return path


@pytest.fixture(autouse=True)
def _exercise_network_on(settings: Any) -> None:
    # Off by default in an install; the suite rehearses on it, faults included.
    settings.EXNET_ENABLED = True
    settings.EXNET_ALLOW_REQUEST_FAULTS = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing is deliberately slow; the tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
