"""Connecting a YouTube channel: Google OAuth with PKCE, offline access, refresh."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from civicdesk.connectors.auth import credentials_expire_at
from civicdesk.connectors.base import AuthExpiredError, RejectedError
from civicdesk.connectors.youtube.auth import YouTubeAuthFlow

from .conftest import Peer
from .fake import CHANNEL_ID

REDIRECT = "https://desk.example.org/channels/connect/youtube/callback"


@pytest.fixture
def flow(youtube: Peer) -> Iterator[YouTubeAuthFlow]:
    flow = YouTubeAuthFlow(
        app={"client_id": "app-id", "client_secret": "app-secret"},
        base_url=youtube.url,
        auth_base_url=youtube.url,
    )
    yield flow
    flow.close()


def test_default_addresses_are_googles() -> None:
    flow = YouTubeAuthFlow(app={"client_id": "app-id"})
    url = urlsplit(flow.start(redirect_uri=REDIRECT, state="s").url)
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "accounts.google.com",
        "/o/oauth2/v2/auth",
    )
    flow.close()


def test_start_then_finish(youtube: Peer, flow: YouTubeAuthFlow) -> None:
    start = flow.start(redirect_uri=REDIRECT, state="st4te")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.url).query).items()}
    assert query["state"] == "st4te" and query["redirect_uri"] == REDIRECT
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["scope"] == "https://www.googleapis.com/auth/youtube.force-ssl"
    assert "code_verifier" in start.pending
    assert start.pending["code_verifier"] not in start.url

    code = youtube.fake.authorize(query["code_challenge"])
    (account,) = flow.finish(
        redirect_uri=REDIRECT, params={"code": code, "state": "st4te"}, pending=start.pending
    )
    assert account.remote_id == CHANNEL_ID and account.handle == "@roadwatch"
    assert account.display_name == "Road Watch"
    assert account.credentials["access_token"] == "at-1"
    assert account.credentials["refresh_token"] == "rt-1"
    assert account.credentials["channel_id"] == CHANNEL_ID
    assert account.expires_at == credentials_expire_at(account.credentials) is not None


def test_finish_refuses_a_wrong_verifier_or_a_denial(youtube: Peer, flow: YouTubeAuthFlow) -> None:
    start = flow.start(redirect_uri=REDIRECT, state="s")
    challenge = parse_qs(urlsplit(start.url).query)["code_challenge"][0]
    code = youtube.fake.authorize(challenge)
    with pytest.raises(AuthExpiredError):
        flow.finish(
            redirect_uri=REDIRECT, params={"code": code}, pending={"code_verifier": "not-the-one"}
        )
    with pytest.raises(RejectedError):
        flow.finish(redirect_uri=REDIRECT, params={"error": "access_denied"}, pending={})


def test_refresh_keeps_the_refresh_token(youtube: Peer, flow: YouTubeAuthFlow) -> None:
    stored = {
        "access_token": "old",
        "refresh_token": "rt-1",
        "channel_id": CHANNEL_ID,
        "expires_at": "2026-01-01T00:00:00+00:00",
    }
    fresh = flow.refresh(stored)
    assert fresh["access_token"].startswith("at-") and fresh["access_token"] != "old"
    assert fresh["refresh_token"] == "rt-1"  # Google sent none back; ours is kept
    assert fresh["channel_id"] == CHANNEL_ID
    assert fresh["expires_at"] > stored["expires_at"]


def test_refresh_refused_means_reconnect(flow: YouTubeAuthFlow) -> None:
    with pytest.raises(AuthExpiredError):
        flow.refresh({"access_token": "a", "refresh_token": "revoked"})
    with pytest.raises(AuthExpiredError):
        flow.refresh({"access_token": "a"})


def test_revoke_is_best_effort(flow: YouTubeAuthFlow) -> None:
    flow.revoke({"refresh_token": "rt-1"})
    flow.revoke({})
