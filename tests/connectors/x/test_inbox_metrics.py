"""Inbox paging and mapping, and metrics mapping, against a local fake of X's v2 answers.

The answers follow X's documented shapes (docs.x.com data dictionary): ids as strings,
``meta.next_token`` for the next page, authors in ``includes.users``.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug import Request, Response

from civicdesk.connectors.base import MessageKind, UnsupportedError
from civicdesk.connectors.x.inbox import InboxCursor

from .conftest import make_connector

OWN = "2244994945"
SEEN_MENTION = "1880000000000000000"
SEEN_DM = "1880000000000000500"


def user(uid: str, name: str, followers: int = 12) -> dict[str, Any]:
    return {
        "id": uid,
        "username": name,
        "name": name.title(),
        "public_metrics": {
            "followers_count": followers,
            "following_count": 1,
            "tweet_count": 3,
            "listed_count": 0,
        },
    }


def tweet(
    tid: str, author: str, text: str, *, conversation: str = "", to_user: str = "", parent: str = ""
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": tid,
        "text": text,
        "author_id": author,
        "created_at": "2025-05-01T10:00:00.000Z",
        "conversation_id": conversation or tid,
        "edit_history_tweet_ids": [tid],
    }
    if parent:
        data["in_reply_to_user_id"] = to_user
        data["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
    return data


class FakeInbox:
    def __init__(self) -> None:
        self.mention_calls: list[dict[str, str]] = []
        self.dm_calls: list[dict[str, str]] = []
        self.dm_status = 200

    def mentions(self, request: Request) -> Response:
        args = dict(request.args)
        self.mention_calls.append(args)
        assert args["expansions"] == "author_id"
        if args["since_id"] != SEEN_MENTION:
            return Response_json({"meta": {"result_count": 0}})  # nothing newer
        users = {"includes": {"users": [user("11", "marie"), user("12", "omar")]}}
        if "pagination_token" not in args:
            body = {
                "data": [
                    tweet("1880000000000000103", "11", "@roadwatch is Route 9 open?"),
                    tweet(
                        "1880000000000000102",
                        "12",
                        "@roadwatch @marie yes since noon",
                        conversation="1880000000000000050",
                        to_user="11",
                        parent="1880000000000000090",
                    ),
                ],
                "meta": {
                    "result_count": 2,
                    "newest_id": "1880000000000000103",
                    "next_token": "b26v89c19zqg8o3fpzbkk",
                },
            } | users
        else:
            assert args["pagination_token"] == "b26v89c19zqg8o3fpzbkk"
            body = {
                "data": [
                    tweet(
                        "1880000000000000101",
                        "11",
                        "@roadwatch thanks!",
                        conversation="1880000000000000050",
                        to_user=OWN,
                        parent="1880000000000000050",
                    ),
                    tweet(
                        "1880000000000000100",
                        OWN,
                        "@roadwatch our own reply, skipped",
                        conversation="1880000000000000050",
                        to_user="11",
                        parent="1880000000000000101",
                    ),
                ],
                "meta": {"result_count": 2, "newest_id": "1880000000000000101"},
            } | users
        return Response_json(body)

    def dms(self, request: Request) -> Response:
        args = dict(request.args)
        self.dm_calls.append(args)
        if self.dm_status != 200:
            return Response_json(
                {
                    "title": "Client Forbidden",
                    "reason": "client-not-enrolled",
                    "type": "https://api.twitter.com/2/problems/client-forbidden",
                    "detail": "no access",
                },
                status=self.dm_status,
            )
        assert args["event_types"] == "MessageCreate" and args["expansions"] == "sender_id"
        users = {"includes": {"users": [user("11", "marie"), user(OWN, "roadwatch")]}}
        conv = f"11-{OWN}"

        def event(eid: str, sender: str, text: str) -> dict[str, Any]:
            return {
                "id": eid,
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": sender,
                "dm_conversation_id": conv,
                "created_at": "2025-05-01T11:00:00.000Z",
            }

        if "pagination_token" not in args:
            body = {
                "data": [
                    event("1880000000000000603", "11", "Are you there?"),
                    event("1880000000000000602", OWN, "Yes, how can we help?"),
                ],
                "meta": {"result_count": 2, "next_token": "18LAA5G1SL0NR5OG0G00ZZZZ"},
            }
        else:
            body = {
                "data": [
                    event("1880000000000000601", "11", "My street flooded"),
                    event(SEEN_DM, "11", "already stored"),
                ],
                "meta": {"result_count": 2, "next_token": "18LAA5G1SL0NR5OG0G01ZZZZ"},
            }
        return Response_json(body | users)


def Response_json(body: Any, status: int = 200) -> Response:  # noqa: N802
    import json

    return Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
        headers={
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "440",
            "x-rate-limit-reset": "9999999999",
        },
    )


@pytest.fixture
def fake(xserver: Any) -> FakeInbox:
    fake = FakeInbox()
    xserver.expect_request(f"/2/users/{OWN}/mentions").respond_with_handler(fake.mentions)
    xserver.expect_request("/2/dm_events").respond_with_handler(fake.dms)
    return fake


def walk(connector: Any, cursor: str) -> tuple[list[Any], list[str]]:
    """Read pages as the ingest loop does, keeping every cursor it would store."""
    messages, cursors = [], []
    for _ in range(10):
        page = connector.fetch_inbound(cursor, limit=50)
        messages += page.messages
        if page.next_cursor is not None:
            cursor = page.next_cursor
            cursors.append(cursor)
        if not page.has_more:
            break
    return messages, cursors


def test_one_run_reads_mentions_then_direct_messages(xserver: Any, fake: FakeInbox) -> None:
    start = InboxCursor(ms=SEEN_MENTION, ds=SEEN_DM).dump()
    with make_connector(xserver.url_for("")) as connector:
        messages, cursors = walk(connector, start)
    by_id = {m.remote_id: m for m in messages}
    assert list(by_id) == [
        "1880000000000000103",
        "1880000000000000102",
        "1880000000000000101",
        "1880000000000000603",
        "1880000000000000601",
    ]  # ours left out
    mention, reply, comment = (
        by_id[i] for i in ("1880000000000000103", "1880000000000000102", "1880000000000000101")
    )
    assert mention.kind == MessageKind.MENTION
    assert reply.kind == MessageKind.REPLY and reply.in_reply_to_remote_id
    assert comment.kind == MessageKind.COMMENT
    assert comment.root_post_remote_id == "1880000000000000050"
    assert reply.conversation_remote_id == comment.conversation_remote_id == "1880000000000000050"
    assert mention.author.handle == "marie" and mention.author.followers == 12
    assert mention.url == "https://x.com/marie/status/1880000000000000103"
    dm = by_id["1880000000000000603"]
    assert dm.kind == MessageKind.DIRECT and dm.conversation_remote_id == f"11-{OWN}"
    # Mid-walk cursors keep the old since_id until the walk ends, then move to the newest.
    middle = InboxCursor.parse(cursors[0])
    assert middle.ms == SEEN_MENTION and middle.mt and middle.mn == "1880000000000000103"
    final = InboxCursor.parse(cursors[-1])
    assert (final.p, final.ms, final.ds, final.mt, final.dt) == (
        "m",
        "1880000000000000103",
        "1880000000000000603",
        "",
        "",
    )
    assert len(fake.dm_calls) == 2  # stopped at the first event already seen


def test_refused_direct_messages_do_not_starve_mentions(xserver: Any, fake: FakeInbox) -> None:
    fake.dm_status = 403
    start = InboxCursor(ms=SEEN_MENTION, ds=SEEN_DM).dump()
    with make_connector(xserver.url_for("")) as connector:
        messages, cursors = walk(connector, start)
        assert len(messages) == 3 and len(fake.dm_calls) == 1
        paused = InboxCursor.parse(cursors[-1])
        assert paused.p == "m" and paused.dx > 0
        page = connector.fetch_inbound(cursors[-1])  # next run: mentions only
    assert not page.has_more and len(fake.dm_calls) == 1


def test_first_read_takes_the_newest_page_only(xserver: Any) -> None:
    xserver.expect_request(f"/2/users/{OWN}/mentions").respond_with_json(
        {
            "data": [tweet("1880000000000000103", "11", "@roadwatch hello")],
            "includes": {"users": [user("11", "marie")]},
            "meta": {"result_count": 1, "next_token": "older"},
        }
    )
    xserver.expect_request("/2/dm_events").respond_with_json({"meta": {"result_count": 0}})
    with make_connector(xserver.url_for("")) as connector:
        messages, cursors = walk(connector, "")
    assert len(messages) == 1
    assert "since_id" not in xserver.log[0][0].args
    assert all("pagination_token" not in r.args for r, _ in xserver.log)
    assert InboxCursor.parse(cursors[-1]).ms == "1880000000000000103"


def test_an_unreadable_cursor_starts_over_safely() -> None:
    assert InboxCursor.parse("{not json") == InboxCursor()
    assert InboxCursor.parse('{"p": "z"}') == InboxCursor()
    assert InboxCursor.parse(InboxCursor(ms="5", dx=7).dump()) == InboxCursor(ms="5", dx=7)


def test_mentions_refused_for_the_tier_are_unsupported(xserver: Any) -> None:
    xserver.expect_request(f"/2/users/{OWN}/mentions").respond_with_json(
        {
            "title": "Forbidden",
            "detail": "You are not permitted to perform this action.",
            "type": "about:blank",
        },
        status=403,
    )
    with make_connector(xserver.url_for("")) as connector:
        with pytest.raises(UnsupportedError, match="paid tier"):
            connector.fetch_inbound(None)


# Metrics


def test_post_metrics_mapping(xserver: Any) -> None:
    public = {
        "retweet_count": 4,
        "reply_count": 2,
        "like_count": 30,
        "quote_count": 1,
        "bookmark_count": 0,
        "impression_count": 900,
    }
    xserver.expect_request("/2/tweets").respond_with_json(
        {
            "data": [
                {
                    "id": "1880000000000000001",
                    "text": "a",
                    "public_metrics": public,
                    "non_public_metrics": {
                        "impression_count": 950,
                        "url_link_clicks": 17,
                        "user_profile_clicks": 3,
                    },
                },
                {
                    "id": "1880000000000000002",
                    "text": "b",
                    "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 5},
                },
            ],
            "errors": [
                {
                    "resource_id": "1880000000000000003",
                    "resource_type": "tweet",
                    "title": "Not Found Error",
                    "detail": "Could not find tweet",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ],
        }
    )
    with make_connector(xserver.url_for("")) as connector:
        own, other = connector.fetch_post_metrics(
            ["1880000000000000001", "1880000000000000002", "1880000000000000003"]
        )
    args = xserver.log[0][0].args
    assert args["ids"].count(",") == 2
    assert "non_public_metrics" in args["tweet.fields"]
    assert (own.impressions, own.likes, own.reposts, own.replies, own.clicks, own.engagements) == (
        950,
        30,
        4,
        2,
        17,
        37,
    )
    # Not reported is None: no impressions, no quotes (so no engagement sum), no clicks.
    assert (other.impressions, other.clicks, other.engagements, other.likes) == (
        None,
        None,
        None,
        5,
    )
    assert own.reach is None and own.video_views is None


def test_private_metrics_refused_falls_back_to_public(xserver: Any) -> None:
    xserver.expect_oneshot_request("/2/tweets").respond_with_json(
        {"title": "Forbidden", "detail": "field-unauthorized"}, status=403
    )
    xserver.expect_request("/2/tweets").respond_with_json(
        {
            "data": [
                {
                    "id": "1880000000000000001",
                    "text": "a",
                    "public_metrics": {"repost_count": 7, "like_count": 1},
                }
            ]
        }
    )
    with make_connector(xserver.url_for("")) as connector:
        (metrics,) = connector.fetch_post_metrics(["1880000000000000001"])
    assert xserver.log[1][0].args["tweet.fields"] == "public_metrics"
    assert metrics.reposts == 7 and metrics.impressions is None


def test_account_metrics_mapping(xserver: Any) -> None:
    xserver.expect_request("/2/users/me").respond_with_json(
        {
            "data": {
                "id": OWN,
                "username": "roadwatch",
                "name": "Road Watch",
                "public_metrics": {
                    "followers_count": 5100,
                    "following_count": 80,
                    "tweet_count": 4000,
                    "listed_count": 9,
                },
            }
        }
    )
    with make_connector(xserver.url_for("")) as connector:
        metrics = connector.fetch_account_metrics()
    assert xserver.log[0][0].args["user.fields"] == "public_metrics"
    assert (metrics.followers, metrics.following, metrics.posts) == (5100, 80, 4000)
    assert metrics.impressions is None and metrics.reach is None
