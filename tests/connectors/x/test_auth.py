"""Connecting an X account: OAuth 2.0 with PKCE against a local fake of X's endpoints."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from werkzeug import Request, Response

from civicdesk.connectors.base import AuthExpiredError, RejectedError, RetryableError
from civicdesk.connectors.x.auth import XAuthFlow

REDIRECT = "https://desk.example/connect/x/callback"


class FakeTokenEndpoint:
    def __init__(self, refresh_token: str | None = "rotated-1") -> None:
        self.forms: list[dict[str, str]] = []
        self.auth_headers: list[str] = []
        self.refresh_token = refresh_token
        self.status = 200

    def __call__(self, request: Request) -> Response:
        self.forms.append(dict(request.form))
        self.auth_headers.append(request.headers.get("Authorization", ""))
        if self.status != 200:
            body = {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            }
            return Response(json.dumps(body), status=self.status, content_type="application/json")
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": f"access-{len(self.forms)}",
            "scope": "tweet.read users.read offline.access",
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def token_endpoint(xserver: Any) -> FakeTokenEndpoint:
    endpoint = FakeTokenEndpoint()
    xserver.expect_request("/2/oauth2/token", method="POST").respond_with_handler(endpoint)
    xserver.expect_request("/2/users/me").respond_with_json(
        {"data": {"id": "1072250532645998596", "name": "Road Watch", "username": "roadwatch"}}
    )
    return endpoint


def flow(xserver: Any, **app: str) -> XAuthFlow:
    return XAuthFlow(
        app={"client_id": "cid"} | app,
        base_url=xserver.url_for("").rstrip("/"),
        auth_base_url="https://x.example/i",
        client=httpx.Client(timeout=2),
    )


def test_start_sends_the_person_to_x_with_pkce_and_state() -> None:
    started = XAuthFlow(app={"client_id": "cid"}).start(redirect_uri=REDIRECT, state="s-1")
    url = urlsplit(started.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://x.com/i/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "cid"
    assert query["state"] == "s-1" and query["redirect_uri"] == REDIRECT
    assert {"tweet.write", "offline.access", "dm.read", "media.write"} <= set(
        query["scope"].split(" ")
    )
    verifier = started.pending["code_verifier"]
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == expected.decode()
    assert query["code_challenge_method"] == "S256"


def test_finish_exchanges_the_code_and_names_the_account(
    xserver: Any, token_endpoint: FakeTokenEndpoint
) -> None:
    x = flow(xserver)
    started = x.start(redirect_uri=REDIRECT, state="s-1")
    (account,) = x.finish(
        redirect_uri=REDIRECT, params={"code": "c0de", "state": "s-1"}, pending=started.pending
    )
    form = token_endpoint.forms[0]
    assert form == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": REDIRECT,
        "code_verifier": started.pending["code_verifier"],
        "client_id": "cid",
    }
    assert token_endpoint.auth_headers[0] == ""  # a public client: no secret
    assert (account.remote_id, account.handle, account.display_name) == (
        "1072250532645998596",
        "roadwatch",
        "Road Watch",
    )
    assert account.credentials["access_token"] == "access-1"
    assert account.credentials["refresh_token"] == "rotated-1"
    assert account.credentials["user_id"] == "1072250532645998596"
    assert account.expires_at is not None
    me = [r for r, _ in xserver.log if r.path == "/2/users/me"][0]
    assert me.headers["Authorization"] == "Bearer access-1"


def test_confidential_client_uses_basic_auth(
    xserver: Any, token_endpoint: FakeTokenEndpoint
) -> None:
    x = flow(xserver, client_secret="s3cret")
    x.refresh({"access_token": "old", "refresh_token": "r0"})
    expected = base64.b64encode(b"cid:s3cret").decode()
    assert token_endpoint.auth_headers[0] == f"Basic {expected}"
    assert "client_id" not in token_endpoint.forms[0]


@pytest.mark.parametrize(
    "params",
    [
        {"code": "c0de", "state": "someone-else"},
        {"state": "s-1"},
        {"error": "access_denied", "state": "s-1"},
    ],
)
def test_finish_refuses_a_foreign_or_empty_answer(xserver: Any, params: dict[str, str]) -> None:
    x = flow(xserver)
    pending = x.start(redirect_uri=REDIRECT, state="s-1").pending
    with pytest.raises(RejectedError):
        x.finish(redirect_uri=REDIRECT, params=params, pending=pending)
    assert not xserver.log


def test_refresh_stores_the_rotated_token(xserver: Any, token_endpoint: FakeTokenEndpoint) -> None:
    stored = {"access_token": "old", "refresh_token": "r0", "user_id": "1", "tier": "basic"}
    fresh = flow(xserver).refresh(stored)
    assert token_endpoint.forms[0] == {
        "grant_type": "refresh_token",
        "refresh_token": "r0",
        "client_id": "cid",
    }
    assert fresh["refresh_token"] == "rotated-1" and fresh["access_token"] == "access-1"
    assert fresh["user_id"] == "1" and fresh["tier"] == "basic" and fresh["expires_at"]


def test_refresh_keeps_the_stored_token_when_none_comes_back(
    xserver: Any, token_endpoint: FakeTokenEndpoint
) -> None:
    token_endpoint.refresh_token = None
    fresh = flow(xserver).refresh({"access_token": "old", "refresh_token": "r0"})
    assert fresh["refresh_token"] == "r0" and fresh["access_token"] == "access-1"


@pytest.mark.parametrize(
    ("status", "kind"), [(400, AuthExpiredError), (401, AuthExpiredError), (503, RetryableError)]
)
def test_refresh_refused_or_failing(
    xserver: Any, token_endpoint: FakeTokenEndpoint, status: int, kind: type[Exception]
) -> None:
    token_endpoint.status = status
    with pytest.raises(kind):
        flow(xserver).refresh({"access_token": "old", "refresh_token": "r0"})


def test_revoke_both_tokens_best_effort(xserver: Any) -> None:
    xserver.expect_request("/2/oauth2/revoke", method="POST").respond_with_json({"revoked": True})
    flow(xserver).revoke({"access_token": "a", "refresh_token": "r"})
    forms = [dict(r.form) for r, _ in xserver.log]
    assert forms == [
        {"token": "a", "token_type_hint": "access_token", "client_id": "cid"},
        {"token": "r", "token_type_hint": "refresh_token", "client_id": "cid"},
    ]
    XAuthFlow(app={"client_id": "cid"}, base_url="http://127.0.0.1:9").revoke({"access_token": "a"})
