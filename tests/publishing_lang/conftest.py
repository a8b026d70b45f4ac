"""A brand with an English-only, a French-only and a bilingual account, as in the demo."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from civicdesk.organizations.models import Channel
from tests.factories import World, make_channel, make_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Accounts:
    world: World
    en: Channel
    fr: Channel


@pytest.fixture
def accounts(db: None) -> Accounts:
    world = make_world()
    # Only the one-language accounts: the world's own channels publish every language.
    world.brand.channels.update(is_active=False)
    en = make_channel(brand=world.brand, handle="transportinsights", languages=["en"])
    fr = make_channel(brand=world.brand, handle="transportinsights_fr", languages=["fr"])
    return Accounts(world=world, en=en, fr=fr)
