"""Listening connectors: the exercise network's search endpoint over real HTTP, and Mastodon's
hashtag timeline from a recorded answer of a real instance."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors import registry
from civicdesk.connectors.base import (
    Capability,
    FollowKind,
    ListenQuery,
    MessageKind,
    RejectedError,
    RetryableError,
    UnsupportedError,
)
from civicdesk.connectors.mastodon.connector import MastodonConnector
from civicdesk.exnet.services import create_account, create_post
from tests.connectors.mastodon.conftest import connector_at, recorded_json
from tests.exnet.conftest import ConnectorFactory, api_base, connect  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_exnet_search_follows_words_hashtags_and_accounts(
    connect: ConnectorFactory,  # noqa: F811
) -> None:
    team, token = create_account(handle="transport_gov", display_name="Ministry")
    marie, _ = create_account(handle="marie_t", display_name="Marie", simulated=True)
    omar, _ = create_account(handle="omar_b", display_name="<b>Omar</b>", simulated=True)
    create_post(account=marie, text="The Lions Gate bridge is closed #BridgeClosure")
    create_post(account=omar, text="bridges everywhere, nothing about the one")
    create_post(account=team, text="Our own post about the bridge is not listening")
    third = create_post(account=omar, text="Is the BRIDGE open? #bridgeclosure #traffic").obj
    create_post(account=marie, text="#BridgeClosures is another tag")
    api = connect(token, timeout=10)

    words = api.fetch_listening(ListenQuery(FollowKind.KEYWORD, "bridge"), None, limit=10)
    assert [m.text for m in words.messages] == [
        "The Lions Gate bridge is closed #BridgeClosure",
        "Is the BRIDGE open? #bridgeclosure #traffic",
    ]
    first = words.messages[0]
    assert first.author.handle == "marie_t" and first.author.followers == 0
    assert first.kind == MessageKind.MENTION and first.url.endswith(f"/posts/{first.remote_id}/")
    assert words.next_cursor is not None and not words.has_more

    tags = api.fetch_listening(ListenQuery(FollowKind.HASHTAG, "#BridgeClosure"), None)
    assert [m.remote_id for m in tags.messages] == [first.remote_id, str(third.pk)]

    # Paging: one at a time, never skipping or repeating one.
    seen, cursor = [], None
    for _ in range(5):
        page = api.fetch_listening(
            ListenQuery(FollowKind.HASHTAG, "bridgeclosure"), cursor, limit=1
        )
        seen += [m.remote_id for m in page.messages]
        cursor = page.next_cursor or cursor
        if not page.has_more:
            break
    assert seen == [first.remote_id, str(third.pk)]
    # Nothing new after the cursor: the cursor does not move.
    assert (
        api.fetch_listening(ListenQuery(FollowKind.HASHTAG, "bridgeclosure"), cursor).messages == []
    )

    people = api.fetch_listening(ListenQuery(FollowKind.ACCOUNT, "@omar_b"), None)
    assert len(people.messages) == 2
    assert people.messages[0].author.display_name == "<b>Omar</b>"  # escaped when shown

    with pytest.raises(RejectedError):
        api.fetch_listening(ListenQuery(FollowKind.KEYWORD, "x"), "not-a-cursor")


def test_exnet_search_refuses_bad_requests(api_base: str) -> None:  # noqa: F811
    _, token = create_account(handle="transport_gov", display_name="Ministry")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api_base, headers=headers) as client:
        assert client.get("/search").status_code == 400
        assert client.get("/search", params={"q": "a", "type": "everything"}).status_code == 400
        assert client.get("/search", params={"q": "a", "limit": "1000"}).status_code == 400
        assert client.get("/search", params={"q": "a", "after": "-1"}).status_code == 400
        assert httpx.get(f"{api_base}/search", params={"q": "a"}).status_code == 401
        assert client.get("/search", params={"q": "a"}).json() == {
            "posts": [],
            "next_after": 0,
            "has_more": False,
        }


def test_exnet_search_fault_is_retryable(connect: ConnectorFactory) -> None:  # noqa: F811
    _, token = create_account(handle="transport_gov", display_name="Ministry")
    with pytest.raises(RetryableError):
        connect(token, fault="server_error;status=503").fetch_listening(
            ListenQuery(FollowKind.KEYWORD, "x"), None
        )
    with pytest.raises(RetryableError):
        connect(token, fault="malformed").fetch_listening(
            ListenQuery(FollowKind.KEYWORD, "x"), None
        )


def test_mastodon_hashtag_timeline_as_a_real_instance_answers(httpserver: HTTPServer) -> None:
    recorded = recorded_json("test_hashtag_tl.yaml", "GET", "/api/v1/timelines/tag/hoot")
    httpserver.expect_request("/api/v1/timelines/tag/hoot").respond_with_json(recorded)
    page = connector_at(httpserver).fetch_listening(ListenQuery(FollowKind.HASHTAG, "#hoot"), None)
    assert [m.text for m in page.messages] == ["#hoot (hashtag toot)"]
    assert page.messages[0].author.handle == "mastodonpy_test_2"
    assert page.next_cursor == recorded[0]["id"]
    # The next fetch asks only for what came after.
    httpserver.clear()
    httpserver.expect_request(
        "/api/v1/timelines/tag/hoot", query_string={"limit": "40", "min_id": recorded[0]["id"]}
    ).respond_with_json([])
    again = connector_at(httpserver).fetch_listening(
        ListenQuery(FollowKind.HASHTAG, "hoot"), page.next_cursor
    )
    assert again.messages == [] and again.next_cursor is None


def test_mastodon_account_and_refusals(httpserver: HTTPServer) -> None:
    recorded = recorded_json("test_hashtag_tl.yaml", "GET", "/api/v1/timelines/tag/hoot")
    httpserver.expect_request(
        "/api/v1/accounts/lookup", query_string={"acct": "someone@other.social"}
    ).respond_with_json({"id": "4242", "acct": "someone@other.social"})
    httpserver.expect_request("/api/v1/accounts/4242/statuses").respond_with_json(
        recorded + [dict(recorded[0], id="99", reblog={"id": "1"})]
    )
    api = connector_at(httpserver)
    page = api.fetch_listening(ListenQuery(FollowKind.ACCOUNT, "@someone@other.social"), None)
    assert len(page.messages) == 1  # the boost is left out
    with pytest.raises(UnsupportedError) as refused:
        api.fetch_listening(ListenQuery(FollowKind.KEYWORD, "bridge"), None)
    assert "Follow hashtags" in str(refused.value)
    httpserver.expect_request("/api/v1/timelines/tag/broken").respond_with_data("not json")
    with pytest.raises(RetryableError):
        api.fetch_listening(ListenQuery(FollowKind.HASHTAG, "broken"), None)


def test_capabilities_say_what_cannot_be_followed() -> None:
    assert Capability.LISTEN_KEYWORDS not in MastodonConnector.capabilities
    for platform in registry.CONNECTORS:
        cls = registry.connector_class(platform)
        for capability in (
            Capability.LISTEN_KEYWORDS,
            Capability.LISTEN_HASHTAGS,
            Capability.LISTEN_ACCOUNTS,
        ):
            if capability not in cls.capabilities:
                assert cls.limitations.get(capability), (platform, capability)
