"""Mentions, replies and direct messages mapped into conversations; paging; metrics."""

from __future__ import annotations

from typing import Any

from pytest_httpserver import HTTPServer

from civicdesk.connectors.base import AccountMetrics, MessageKind
from civicdesk.connectors.mastodon.connector import METRICS, MastodonConnector

from .conftest import ACCOUNT_ID, connector_at

OURS = {"id": ACCOUNT_ID, "acct": "roadwatch", "display_name": "Road Watch"}
MARIE = {"id": "301", "acct": "marie@other.social", "display_name": "Marie", "followers_count": 12}


def status(
    sid: str,
    *,
    by: dict[str, Any] = MARIE,
    parent: str | None = None,
    parent_account: str | None = None,
    visibility: str = "public",
    text: str = "Is the bridge open?",
) -> dict[str, Any]:
    return {
        "id": sid,
        "created_at": "2026-11-20T10:00:00.000Z",
        "in_reply_to_id": parent,
        "in_reply_to_account_id": parent_account,
        "visibility": visibility,
        "content": f'<p><span class="h-card">@<span>roadwatch</span></span> {text}</p>',
        "url": f"https://other.social/@marie/{sid}",
        "account": by,
    }


def mention(nid: str, st: dict[str, Any], kind: str = "mention") -> dict[str, Any]:
    return {
        "id": nid,
        "type": kind,
        "created_at": st["created_at"],
        "account": st["account"],
        "status": st,
    }


def test_comments_replies_mentions_and_dms(httpserver: HTTPServer) -> None:
    comment = status("1001", parent="900", parent_account=ACCOUNT_ID)
    deeper = status("1003", parent="1002", parent_account=ACCOUNT_ID, text="Thanks!")
    plain = status("1004", text="FYI @roadwatch")
    direct = status("1005", visibility="direct", text="My licence number is private")
    httpserver.expect_request("/api/v1/notifications").respond_with_json(
        [
            mention("55", direct),
            mention("54", plain),
            mention("53", deeper),
            mention("52", {**comment, "id": "x"}, kind="favourite"),
            mention("51", comment),
        ]
    )
    httpserver.expect_request("/api/v1/statuses/1001/context").respond_with_json(
        {"ancestors": [status("900", by=OURS)], "descendants": []}
    )
    httpserver.expect_request("/api/v1/statuses/1003/context").respond_with_json(
        {
            "ancestors": [
                status("900", by=OURS),
                status("1001", parent="900"),
                status("1002", by=OURS, parent="1001"),
            ],
            "descendants": [],
        }
    )
    page = connector_at(httpserver).fetch_inbound("50", limit=5)
    assert page.next_cursor == "55" and page.has_more
    by_id = {m.remote_id: m for m in page.messages}
    assert list(by_id) == ["1001", "1003", "1004", "1005"]  # oldest first, favourite skipped
    assert by_id["1001"].kind == MessageKind.COMMENT
    assert by_id["1001"].root_post_remote_id == "900"
    assert by_id["1003"].kind == MessageKind.REPLY
    assert by_id["1003"].conversation_remote_id == "900"
    assert by_id["1003"].in_reply_to_remote_id == "1002"
    assert by_id["1004"].kind == MessageKind.MENTION
    assert by_id["1004"].conversation_remote_id == "1004"
    assert by_id["1004"].root_post_remote_id == ""
    assert by_id["1005"].kind == MessageKind.DIRECT
    assert by_id["1004"].text == "@roadwatch FYI @roadwatch"
    assert by_id["1001"].author.handle == "marie@other.social"
    assert by_id["1001"].author.followers == 12
    assert httpserver.log[0][0].args["min_id"] == "50"


def test_an_empty_page_keeps_the_cursor(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/notifications").respond_with_json([])
    page = connector_at(httpserver).fetch_inbound("77")
    assert page.messages == [] and page.next_cursor is None and not page.has_more


def test_the_link_header_cursor_is_used(httpserver: HTTPServer) -> None:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/api/v1/notifications").respond_with_json(
        [mention("61", status("1010"))],
        headers={
            "Link": f'<{base}/api/v1/notifications?max_id=61>; rel="next", '
            f'<{base}/api/v1/notifications?min_id=64>; rel="prev"'
        },
    )
    assert connector_at(httpserver).fetch_inbound("60").next_cursor == "64"


def test_a_reply_whose_parent_vanished(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/notifications").respond_with_json(
        [mention("70", status("1020", parent="1019", parent_account=ACCOUNT_ID))]
    )
    httpserver.expect_request("/api/v1/statuses/1020/context").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    [message] = connector_at(httpserver).fetch_inbound("69").messages
    assert message.conversation_remote_id == "1019"


def test_direct_reply_is_direct_and_mentions_everyone_but_us(httpserver: HTTPServer) -> None:
    original = status("1005", visibility="direct")
    original["mentions"] = [{"id": ACCOUNT_ID, "acct": "roadwatch"}, {"id": "302", "acct": "paul"}]
    httpserver.expect_request("/api/v1/statuses/1005").respond_with_json(original)
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        status("1100", by=OURS, visibility="direct")
    )
    from civicdesk.connectors.base import ReplyTarget

    connector_at(httpserver).reply(
        ReplyTarget(remote_id="1005", kind=MessageKind.DIRECT),
        "We will call you.",
        idempotency_key="r",
    )
    sent = httpserver.log[-1][0]
    assert sent.headers["Idempotency-Key"] == "r"
    body = sent.get_json()
    assert body == {
        "status": "@marie@other.social @paul We will call you.",
        "in_reply_to_id": "1005",
        "visibility": "direct",
    }


def test_post_metrics_with_missing_counts_as_none(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/statuses").respond_with_json(
        [
            {"id": "900", "favourites_count": 4, "reblogs_count": 2, "replies_count": 1},
            {"id": "901", "favourites_count": 3},
        ]
    )
    metrics = {m.remote_id: m for m in connector_at(httpserver).fetch_post_metrics(["900", "901"])}
    assert (metrics["900"].likes, metrics["900"].reposts, metrics["900"].replies) == (4, 2, 1)
    assert metrics["900"].impressions is None and metrics["900"].reach is None
    assert metrics["901"].reposts is None and metrics["901"].replies is None
    assert httpserver.log[0][0].args.getlist("id[]") == ["900", "901"]


def test_post_metrics_on_an_instance_without_batch_lookup(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/statuses", method="GET").respond_with_json(
        {"error": "Not found"}, status=404
    )
    httpserver.expect_request("/api/v1/statuses/900").respond_with_json(
        {"id": "900", "favourites_count": 1, "reblogs_count": 0, "replies_count": 0}
    )
    httpserver.expect_request("/api/v1/statuses/901").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    metrics = connector_at(httpserver).fetch_post_metrics(["900", "901"])
    assert [(m.remote_id, m.likes, m.reposts) for m in metrics] == [("900", 1, 0)]


def test_account_metrics(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_json(
        {
            "id": ACCOUNT_ID,
            "acct": "roadwatch",
            "followers_count": 1200,
            "following_count": 8,
            "statuses_count": 310,
        }
    )
    connector = connector_at(httpserver)
    assert connector.fetch_account_metrics() == AccountMetrics(
        followers=1200, following=8, posts=310
    )
    assert connector.check_health().ok


def test_metric_table() -> None:
    assert MastodonConnector.metrics is METRICS
    assert not METRICS.reports("impressions")
    assert METRICS.names["likes"] == "favourites_count"
