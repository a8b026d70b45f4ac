"""Comments and replies from YouTube, page by page, mapped into conversations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from civicdesk.connectors.base import MessageKind
from civicdesk.connectors.youtube.connector import YouTubeConnector

from .conftest import Peer
from .fake import CHANNEL_ID, comment


def reply(reply_id: str, parent: str, text: str, published: str, author: str = "UCviewer2") -> dict:
    return comment(
        reply_id,
        text,
        author=author,
        name="@other",
        published=published,
        video="vid1",
        parent=parent,
    )


def drain(api: YouTubeConnector, cursor: str | None, limit: int = 2) -> tuple[list, str | None]:
    """Fetch until the scan ends, storing the cursor after each page like the ingest does."""
    seen = []
    for _ in range(20):
        page = api.fetch_inbound(cursor, limit=limit)
        seen.extend(page.messages)
        if page.next_cursor is not None:
            cursor = page.next_cursor
        if not page.has_more:
            break
    return seen, cursor


def test_threads_map_to_conversations(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.add_thread(
        "t1",
        "Is the bridge open?",
        published="2026-11-20T08:00:00Z",
        replies=[reply("t1.r1", "t1", "It was yesterday.", "2026-11-20T08:05:00Z")],
    )
    page = connector.fetch_inbound(None, limit=50)
    assert not page.has_more
    top, answer = page.messages
    assert top.remote_id == "t1" and top.kind == MessageKind.COMMENT
    assert top.text == "Is the bridge open?"
    assert top.author.remote_id == "UCviewer1" and top.author.handle == "@viewer"
    assert top.created_at == datetime(2026, 11, 20, 8, tzinfo=UTC)
    assert top.conversation_remote_id == "t1" and top.root_post_remote_id == "vid1"
    assert top.in_reply_to_remote_id == "vid1"
    assert top.url == "https://www.youtube.com/watch?v=vid1&lc=t1"
    assert answer.kind == MessageKind.REPLY and answer.in_reply_to_remote_id == "t1"
    assert answer.conversation_remote_id == "t1"
    thread_call = youtube.fake.calls[0]
    assert thread_call[0] == "youtube.commentThreads.list"
    assert thread_call[1]["order"] == ["time"] and thread_call[1]["textFormat"] == ["plainText"]


def test_long_reply_chains_are_fetched_with_comments_list(
    youtube: Peer, connector: YouTubeConnector
) -> None:
    replies = [
        reply(f"t1.r{n}", "t1", f"reply {n}", f"2026-11-20T09:{n:02d}:00Z") for n in range(7)
    ]
    youtube.fake.add_thread(
        "t1", "Why?", published="2026-11-20T08:00:00Z", replies=replies, shown_replies=5
    )
    messages = connector.fetch_inbound(None).messages
    assert [m.remote_id for m in messages] == ["t1"] + [f"t1.r{n}" for n in range(7)]
    assert (
        "youtube.comments.list",
        {
            "part": ["snippet"],
            "parentId": ["t1"],
            "maxResults": ["100"],
            "textFormat": ["plainText"],
        },
    ) in youtube.fake.calls


def test_paging_then_only_new_comments(youtube: Peer, connector: YouTubeConnector) -> None:
    for n in range(5):
        youtube.fake.add_thread(f"t{n}", f"question {n}", published=f"2026-11-20T0{n}:00:00Z")
    first, cursor = drain(connector, None, limit=2)
    assert sorted(m.remote_id for m in first) == [f"t{n}" for n in range(5)]
    assert json.loads(cursor or "{}")["w"].startswith("2026-11-20T04:00")
    calls = [c for c in youtube.fake.calls if c[0] == "youtube.commentThreads.list"]
    assert [c[1].get("pageToken") for c in calls] == [None, ["p2"], ["p4"]]

    # Nothing new: the cursor stays.
    page = connector.fetch_inbound(cursor, limit=2)
    assert page.messages == [] or {m.remote_id for m in page.messages} <= {"t3", "t4"}
    assert not page.has_more

    youtube.fake.add_thread("t9", "new one", published="2026-11-20T10:00:00Z")
    youtube.fake.add_thread(
        "t8",
        "another",
        published="2026-11-20T09:00:00Z",
        replies=[reply("t8.r1", "t8", "me too", "2026-11-20T09:30:00Z")],
    )
    calls_before = len(youtube.fake.calls)
    later, cursor2 = drain(connector, cursor, limit=2)
    assert {"t9", "t8", "t8.r1"} <= {m.remote_id for m in later}
    # The scan stopped once it reached comments older than the last one: no full rescan.
    assert len(youtube.fake.calls) - calls_before <= 2
    assert json.loads(cursor2 or "{}")["w"].startswith("2026-11-20T10:00")


def test_own_replies_are_not_inbox_items(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.add_thread(
        "t1",
        "Hello",
        published="2026-11-20T08:00:00Z",
        replies=[
            reply("t1.r1", "t1", "Hello from the team", "2026-11-20T08:01:00Z", author=CHANNEL_ID)
        ],
    )
    assert [m.remote_id for m in connector.fetch_inbound(None).messages] == ["t1"]


def test_a_stale_page_token_restarts_the_scan(youtube: Peer, connector: YouTubeConnector) -> None:
    for n in range(3):
        youtube.fake.add_thread(f"t{n}", f"q{n}", published=f"2026-11-20T0{n}:00:00Z")
    page = connector.fetch_inbound(None, limit=2)
    assert page.has_more and page.next_cursor
    youtube.fake.stale_tokens.add("p2")
    again = connector.fetch_inbound(page.next_cursor, limit=2)
    assert {m.remote_id for m in again.messages} == {"t2", "t1"}
