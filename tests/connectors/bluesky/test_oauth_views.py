"""Connecting through the product's pages, against the real local PDS: form, PDS, callback."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from civicdesk.connectors.bluesky.connector import BlueskyConnector
from civicdesk.organizations.models import Channel
from tests.factories import World, make_world

from .conftest import Account, Network, new_account
from .oauth_consent import approve

# A loopback host, so the flow uses atproto's loopback client, as in development.
HOST = "127.0.0.1:8000"


@pytest.fixture
def world(db: Any, settings: Any, bsky_network: Network) -> World:
    settings.PLATFORM_APPS = {**settings.PLATFORM_APPS, "bluesky": {"plc_url": bsky_network.plc}}
    settings.PLATFORM_API_URLS = {**settings.PLATFORM_API_URLS, "bluesky": bsky_network.pds}
    return make_world()


def test_connect_a_bluesky_account_with_oauth_through_the_pages(
    world: World, bsky_network: Network
) -> None:
    person: Account = new_account(bsky_network, "clerk")
    client = Client(HTTP_HOST=HOST)
    client.force_login(world.admin)
    started = client.post(
        "/channels/connect/begin/",
        {"brand": world.brand.pk, "platform": "bluesky", "identifier": person.handle},
    )
    assert started.status_code == 302 and "/oauth/authorize?" in started["Location"]
    params = approve(started["Location"], person.handle, person.password)
    back = client.get(f"/channels/connect/bluesky/callback/?{urlencode(params)}")
    assert back.status_code == 302
    channel = Channel.objects.get(platform="bluesky", handle=person.handle)
    creds = channel.get_credentials()
    assert creds["auth_mode"] == "oauth" and channel.auth_expires_at is not None
    with BlueskyConnector(base_url=channel.api_base_url, credentials=creds) as api:
        assert api.check_health().ok
