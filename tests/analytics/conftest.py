"""The hand-worked data set of dataset.py, as a fixture."""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.dataset import Dataset, build_dataset


@pytest.fixture
def dataset(db: Any) -> Dataset:
    return build_dataset()
