"""A world with people in every role, and a second organization with its own admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from civicdesk.organizations.models import Organization, Role
from tests.factories import World, make_member, make_organization, make_world


@dataclass
class Two:
    world: World
    other_org: Organization
    other_admin: Any


@pytest.fixture
def world(db: None) -> World:
    return make_world(prefix="setup")


@pytest.fixture
def two(world: World) -> Two:
    other = make_organization(name="Ministry of Culture")
    return Two(
        world=world, other_org=other, other_admin=make_member(organization=other, role=Role.ADMIN)
    )
