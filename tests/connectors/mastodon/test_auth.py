"""Connecting an account: app registration on the instance, OAuth with PKCE, revoke."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors.auth import FlowKind
from civicdesk.connectors.base import AuthExpiredError, RejectedError, RetryableError
from civicdesk.connectors.mastodon.auth import MastodonAuthFlow, instance_url

REDIRECT = "https://desk.example.org/channels/connect/mastodon"


def registered(server: HTTPServer) -> None:
    server.expect_request("/api/v1/apps", method="POST").respond_with_json(
        {"id": "5", "name": "Civic Desk", "client_id": "cid", "client_secret": "csecret"}
    )


def test_the_form_asks_for_the_instance() -> None:
    assert MastodonAuthFlow.kind == FlowKind.FORM_THEN_OAUTH2
    assert [f.name for f in MastodonAuthFlow.form_fields] == ["instance"]


def test_start_registers_an_app_and_asks_with_pkce(httpserver: HTTPServer) -> None:
    registered(httpserver)
    base = httpserver.url_for("").rstrip("/")
    start = MastodonAuthFlow().start(redirect_uri=REDIRECT, state="st8", instance=base)
    app = httpserver.log[0][0].get_json()
    assert app["redirect_uris"] == [REDIRECT] and app["scopes"] == "read write"
    assert app["client_name"] and app["website"]
    url = urlsplit(start.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{base}/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == "cid" and query["state"] == "st8"
    assert query["response_type"] == "code" and query["scope"] == "read write"
    assert query["code_challenge_method"] == "S256"
    verifier = start.pending["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert start.pending["client_secret"] == "csecret"
    assert start.pending["instance"] == base


def test_finish_exchanges_the_code_and_verifies(httpserver: HTTPServer) -> None:
    registered(httpserver)
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(
        {
            "access_token": "tok",
            "token_type": "Bearer",
            "scope": "read write",
            "created_at": 1573979017,
        }
    )
    httpserver.expect_request(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer tok"}
    ).respond_with_json(
        {"id": "42", "username": "roadwatch", "acct": "roadwatch", "display_name": "Road Watch"}
    )
    flow = MastodonAuthFlow()
    base = httpserver.url_for("").rstrip("/")
    start = flow.start(redirect_uri=REDIRECT, state="st8", instance=base)
    [account] = flow.finish(
        redirect_uri=REDIRECT, params={"code": "abc", "state": "st8"}, pending=start.pending
    )
    token_request = next(r for r, _ in httpserver.log if r.path == "/oauth/token")
    form = token_request.form
    assert form["grant_type"] == "authorization_code" and form["code"] == "abc"
    assert form["code_verifier"] == start.pending["code_verifier"]
    assert form["client_id"] == "cid" and form["client_secret"] == "csecret"
    assert form["redirect_uri"] == REDIRECT
    assert account.remote_id == "42"
    assert account.handle == f"roadwatch@{urlsplit(base).netloc}"
    assert account.api_base_url == base
    assert account.expires_at is None  # Mastodon tokens do not expire
    creds = account.credentials
    assert creds["access_token"] == "tok" and creds["client_id"] == "cid"
    assert creds["client_secret"] == "csecret" and creds["account_id"] == "42"
    assert "refresh_token" not in creds


@pytest.mark.parametrize(
    "params",
    [
        {"code": "abc", "state": "other"},
        {"error": "access_denied", "state": "st8"},
        {"state": "st8"},
    ],
)
def test_finish_refuses_a_foreign_or_denied_answer(params: dict[str, str]) -> None:
    pending = {"instance": "https://mastodon.example", "state": "st8", "client_id": "c"}
    with pytest.raises(RejectedError):
        MastodonAuthFlow().finish(redirect_uri=REDIRECT, params=params, pending=pending)


def test_a_bad_registration_answer_is_retryable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/apps", method="POST").respond_with_json({"id": "5"})
    with pytest.raises(RetryableError):
        MastodonAuthFlow().start(redirect_uri=REDIRECT, state="s", instance=httpserver.url_for("/"))


def test_refresh_without_a_refresh_token_asks_to_reconnect() -> None:
    with pytest.raises(AuthExpiredError):
        MastodonAuthFlow().refresh({"access_token": "tok"})


def test_refresh_keeps_the_refresh_token_when_none_comes_back(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(
        {"access_token": "new", "expires_in": 3600}
    )
    stored = {
        "access_token": "old",
        "refresh_token": "keep-me",
        "client_id": "c",
        "client_secret": "s",
        "instance": httpserver.url_for("").rstrip("/"),
    }
    fresh = MastodonAuthFlow().refresh(stored)
    assert fresh["access_token"] == "new" and fresh["refresh_token"] == "keep-me"
    assert fresh["expires_at"]
    assert httpserver.log[0][0].form["grant_type"] == "refresh_token"


def test_revoke(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/oauth/revoke", method="POST").respond_with_json({})
    MastodonAuthFlow().revoke(
        {
            "access_token": "tok",
            "client_id": "c",
            "client_secret": "s",
            "instance": httpserver.url_for("").rstrip("/"),
        }
    )
    form = httpserver.log[0][0].form
    assert (form["token"], form["client_id"], form["client_secret"]) == ("tok", "c", "s")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("https://mastodon.social/about", "https://mastodon.social"),
        ("@roadwatch@mastodon.gc.ca", "https://mastodon.gc.ca"),
        ("roadwatch@mastodon.gc.ca", "https://mastodon.gc.ca"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
    ],
)
def test_instance_addresses(typed: str, expected: str) -> None:
    assert instance_url(typed) == expected


@pytest.mark.parametrize(
    "typed", ["", "http://mastodon.social", "ftp://x.example", "https://user:pw@x.example"]
)
def test_instance_addresses_refused(typed: str) -> None:
    with pytest.raises(RejectedError):
        instance_url(typed)
