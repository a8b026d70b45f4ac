"""Listening on X: recent search for a keyword, a hashtag or an account, against a local fake
of X's v2 answers (ids as strings, authors in ``includes.users``, ``meta.next_token``)."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.connectors.base import (
    Capability,
    FollowKind,
    ListenQuery,
    MessageKind,
    RejectedError,
    UnsupportedError,
)
from civicdesk.connectors.x.connector import XConnector
from civicdesk.connectors.x.listening import search_query

from .conftest import make_connector
from .test_inbox_metrics import tweet, user

SEARCH = "/2/tweets/search/recent"


def test_queries_name_what_is_followed_and_leave_out_reposts() -> None:
    assert search_query(ListenQuery(FollowKind.HASHTAG, "#BridgeClosure")) == (
        "#BridgeClosure -is:retweet"
    )
    assert search_query(ListenQuery(FollowKind.ACCOUNT, "@CityOfOttawa")) == (
        "from:CityOfOttawa -is:retweet"
    )
    assert search_query(ListenQuery(FollowKind.KEYWORD, "boil water")) == (
        '"boil water" -is:retweet'
    )
    # A keyword cannot smuggle search operators or quotes into the query.
    assert search_query(ListenQuery(FollowKind.KEYWORD, 'flood" OR (from:x)')) == (
        '"flood OR from x" -is:retweet'
    )
    for bad in (
        ListenQuery(FollowKind.ACCOUNT, "no spaces allowed"),
        ListenQuery(FollowKind.HASHTAG, "two words"),
        ListenQuery(FollowKind.KEYWORD, '"()"'),
    ):
        with pytest.raises(RejectedError):
            search_query(bad)


def test_first_read_takes_the_newest_page_then_pages_back_to_the_cursor(xserver: Any) -> None:
    users = {"includes": {"users": [user("11", "marie", 40), user("12", "paul")]}}
    xserver.expect_ordered_request(SEARCH).respond_with_json(
        {
            "data": [
                tweet("1880000000000000105", "11", "#flood at the bridge"),
                tweet("1880000000000000104", "12", "#flood rising"),
            ],
            **users,
            "meta": {"result_count": 2, "next_token": "older"},
        }
    )
    # Two pages newer than the cursor: both read, oldest first.
    xserver.expect_ordered_request(SEARCH).respond_with_json(
        {
            "data": [tweet("1880000000000000110", "12", "#flood water on Main St")],
            **users,
            "meta": {"result_count": 1, "next_token": "page2"},
        }
    )
    xserver.expect_ordered_request(SEARCH).respond_with_json(
        {
            "data": [
                tweet(
                    "1880000000000000107",
                    "11",
                    "@paul same here #flood",
                    to_user="12",
                    parent="1880000000000000104",
                )
            ],
            **users,
            "meta": {"result_count": 1},
        }
    )
    query = ListenQuery(FollowKind.HASHTAG, "flood")
    with make_connector(xserver.url_for("")) as connector:
        first = connector.fetch_listening(query, None, limit=50)
        later = connector.fetch_listening(query, first.next_cursor, limit=50)
    assert [m.remote_id for m in first.messages] == ["1880000000000000104", "1880000000000000105"]
    assert first.next_cursor == "1880000000000000105"
    assert first.messages[1].author.followers == 40
    asked = [request.args for request, _ in xserver.log]
    assert asked[0]["query"] == "#flood -is:retweet" and "since_id" not in asked[0]
    assert "pagination_token" not in asked[0]
    assert asked[1]["since_id"] == "1880000000000000105"
    assert asked[2]["pagination_token"] == "page2"
    assert [m.remote_id for m in later.messages] == ["1880000000000000107", "1880000000000000110"]
    assert later.messages[0].kind == MessageKind.REPLY
    assert later.messages[1].kind == MessageKind.MENTION
    assert later.next_cursor == "1880000000000000110"


def test_a_malformed_answer_keeps_the_cursor(xserver: Any) -> None:
    xserver.expect_request(SEARCH).respond_with_json({"data": [{"id": "not a number"}]})
    with make_connector(xserver.url_for("")) as connector:
        with pytest.raises(Exception, match="unexpected search answer"):
            connector.fetch_listening(
                ListenQuery(FollowKind.KEYWORD, "flood"), "1880000000000000100"
            )


def test_refused_for_the_tier_says_so(xserver: Any) -> None:
    xserver.expect_request(SEARCH).respond_with_json(
        {
            "title": "Forbidden",
            "detail": "You are not permitted to perform this action.",
            "type": "about:blank",
        },
        status=403,
    )
    with make_connector(xserver.url_for("")) as connector:
        with pytest.raises(UnsupportedError):
            connector.fetch_listening(ListenQuery(FollowKind.KEYWORD, "flood"), None)


def test_a_free_tier_channel_follows_nothing_and_says_why() -> None:
    free = {"tier": "free"}
    assert Capability.LISTEN_KEYWORDS not in XConnector.channel_capabilities(free)
    assert "recent search" in XConnector.channel_limitations(free)[Capability.LISTEN_HASHTAGS]
    paid = {"tier": "basic"}
    assert Capability.LISTEN_ACCOUNTS in XConnector.channel_capabilities(paid)
    assert Capability.LISTEN_ACCOUNTS not in XConnector.channel_limitations(paid)
