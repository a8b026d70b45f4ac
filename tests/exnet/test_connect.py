"""Connecting an exercise-network account: over HTTP, and only with its holder's consent.

The connect page runs in the test client; the network it talks to is the live server, so
every account is opened and every token checked through the network's real API.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.test import Client

from civicdesk.exnet.keys import signup_key
from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account
from civicdesk.organizations.models import AuditEvent, Channel
from tests.factories import World, make_world

BEGIN = "/channels/connect/begin/"


@pytest.fixture
def world(transactional_db: Any, live_server: Any, settings: Any) -> World:
    settings.EXNET_BASE_URL = f"{live_server.url}/exnet/api"
    return make_world()


@pytest.fixture
def admin(client: Client, world: World) -> Client:
    client.force_login(world.admin)
    return client


def me(live_server: Any, token: str) -> httpx.Response:
    return httpx.get(
        f"{live_server.url}/exnet/api/me", headers={"Authorization": f"Bearer {token}"}
    )


def connect(client: Client, world: World, **fields: str) -> str:
    response = client.post(
        BEGIN, {"brand": world.brand.pk, "platform": "exnet", **fields}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_handle_opens_an_account_over_http(
    admin: Client, world: World, live_server: Any
) -> None:
    connect(admin, world, handle="drill_desk", display_name="Drill")
    channel = Channel.objects.get(platform="exnet", handle="drill_desk")
    account = NetAccount.objects.get(handle="drill_desk")
    token = channel.get_credentials()["token"]
    assert token.startswith("exn_") and channel.remote_id == str(account.pk)
    assert account.display_name == "Drill" and not account.is_simulated
    assert me(live_server, token).json()["handle"] == "drill_desk"
    assert AuditEvent.objects.filter(action="channel.connect").exists()
    page = connect(admin, world, handle="bad handle!")
    assert "did not accept this" in page and "letters, digits" in page


def test_an_existing_handle_is_not_taken_over_without_its_token(
    admin: Client, world: World, live_server: Any
) -> None:
    holder, holder_token = create_account(handle="city_hall")
    page = connect(admin, world, handle="city_hall")
    assert "already exists" in page and "give its token" in page
    assert not Channel.objects.filter(handle="city_hall").exists()
    page = connect(admin, world, handle="city_hall", token="exn_not-the-token")
    assert "did not accept this token" in page
    assert not Channel.objects.filter(handle="city_hall").exists()
    # Its holder still works with the token the account had.
    assert me(live_server, holder_token).status_code == 200


def test_a_token_connects_its_own_account_and_keeps_working(
    admin: Client, world: World, live_server: Any
) -> None:
    holder, holder_token = create_account(handle="city_hall", display_name="City Hall")
    _, other_token = create_account(handle="someone_else")
    page = connect(admin, world, handle="city_hall", token=other_token)
    assert "belongs to @someone_else" in page
    assert not Channel.objects.filter(handle="city_hall").exists()

    connect(admin, world, handle="@City_Hall", token=holder_token)
    channel = Channel.objects.get(platform="exnet", handle="city_hall")
    assert channel.get_credentials()["token"] == holder_token
    assert channel.remote_id == str(holder.pk) and channel.display_name == "City Hall"
    # Not rotated: the holder and the channel share the one token.
    assert me(live_server, holder_token).status_code == 200


def test_connecting_needs_the_network_api(admin: Client, world: World, settings: Any) -> None:
    # Nothing listens here: the flow must fail rather than write the tables itself.
    settings.EXNET_BASE_URL = "http://127.0.0.1:9/exnet/api"
    page = connect(admin, world, handle="drill_desk")
    assert "did not accept this" in page
    assert not NetAccount.objects.filter(handle="drill_desk").exists()
    assert not Channel.objects.filter(handle="drill_desk").exists()


def test_opening_an_account_needs_the_installations_key(live_server: Any, db: Any) -> None:
    url = f"{live_server.url}/exnet/api/accounts"
    body = {"handle": "stranger", "display_name": "S"}
    assert httpx.post(url, json=body).status_code == 401
    wrong = {"Authorization": "Bearer exs_guess"}
    assert httpx.post(url, json=body, headers=wrong).status_code == 401
    assert not NetAccount.objects.filter(handle="stranger").exists()

    key = {"Authorization": f"Bearer {signup_key()}"}
    made = httpx.post(url, json=body, headers=key)
    assert made.status_code == 201 and made.json()["token"].startswith("exn_")
    again = httpx.post(url, json=body, headers=key)
    assert again.status_code == 409 and "token" not in again.json()
    bad = httpx.post(url, json={"handle": "no spaces"}, headers=key)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"
    assert httpx.post(url, json={}, headers=key).json()["error"] == "missing"
    assert httpx.get(url, headers=key).status_code == 405


def test_the_network_is_off_unless_enabled(
    admin: Client, world: World, live_server: Any, settings: Any
) -> None:
    _, token = create_account(handle="city_hall")
    settings.EXNET_ENABLED = False
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/exnet/", "/exnet/@city_hall/", "/exnet/api/me", "/exnet/api/posts"):
        assert httpx.get(f"{live_server.url}{path}", headers=auth).status_code == 404, path
    signup = {"Authorization": f"Bearer {signup_key()}"}
    refused = httpx.post(
        f"{live_server.url}/exnet/api/accounts", json={"handle": "x_1"}, headers=signup
    )
    assert refused.status_code == 404
    page = admin.get(f"/channels/connect/?brand={world.brand.pk}").content.decode()
    assert 'value="exnet"' not in page and "Exercise network" not in page
    connect(admin, world, handle="drill_desk")
    assert not NetAccount.objects.filter(handle="drill_desk").exists()
    channels = admin.get("/channels/").content.decode()
    assert "/exnet/@" not in channels

    settings.EXNET_ENABLED = True
    assert httpx.get(f"{live_server.url}/exnet/api/me", headers=auth).status_code == 200
    assert (
        'value="exnet"' in admin.get(f"/channels/connect/?brand={world.brand.pk}").content.decode()
    )
    assert "/exnet/@" in admin.get("/channels/").content.decode()
