"""Connecting and disconnecting accounts through the platforms' own flows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from civicdesk.connectors import auth
from civicdesk.connectors.auth import (
    AuthFlow,
    AuthStart,
    ConnectedAccount,
    FlowKind,
    FormField,
    pkce_pair,
)
from civicdesk.organizations.models import AuditEvent, Channel
from tests.factories import World, make_world


class FakeOAuth(AuthFlow):
    platform = "x"
    kind = FlowKind.OAUTH2
    revoked: list[str] = []

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        verifier, challenge = pkce_pair()
        return AuthStart(
            url=f"https://platform.test/authorize?state={state}"
            f"&redirect_uri={redirect_uri}&code_challenge={challenge}",
            pending={"verifier": verifier},
        )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        assert params["code"] == "the-code" and pending["verifier"]
        accounts = [
            ConnectedAccount(
                remote_id="42",
                handle="cityhall_x",
                display_name="City",
                credentials={"access_token": "tok", "refresh_token": "r"},
            )
        ]
        if params.get("many"):
            accounts.append(
                ConnectedAccount(
                    remote_id="43", handle="cityhall_x2", credentials={"access_token": "tok2"}
                )
            )
        return accounts

    def revoke(self, credentials: Mapping[str, str]) -> None:
        FakeOAuth.revoked.append(credentials.get("access_token", ""))


class FakeForm(AuthFlow):
    platform = "bluesky"
    kind = FlowKind.FORM
    form_fields = (
        FormField("identifier", "Handle"),
        FormField("password", "App password", secret=True),
    )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        return [
            ConnectedAccount(
                remote_id="did:plc:abc",
                handle=params["identifier"],
                credentials={"accessJwt": "j", "password_used": "no"},
                api_base_url="https://pds.test",
            )
        ]


class FakeInstanceFlow(AuthFlow):
    platform = "mastodon"
    kind = FlowKind.FORM_THEN_OAUTH2
    form_fields = (FormField("instance", "Server"),)

    def start(self, *, redirect_uri: str, state: str, instance: str = "") -> AuthStart:
        return AuthStart(
            url=f"{instance}/oauth/authorize?state={state}",
            pending={"instance": instance, "client_id": "registered"},
        )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        assert pending["client_id"] == "registered"
        return [
            ConnectedAccount(
                remote_id="7",
                handle="city@social.test",
                credentials={"access_token": "m"},
                api_base_url=pending["instance"],
            )
        ]


@pytest.fixture
def world(db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setitem(auth.AUTH_FLOWS, "x", f"{__name__}.FakeOAuth")
    monkeypatch.setitem(auth.AUTH_FLOWS, "bluesky", f"{__name__}.FakeForm")
    monkeypatch.setitem(auth.AUTH_FLOWS, "mastodon", f"{__name__}.FakeInstanceFlow")
    settings.PLATFORM_APPS = {
        **settings.PLATFORM_APPS,
        "x": {"client_id": "cid", "client_secret": "s"},
    }
    return make_world()


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_oauth_round_trip_creates_channel(client: Client, world: World) -> None:
    login(client, world.admin)
    page = client.get(f"/channels/connect/?brand={world.brand.pk}")
    assert page.status_code == 200 and b"Connect" in page.content
    started = client.post("/channels/connect/begin/", {"brand": world.brand.pk, "platform": "x"})
    assert started.status_code == 302
    query = parse_qs(urlparse(started["Location"]).query)
    state = query["state"][0]
    assert query["code_challenge"][0]
    assert query["redirect_uri"][0].endswith("/channels/connect/x/callback/")
    done = client.get(f"/channels/connect/x/callback/?code=the-code&state={state}")
    assert done.status_code == 302
    channel = Channel.objects.get(platform="x", brand=world.brand)
    assert channel.handle == "cityhall_x" and channel.get_credentials()["access_token"] == "tok"
    assert AuditEvent.objects.filter(action="channel.connect").exists()
    # The credentials never reach the audit log.
    assert "tok" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_callback_with_wrong_state_is_refused(client: Client, world: World) -> None:
    login(client, world.admin)
    client.post("/channels/connect/begin/", {"brand": world.brand.pk, "platform": "x"})
    response = client.get("/channels/connect/x/callback/?code=the-code&state=forged", follow=True)
    assert b"could not be matched" in response.content
    assert not Channel.objects.filter(platform="x").exists()


def test_several_accounts_are_chosen(client: Client, world: World) -> None:
    login(client, world.admin)
    started = client.post("/channels/connect/begin/", {"brand": world.brand.pk, "platform": "x"})
    state = parse_qs(urlparse(started["Location"]).query)["state"][0]
    page = client.get(f"/channels/connect/x/callback/?code=the-code&state={state}&many=1")
    assert page.status_code == 200 and b"cityhall_x2" in page.content
    client.post("/channels/connect/choose/", {"account": ["1"]})
    assert list(Channel.objects.filter(platform="x").values_list("handle", flat=True)) == [
        "cityhall_x2"
    ]


def test_form_flow_and_disconnect(client: Client, world: World) -> None:
    login(client, world.admin)
    client.post(
        "/channels/connect/begin/",
        {
            "brand": world.brand.pk,
            "platform": "bluesky",
            "identifier": "city.bsky.social",
            "password": "xxxx-xxxx",
        },
    )
    channel = Channel.objects.get(platform="bluesky")
    assert channel.api_base_url == "https://pds.test"
    client.post(f"/channels/{channel.pk}/disconnect/")
    channel.refresh_from_db()
    assert not channel.is_active and channel.get_credentials() == {}


def test_only_managers_connect(client: Client, world: World) -> None:
    login(client, world.author)
    response = client.post("/channels/connect/begin/", {"brand": world.brand.pk, "platform": "x"})
    assert response.status_code == 403
    login(client, world.outsider)
    response = client.post("/channels/connect/begin/", {"brand": world.brand.pk, "platform": "x"})
    assert response.status_code == 404
    response = client.post(f"/channels/{world.channel.pk}/disconnect/")
    assert response.status_code == 404


def test_form_then_oauth_flow(client: Client, world: World) -> None:
    login(client, world.admin)
    started = client.post(
        "/channels/connect/begin/",
        {"brand": world.brand.pk, "platform": "mastodon", "instance": "https://social.test"},
    )
    assert started["Location"].startswith("https://social.test/oauth/authorize")
    state = parse_qs(urlparse(started["Location"]).query)["state"][0]
    client.get(f"/channels/connect/mastodon/callback/?code=c&state={state}")
    channel = Channel.objects.get(platform="mastodon")
    assert channel.api_base_url == "https://social.test"
