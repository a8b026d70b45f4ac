"""Fixtures of the records tests: a populated world whose first channel is on the exercise
network, reached over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account
from civicdesk.publishing import publisher
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S
from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def _signing_key_and_data(settings: Any, tmp_path: Any) -> None:
    # Each test its own key and checkpoint copy, as an installation has.
    settings.RECORDS_SIGNING_KEY = f"test-key-{tmp_path.name}"
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def on_network(world: World, live_server: Any, settings: Any) -> NetAccount:
    """The world's first channel is an account of the exercise network."""
    settings.CONNECTOR_TIMEOUT_SECONDS = 5.0
    account, token = create_account(handle=world.channel.handle[:30], display_name="City Hall")
    world.channel.platform = "exnet"
    world.channel.api_base_url = f"{live_server.url}/exnet/api"
    world.channel.set_credentials({"token": token})
    world.channel.save()
    return account


def settle(worker: str = "w") -> None:
    """Run the worker's publishing steps as time passes, until nothing is pending."""
    for _ in range(12):
        later = timezone.now() + timedelta(seconds=120)
        publisher.publish_due(worker=worker, now=later)
        publisher.check_unconfirmed(worker=worker, now=later)
        if not Publication.objects.filter(state__in=[S.SCHEDULED, S.UNCONFIRMED]).exists():
            return
