"""The connector against answers a real Mastodon instance gave (Mastodon.py recordings)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors.base import (
    MediaItem,
    MessageKind,
    OutboundPost,
    RejectedError,
    ReplyTarget,
)
from civicdesk.connectors.mastodon import connector as module

from .conftest import cassette, connector_at, recorded_json, replay

POSTER = "117020565966271181"  # the recordings' test account


def test_publish_reads_a_real_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    replay(httpserver, "test_status_post_None-public_.yaml", skip=("DELETE",))
    result = connector_at(httpserver).publish(OutboundPost(text="Toot!", idempotency_key="k"))
    assert result.remote_id == "117020585924712638"
    assert result.url.startswith("http://localhost:3000/")
    assert result.published_at is not None and result.published_at.year == 2026


def test_media_accepted_then_processed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    replay(httpserver, "test_media_post_True_.yaml")
    result = connector_at(httpserver).publish(
        OutboundPost(
            text="Video.",
            idempotency_key="k",
            media=(MediaItem("clip.mp4", "video/mp4", b"mp4", alt_text="A clip"),),
        )
    )
    assert result.remote_id == "117020576440066974"
    paths = [r.path for r, _ in httpserver.log]
    assert paths.index("/api/v1/media/117020575776246986") < paths.index("/api/v1/statuses")


def test_instance_limits_from_a_real_instance(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        recorded_json("test_instance.yaml", "GET", "/api/v2/instance/")
    )
    rules = connector_at(httpserver).instance_rules()
    assert rules.max_length >= 500
    assert rules.url_length == 23


def test_mentions_from_real_notifications(httpserver: HTTPServer) -> None:
    notifications = recorded_json("test_notifications.yaml", "GET", "/api/v1/notifications")
    status = notifications[0]["status"]
    httpserver.expect_request("/api/v1/notifications").respond_with_json(notifications)
    connector = connector_at(httpserver, account_id=status["account"]["id"] + "0")
    page = connector.fetch_inbound(None)
    assert page.next_cursor == notifications[0]["id"]
    message = page.messages[0]
    assert message.remote_id == status["id"]
    assert message.kind == MessageKind.MENTION
    assert message.author.handle == status["account"]["acct"]
    assert "<" not in message.text and message.text
    assert message.conversation_remote_id == status["id"]
    request = httpserver.log[0][0]
    assert request.args.getlist("types[]") == ["mention"]
    assert request.args["min_id"] == "0"


def test_a_direct_message_from_a_real_conversation(httpserver: HTTPServer) -> None:
    conversations = recorded_json("test_conversations.yaml", "GET", "/api/v1/conversations/")
    status = conversations[0]["last_status"]
    assert status["visibility"] == "direct"
    httpserver.expect_request("/api/v1/notifications").respond_with_json(
        [
            {
                "id": "31",
                "type": "mention",
                "created_at": status["created_at"],
                "account": status["account"],
                "status": status,
            }
        ]
    )
    page = connector_at(httpserver, account_id="1").fetch_inbound("30")
    assert page.messages[0].kind == MessageKind.DIRECT
    assert page.next_cursor == "31"


def test_check_pages_through_real_account_statuses(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "CHECK_LOOKBACK", timedelta(days=3650))
    monkeypatch.setattr(module, "STATUS_PAGE", 5)
    replay(
        httpserver,
        "test_fetch_next_previous.yaml",
        skip=("min_id", "verify_credentials", "POST", "DELETE"),
    )
    found = connector_at(httpserver, account_id=POSTER).check_publication(
        OutboundPost(text="Toot number 2!", idempotency_key="k")
    )
    assert found is not None and found.remote_id == "117020580467310235"
    pages = [r for r, _ in httpserver.log if r.path.endswith("/statuses")]
    # The second page is asked for where the instance's Link header said.
    assert pages[1].args["max_id"] == "117020580489281910"


def test_reply_mentions_the_author(httpserver: HTTPServer) -> None:
    original = recorded_json("test_status_reply.yaml", "POST", "/api/v1/statuses", 0)
    reply = recorded_json("test_status_reply.yaml", "POST", "/api/v1/statuses", 1)
    httpserver.expect_request(f"/api/v1/statuses/{original['id']}").respond_with_json(original)
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(reply)
    result = connector_at(httpserver, account_id="1").reply(
        ReplyTarget(remote_id=original["id"], kind=MessageKind.MENTION),
        "Thanks!",
        idempotency_key="r1",
    )
    assert result.remote_id == reply["id"]
    sent = next(r for r, _ in httpserver.log if r.method == "POST").get_json()
    assert sent["status"].startswith(f"@{original['account']['acct']} ")
    assert sent["in_reply_to_id"] == original["id"]
    assert sent["visibility"] == original["visibility"]


def test_real_refusals(httpserver: HTTPServer) -> None:
    interactions = cassette("test_status_delete_media.yaml")
    refused = next(i for i in interactions if i["response"]["status"]["code"] == 422)
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        refused["response"]["body"]["string"], status=422, content_type="application/json"
    )
    with pytest.raises(RejectedError) as caught:
        connector_at(httpserver).publish(OutboundPost(text="x", idempotency_key="k"))
    assert caught.value.status == 422 and "117020606032533890" in caught.value.message
