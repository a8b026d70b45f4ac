"""Real X answers, recorded by tweepy's test suite (vcrpy cassettes), replayed over HTTP.

They pin the response shapes and rate-limit headers X really sends. The recordings asked
for few fields, so they also show what the connector does when a field is absent: a
metric X did not report is None, never 0.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from werkzeug import Response

from civicdesk.connectors.base import (
    MessageKind,
    OutboundPost,
    ReplyTarget,
    RetryableError,
)
from civicdesk.connectors.x.connector import RateLimit, rate_limit_wait
from civicdesk.connectors.x.inbox import InboxCursor

from ..peers import contract
from .conftest import make_connector

SKIPPED_HEADERS = {
    "content-encoding",
    "content-length",
    "transfer-encoding",
    "set-cookie",
    "connection",
}


def recorded(name: str) -> list[dict[str, Any]]:
    """The interactions of one cassette, bodies unzipped, as (request, response) dicts."""
    path: Path = contract("fixtures", "tweepy_cassettes", name)
    found = []
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        response = interaction["response"]
        body = response["body"]["string"]
        if isinstance(body, bytes) and body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        headers = {
            k: v[0] for k, v in response["headers"].items() if k.lower() not in SKIPPED_HEADERS
        }
        found.append(
            {
                "method": interaction["request"]["method"],
                "path": httpx.URL(interaction["request"]["uri"]).path,
                "status": response["status"]["code"],
                "headers": headers,
                "body": body if isinstance(body, bytes) else body.encode(),
            }
        )
    return found


def serve(server: Any, interaction: dict[str, Any], *, path: str = "", once: bool = False) -> None:
    expect = server.expect_oneshot_request if once else server.expect_request
    expect(path or interaction["path"], method=interaction["method"]).respond_with_response(
        Response(interaction["body"], status=interaction["status"], headers=interaction["headers"])
    )


def test_create_and_delete_post(xserver: Any) -> None:
    create, delete = recorded("test_client_create_and_delete_tweet.yaml")
    serve(xserver, create)
    serve(xserver, delete)
    with make_connector(xserver.url_for("")) as connector:
        result = connector.publish(OutboundPost(text="Test Tweet", idempotency_key="k"))
        assert result.remote_id == "1456012973835788293"
        assert result.published_at is not None and result.published_at.year == 2021
        assert connector.rate_limit.limit == 200 and connector.rate_limit.remaining == 199
        connector.delete(result.remote_id)
        assert connector.rate_limit == RateLimit.from_headers(httpx.Headers(delete["headers"]))


def test_recorded_rate_limit_headers_give_the_wait() -> None:
    (create, _) = recorded("test_client_create_and_delete_tweet.yaml")
    headers = httpx.Headers(create["headers"] | {"x-rate-limit-remaining": "0"})
    reset = int(create["headers"]["x-rate-limit-reset"])
    assert rate_limit_wait(headers, now=reset - 300) == 300


def test_me_health_and_account_metrics_missing_as_none(xserver: Any) -> None:
    (me,) = recorded("test_client_get_me.yaml")
    serve(xserver, me)
    with make_connector(xserver.url_for(""), user_id="") as connector:
        assert connector.check_health().detail == "signed in as @TweepyDev"
        assert connector.own_id() == "1072250532645998596"
        metrics = connector.fetch_account_metrics()
    # Recorded without user.fields=public_metrics: nothing reported, so nothing invented.
    assert (metrics.followers, metrics.following, metrics.posts) == (None, None, None)


def test_post_metrics_without_reported_fields_are_none(xserver: Any) -> None:
    (lookup,) = recorded("test_client_get_tweets.yaml")
    serve(xserver, lookup)
    with make_connector(xserver.url_for("")) as connector:
        metrics = connector.fetch_post_metrics(["1293593516040269825", "1293595870563381249"])
    assert [m.remote_id for m in metrics] == ["1293593516040269825", "1293595870563381249"]
    assert all(m.likes is None and m.impressions is None and m.engagements is None for m in metrics)


def test_check_publication_finds_a_post_despite_tco_links(xserver: Any) -> None:
    (timeline,) = recorded("test_client_get_users_tweets.yaml")
    # The recorded page, then an empty one for the page token it ends with.
    serve(xserver, timeline, path="/2/users/2244994945/tweets", once=True)
    xserver.expect_request("/2/users/2244994945/tweets").respond_with_json(
        {"meta": {"result_count": 0}}
    )
    sent = OutboundPost(
        text="whoa, it works\n\nnow everyone can mix GIFs, videos, and images in one Tweet, "
        "available on iOS and Android",
        link="https://blog.example/mixed-media",
        idempotency_key="k",
    )
    with make_connector(xserver.url_for("")) as connector:
        found = connector.check_publication(sent)
        assert found is not None and found.remote_id == "1577730467436138524"
        assert xserver.log[1][0].args["pagination_token"].startswith("7140dib")
        missing = OutboundPost(text="never posted", idempotency_key="k2")
        assert connector.check_publication(missing) is None


def test_direct_message_replies(xserver: Any) -> None:
    with_user, in_conversation, *_ = recorded("test_manage_and_lookup_direct_messages.yaml")
    serve(xserver, with_user)
    serve(xserver, in_conversation)
    with make_connector(xserver.url_for("")) as connector:
        by_author = connector.reply(
            ReplyTarget(
                remote_id="1", kind=MessageKind.DIRECT, author_remote_id="750362064426721281"
            ),
            "Testing 1",
            idempotency_key="a",
        )
        by_conversation = connector.reply(
            ReplyTarget(
                remote_id="1",
                kind=MessageKind.DIRECT,
                conversation_remote_id="750362064426721281-1072250532645998596",
            ),
            "Testing 2",
            idempotency_key="b",
        )
    assert by_author.remote_id == "1585800613253812228"
    assert by_conversation.remote_id == "1585800613752881156"


def test_recorded_dm_pages(xserver: Any) -> None:
    interactions = recorded("test_manage_and_lookup_direct_messages.yaml")
    empty = next(i for i in interactions if i["path"] == "/2/dm_events")
    events = next(
        i
        for i in interactions
        if i["path"].endswith("/dm_events") and "conversations/7503" in i["path"]
    )
    serve(xserver, empty)
    dm_phase = InboxCursor(p="d", ms="1", ds="1585800613253812220").dump()
    with make_connector(xserver.url_for("")) as connector:
        page = connector.fetch_inbound(dm_phase)
        assert page.messages == [] and not page.has_more
        assert InboxCursor.parse(page.next_cursor).p == "m"
        # Recorded without the sender expansion: a page that cannot say who wrote is
        # refused whole, so the stored cursor stays where it was.
        xserver.clear()
        serve(xserver, events, path="/2/dm_events")
        with pytest.raises(RetryableError, match="sender_id"):
            connector.fetch_inbound(dm_phase)


def test_recorded_mentions_page(xserver: Any) -> None:
    (mentions,) = recorded("test_client_get_users_mentions.yaml")
    import json

    body = json.loads(mentions["body"])
    # What expansions=author_id adds to the same answer: the author on each post and
    # the authors in includes.users.
    for n, tweet in enumerate(body["data"]):
        tweet["author_id"] = str(1000 + n)
    body["includes"] = {
        "users": [
            {"id": str(1000 + n), "username": f"user{n}", "name": "N"}
            for n in range(len(body["data"]))
        ]
    }
    xserver.expect_request("/2/users/2244994945/mentions").respond_with_response(
        Response(json.dumps(body), status=200, headers=mentions["headers"])
    )
    with make_connector(xserver.url_for("")) as connector:
        page = connector.fetch_inbound(None)
    assert len(page.messages) == len(body["data"]) and page.has_more  # direct messages next
    first = page.messages[0]
    assert first.kind == MessageKind.MENTION and first.author.handle == "user0"
    assert first.created_at.year == 2022  # from the id itself: created_at was not asked for
    state = InboxCursor.parse(page.next_cursor)
    assert state.ms == body["meta"]["newest_id"] and state.p == "d"
