"""Facebook Pages against the fake Graph server: publish, check, delete, inbox, metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civicdesk.connectors.base import (
    Capability,
    MessageKind,
    OutboundPost,
    ReplyTarget,
    UnsupportedError,
)
from civicdesk.connectors.meta.inbox import encode_cursor

from .conftest import JPEG, fb_connector
from .fakes import FacebookFake, FakeGraph

SINCE_RECORDING = encode_cursor(datetime(2021, 7, 1, tzinfo=UTC))


def test_publish_text_with_link(graph: FakeGraph, facebook: FacebookFake) -> None:
    post = OutboundPost(
        text="Highway 1 is closed.", idempotency_key="k1", link="https://gov.example/roads"
    )
    result = fb_connector(graph, facebook).publish(post)
    assert result.remote_id == facebook.posts[0]["id"]
    call = graph.made("POST", f"/{facebook.page_id}/feed")[0]
    assert call.form == {"message": "Highway 1 is closed.", "link": "https://gov.example/roads"}
    assert call.headers["Authorization"] == "Bearer page-token"
    assert "access_token" not in call.args


def test_publish_one_photo_with_alt_text(graph: FakeGraph, facebook: FacebookFake) -> None:
    post = OutboundPost(text="Dawn on the bridge.", idempotency_key="k", media=(JPEG,))
    result = fb_connector(graph, facebook).publish(post)
    call = graph.made("POST", f"/{facebook.page_id}/photos")[0]
    assert call.form["alt_text_custom"] == JPEG.alt_text
    assert call.files["source"] == JPEG.data
    assert result.remote_id == facebook.posts[0]["id"]  # the post, not the photo


def test_publish_several_photos_in_one_post(graph: FakeGraph, facebook: FacebookFake) -> None:
    post = OutboundPost(text="Two views.", idempotency_key="k", media=(JPEG, JPEG))
    fb_connector(graph, facebook).publish(post)
    uploads = graph.made("POST", f"/{facebook.page_id}/photos")
    assert [u.form["published"] for u in uploads] == ["false", "false"]
    feed = graph.made("POST", f"/{facebook.page_id}/feed")[0].form
    assert feed["attached_media[0]"].startswith('{"media_fbid":')
    assert len(facebook.posts) == 1


def test_threads_and_video_are_refused_plainly(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    with pytest.raises(UnsupportedError, match="no threads"):
        connector.publish(OutboundPost(text="a", idempotency_key="k", thread=("b",)))
    assert Capability.THREADS in connector.limitations
    assert not graph.calls


def test_check_publication_finds_our_text(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    post = OutboundPost(text="Ferry schedule changed.", idempotency_key="k")
    assert connector.check_publication(post) is None
    published = connector.publish(post)
    found = connector.check_publication(post)
    assert found is not None and found.remote_id == published.remote_id


def test_delete(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    result = connector.publish(OutboundPost(text="Oops.", idempotency_key="k"))
    connector.delete(result.remote_id)
    assert facebook.posts == []


def test_inbox_reads_recorded_comments_and_messenger(
    graph: FakeGraph, facebook: FacebookFake
) -> None:
    page = fb_connector(graph, facebook).fetch_inbound(SINCE_RECORDING, limit=100)
    comments = [m for m in page.messages if m.kind in (MessageKind.COMMENT, MessageKind.REPLY)]
    assert len(comments) == 15  # both recorded pages, followed through paging.next
    reply = next(m for m in comments if m.kind == MessageKind.REPLY)
    assert reply.conversation_remote_id == reply.in_reply_to_remote_id
    assert reply.root_post_remote_id == FacebookFake.RECORDED_POST
    assert comments[0].author.handle == "Facebook user"  # the recording withholds "from"
    direct = [m for m in page.messages if m.kind == MessageKind.DIRECT]
    assert direct and {m.conversation_remote_id for m in direct} == {"t_587956915396498"}
    assert direct[0].author.display_name == "Kun Liu"
    assert page.messages == sorted(page.messages, key=lambda m: m.created_at)
    assert page.next_cursor == encode_cursor(page.messages[-1].created_at)
    assert not page.has_more
    asked = graph.made("GET", r"/[\d_]+/comments")[0].args
    assert asked["filter"] == "stream" and asked["since"].isdigit()


def test_inbox_pages_by_time_without_losing_any(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    seen: dict[str, object] = {}
    cursor: str | None = SINCE_RECORDING
    for _ in range(20):
        page = connector.fetch_inbound(cursor, limit=4)
        seen.update({m.remote_id: m for m in page.messages})
        cursor = page.next_cursor or cursor
        if not page.has_more:
            break
    full = connector.fetch_inbound(SINCE_RECORDING, limit=100)
    assert set(seen) == {m.remote_id for m in full.messages}


def test_reply_to_comment_reply_and_direct(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    connector.reply(
        ReplyTarget(remote_id="1_2", kind=MessageKind.COMMENT), "Thanks!", idempotency_key="r1"
    )
    connector.reply(
        ReplyTarget(remote_id="1_3", kind=MessageKind.REPLY, conversation_remote_id="1_2"),
        "Again",
        idempotency_key="r2",
    )
    assert [c.path.split("/")[2] for c in graph.made("POST", r"/[\d_]+/comments")] == ["1_2", "1_2"]
    result = connector.reply(
        ReplyTarget(remote_id="m_1", kind=MessageKind.DIRECT, author_remote_id="2711636948859886"),
        "Hello",
        idempotency_key="r3",
    )
    assert result.remote_id == "m_new1"
    assert facebook.sent[0]["recipient"] == {"id": "2711636948859886"}
    assert facebook.sent[0]["messaging_type"] == "RESPONSE"


def test_hide_and_unhide(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    connector.hide("10158407654328553_10158408043788553")
    assert facebook.hidden == {"10158407654328553_10158408043788553": True}
    connector.hide("10158407654328553_10158408043788553", hidden=False)
    assert facebook.hidden["10158407654328553_10158408043788553"] is False


def test_post_metrics_missing_is_none(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    kept = connector.publish(OutboundPost(text="Measured.", idempotency_key="k"))
    metrics = connector.fetch_post_metrics([kept.remote_id, f"{facebook.page_id}_404"])
    assert len(metrics) == 1  # the deleted post is skipped
    m = metrics[0]
    assert (m.impressions, m.reach, m.clicks, m.replies, m.reposts) == (340, 210, 12, 4, 0)
    assert m.likes is None  # the fake reports no post_reactions_like_total
    assert m.engagements is None  # post_engaged_users was retired
    assert "engagements" in connector.metrics.retired  # type: ignore[union-attr]


def test_account_metrics(graph: FakeGraph, facebook: FacebookFake) -> None:
    metrics = fb_connector(graph, facebook).fetch_account_metrics()
    assert metrics.followers == 1520
    assert metrics.impressions == 25  # the latest 28-day value, not a sum
    assert metrics.engagements is None


def test_health(graph: FakeGraph, facebook: FacebookFake) -> None:
    assert fb_connector(graph, facebook).check_health().ok
