"""Facebook Login (Pages, Instagram) and the Threads token flow against fake endpoints.

The fakes answer as Graph would, with an error for a request they do not expect; what
the flow sent is checked afterwards, in the test's thread, from the recorded calls.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug import Request

from civicdesk.connectors.auth import credentials_expire_at
from civicdesk.connectors.base import AuthExpiredError, RejectedError
from civicdesk.connectors.facebook.auth import FacebookAuthFlow
from civicdesk.connectors.instagram.auth import InstagramAuthFlow
from civicdesk.connectors.threads.auth import ThreadsAuthFlow

from .fakes import FakeGraph, answer, graph_error, recorded

APP = {"client_id": "app-1", "client_secret": "s3cret"}


def facebook_login(graph: FakeGraph, *, with_instagram: bool = False) -> None:
    # Read here, in the test's thread: the handlers below only answer.
    long_term = recorded("base", "long_term_token.json")
    user_accounts = recorded("base", "user_accounts_token.json")

    def token(request: Request, match: Any) -> Any:
        args = request.args
        if args.get("grant_type") == "fb_exchange_token":
            if args.get("fb_exchange_token") != "short-user":
                return graph_error(190, "Invalid OAuth access token.")
            return answer(long_term | {"access_token": "long-user"})
        if args.get("code") != "the-code" or not args.get("code_verifier"):
            return graph_error(100, "Invalid verification code format.")
        return answer({"access_token": "short-user", "token_type": "bearer"})

    def accounts(request: Request, match: Any) -> Any:
        if request.headers.get("Authorization") != "Bearer long-user":
            return graph_error(190, "Error validating access token", subcode=463)
        body = copy.deepcopy(user_accounts)
        page = body["data"][0]
        if with_instagram:
            page["instagram_business_account"] = {
                "id": "17841407673135339",
                "username": "facebookfordevelopers",
            }
        viewer = dict(page, id="999", access_token="other", tasks=["ANALYZE"])
        body["data"].append(viewer)
        body["paging"] = {"cursors": {"after": "after"}}
        return answer(body)

    graph.route("GET", "/oauth/access_token", token)
    graph.route("GET", "/me/accounts", accounts)


def test_facebook_start_has_pkce_and_state() -> None:
    start = FacebookAuthFlow(app=APP).start(redirect_uri="https://desk.example/cb", state="st")
    query = parse_qs(urlsplit(start.url).query)
    assert start.url.startswith("https://www.facebook.com/v24.0/dialog/oauth?")
    assert query["state"] == ["st"] and query["code_challenge_method"] == ["S256"]
    assert "pages_manage_posts" in query["scope"][0]
    assert start.pending["code_verifier"]


def test_facebook_finish_gives_one_account_per_publishable_page(graph: FakeGraph) -> None:
    facebook_login(graph)
    flow = FacebookAuthFlow(app=APP, base_url=graph.url)
    start = flow.start(redirect_uri="https://desk.example/cb", state="st")
    [account] = flow.finish(
        redirect_uri="https://desk.example/cb",
        params={"code": "the-code", "state": "st"},
        pending=start.pending,
    )
    assert account.remote_id == "2121008874780932" and account.display_name == "MyLife"
    assert account.credentials["access_token"] == "access_token"  # the Page token
    assert account.credentials["page_id"] == "2121008874780932"
    assert account.credentials["user_access_token"] == "long-user"
    assert credentials_expire_at({"expires_at": account.credentials["user_expires_at"]})
    assert account.expires_at is None  # Page tokens from a long-lived user token never expire
    assert flow.refresh(account.credentials) == dict(account.credentials)
    exchange = [c.args for c in graph.made("GET", "/oauth/access_token")]
    assert [a.get("grant_type") for a in exchange] == [None, "fb_exchange_token"]
    assert exchange[1]["fb_exchange_token"] == "short-user"
    [listing] = graph.made("GET", "/me/accounts")
    assert listing.headers["Authorization"] == "Bearer long-user"


def test_facebook_finish_refused(graph: FakeGraph) -> None:
    facebook_login(graph)
    flow = FacebookAuthFlow(app=APP, base_url=graph.url)
    with pytest.raises(RejectedError):
        flow.finish(redirect_uri="https://x/cb", params={"error": "access_denied"}, pending={})
    with pytest.raises(RejectedError):
        flow.finish(
            redirect_uri="https://x/cb", params={"code": "wrong"}, pending={"code_verifier": "v"}
        )


def test_instagram_finish_uses_the_linked_account(graph: FakeGraph) -> None:
    facebook_login(graph, with_instagram=True)
    flow = InstagramAuthFlow(app=APP, base_url=graph.url)
    [account] = flow.finish(
        redirect_uri="https://x/cb", params={"code": "the-code"}, pending={"code_verifier": "v"}
    )
    assert account.remote_id == "17841407673135339"
    assert account.handle == "facebookfordevelopers"
    assert account.credentials["ig_user_id"] == "17841407673135339"
    assert account.credentials["page_id"] == "2121008874780932"
    asked = graph.made("GET", "/me/accounts")[0].args["fields"]
    assert "instagram_business_account" in asked


def test_instagram_without_linked_account_says_so(graph: FakeGraph) -> None:
    facebook_login(graph)
    with pytest.raises(RejectedError, match="no Instagram professional account"):
        InstagramAuthFlow(app=APP, base_url=graph.url).finish(
            redirect_uri="https://x/cb", params={"code": "the-code"}, pending={"code_verifier": "v"}
        )


def threads_tokens(graph: FakeGraph, *, refresh_token: str | None = "th-refreshed") -> None:
    # Read here, in the test's thread: the handler below only answers.
    short = recorded("base", "threads_user_token.json") | {"access_token": "th-short"}
    long = recorded("base", "threads_user_long_lived_token.json") | {"access_token": "th-long"}

    def dispatch(request: Request) -> Any:
        if request.path == "/oauth/access_token":
            if request.form.get("code") != "th-code":
                return graph_error(100, "Invalid code")
            return answer(short)
        if request.path == "/access_token":
            if request.args.get("grant_type") != "th_exchange_token":
                return graph_error(100, "Unsupported grant_type")
            if request.args.get("access_token") != "th-short":
                return graph_error(190, "Invalid OAuth access token.")
            return answer(long)
        if request.path == "/refresh_access_token":
            if request.args.get("access_token") == "dead":
                return graph_error(190, "Session has expired")
            body = {"token_type": "bearer", "expires_in": 5183944}
            if refresh_token:
                body["access_token"] = refresh_token
            return answer(body)
        if request.path == "/v1.0/me":
            return answer({"id": "12345678", "username": "civicdesk_roads", "name": "Roads"})
        return graph_error(100, "unknown")

    graph.serve(dispatch)


def test_threads_start_and_finish(graph: FakeGraph) -> None:
    threads_tokens(graph)
    flow = ThreadsAuthFlow(app=APP, base_url=graph.server.url_for("/v1.0"))
    start = flow.start(redirect_uri="https://x/cb", state="st")
    query = parse_qs(urlsplit(start.url).query)
    assert start.url.startswith("https://threads.net/oauth/authorize?")
    assert query["state"] == ["st"] and "threads_content_publish" in query["scope"][0]
    [account] = flow.finish(
        redirect_uri="https://x/cb", params={"code": "th-code#_"}, pending=start.pending
    )
    assert account.remote_id == "12345678" and account.handle == "civicdesk_roads"
    assert account.credentials["access_token"] == "th-long"
    assert account.expires_at is not None
    [exchange] = [c for c in graph.calls if c.path == "/access_token"]
    assert exchange.args == {
        "grant_type": "th_exchange_token",
        "client_secret": "s3cret",
        "access_token": "th-short",
    }


def test_threads_refresh_keeps_what_the_answer_lacks(graph: FakeGraph) -> None:
    threads_tokens(graph, refresh_token=None)
    flow = ThreadsAuthFlow(app=APP, base_url=graph.server.url_for("/"))
    stored = {"access_token": "th-long", "user_id": "1", "expires_at": "2020-01-01T00:00:00+00:00"}
    refreshed = flow.refresh(stored)
    assert refreshed["access_token"] == "th-long" and refreshed["user_id"] == "1"
    assert refreshed["expires_at"] != stored["expires_at"]
    threads_tokens(graph)
    assert flow.refresh(stored)["access_token"] == "th-refreshed"
    with pytest.raises(AuthExpiredError):
        flow.refresh({"access_token": "dead"})
