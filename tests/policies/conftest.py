"""Fixtures of the policy tests: a populated world and documents to save."""

from __future__ import annotations

import pytest

from civicdesk.policies.selectors import shipped_document
from tests.factories import World, make_world


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def with_forbidden(word: str, *, reason: str = "public bodies do not promise outcomes.") -> str:
    """The shipped document with one forbidden word added."""
    return shipped_document().replace(
        "forbidden: []",
        f"forbidden:\n  - id: promises\n    terms: [{word}]\n    reason:\n      en: {reason}\n",
    )
