"""Threads against the fake server: publish (with threads), check, delete, inbox, metrics."""

from __future__ import annotations

import pytest

from civicdesk.connectors.base import (
    MessageKind,
    OutboundPost,
    RejectedError,
    ReplyTarget,
    UnsupportedError,
)

from .conftest import JPEG, th_connector
from .fakes import FakeGraph, ThreadsFake


def test_publish_text_two_steps_token_in_query(graph: FakeGraph, threads: ThreadsFake) -> None:
    result = th_connector(graph, threads).publish(
        OutboundPost(text="Ferry delayed.", idempotency_key="k")
    )
    create = graph.made("POST", f"/{threads.USER}/threads")[0]
    assert create.form == {"media_type": "TEXT", "text": "Ferry delayed."}
    assert create.args["access_token"] == threads.TOKEN
    assert result.remote_id == threads.posts[0]["id"]
    assert result.url.startswith("https://www.threads.net/")


def test_publish_a_thread_as_replies(graph: FakeGraph, threads: ThreadsFake) -> None:
    result = th_connector(graph, threads).publish(
        OutboundPost(
            text="1/3 Storm update.", idempotency_key="k", thread=("2/3 Roads.", "3/3 Ferries.")
        )
    )
    assert len(result.thread_remote_ids) == 2
    forms = [c.form for c in graph.made("POST", f"/{threads.USER}/threads")]
    assert forms[1]["reply_to_id"] == result.remote_id
    assert forms[2]["reply_to_id"] == result.thread_remote_ids[0]


def test_a_later_update_answers_our_first_post(graph: FakeGraph, threads: ThreadsFake) -> None:
    connector = th_connector(graph, threads)
    first = connector.publish(OutboundPost(text="Update 1: bridge closed.", idempotency_key="a"))
    connector.publish(
        OutboundPost(text="Update 2: still closed.", idempotency_key="b", reply_to=first.remote_id)
    )
    forms = [c.form for c in graph.made("POST", f"/{threads.USER}/threads")]
    assert "reply_to_id" not in forms[0]
    assert forms[1]["reply_to_id"] == first.remote_id


def test_publish_image_with_alt_text(graph: FakeGraph, threads: ThreadsFake) -> None:
    th_connector(graph, threads).publish(
        OutboundPost(text="Bridge.", idempotency_key="k", media=(JPEG,))
    )
    form = graph.made("POST", f"/{threads.USER}/threads")[0].form
    assert form["media_type"] == "IMAGE" and form["alt_text"] == JPEG.alt_text
    assert form["image_url"].startswith("https://")


def test_text_limit_500(graph: FakeGraph, threads: ThreadsFake) -> None:
    with pytest.raises(RejectedError, match="500"):
        th_connector(graph, threads).publish(OutboundPost(text="x" * 501, idempotency_key="k"))
    assert not graph.calls


def test_check_and_delete(graph: FakeGraph, threads: ThreadsFake) -> None:
    connector = th_connector(graph, threads)
    post = OutboundPost(text="Find me.", idempotency_key="k")
    assert connector.check_publication(post) is None
    result = connector.publish(post)
    found = connector.check_publication(post)
    assert found is not None and found.remote_id == result.remote_id
    connector.delete(result.remote_id)
    assert threads.deleted == [result.remote_id]


def test_inbox_replies_and_mentions(graph: FakeGraph, threads: ThreadsFake) -> None:
    connector = th_connector(graph, threads)
    root = connector.publish(OutboundPost(text="Ask us.", idempotency_key="k"))
    page = connector.fetch_inbound(None)
    by_kind = {m.kind: m for m in page.messages}
    reply = by_kind[MessageKind.COMMENT]
    assert reply.root_post_remote_id == root.remote_id == reply.conversation_remote_id
    assert reply.author.handle == "marie_t"
    assert by_kind[MessageKind.MENTION].author.handle == "pat"
    again = connector.fetch_inbound(page.next_cursor)
    assert {m.remote_id for m in again.messages} <= {m.remote_id for m in page.messages}


def test_mentions_without_permission_do_not_stop_the_inbox(
    graph: FakeGraph, threads: ThreadsFake
) -> None:
    from .fakes import graph_error

    graph.fault("GET", f"/{threads.USER}/mentions", graph_error(10, "no permission"))
    connector = th_connector(graph, threads)
    connector.publish(OutboundPost(text="Ask us.", idempotency_key="k"))
    page = connector.fetch_inbound(None)
    assert [m.kind for m in page.messages] == [MessageKind.COMMENT]


def test_reply_hide_and_no_dms(graph: FakeGraph, threads: ThreadsFake) -> None:
    connector = th_connector(graph, threads)
    connector.reply(
        ReplyTarget(remote_id="18000000000000001", kind=MessageKind.COMMENT),
        "Tomorrow at 6.",
        idempotency_key="r",
    )
    assert (
        graph.made("POST", f"/{threads.USER}/threads")[0].form["reply_to_id"] == "18000000000000001"
    )
    connector.hide("18000000000000001")
    assert threads.hidden == {"18000000000000001": True}
    with pytest.raises(UnsupportedError, match="private messages"):
        connector.reply(
            ReplyTarget(remote_id="x", kind=MessageKind.DIRECT), "hi", idempotency_key="r2"
        )


def test_metrics(graph: FakeGraph, threads: ThreadsFake) -> None:
    connector = th_connector(graph, threads)
    [m] = connector.fetch_post_metrics(["18000000000000002"])
    assert (m.impressions, m.likes, m.replies, m.reposts) == (120, 7, 2, 1)
    assert m.reach is None and m.engagements is None
    account = connector.fetch_account_metrics()
    assert (account.followers, account.impressions) == (880, 25)
    assert account.reach is None
