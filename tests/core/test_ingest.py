"""Inbox ingest: the cursor advances only with the stored page; nothing lost or doubled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civicdesk.connectors.base import (
    InboundPage,
    MessageKind,
    RemoteAuthor,
    RemoteMessage,
    RetryableError,
)
from civicdesk.inbox import ingest
from civicdesk.inbox.models import Conversation, InboundMessage

from .conftest import Desk, FakeConnector


def _msg(n: int, *, kind: MessageKind = MessageKind.COMMENT, text: str = "") -> RemoteMessage:
    thread = "" if kind == MessageKind.DIRECT else "post1"
    return RemoteMessage(
        remote_id=f"m{n}",
        kind=kind,
        text=text or f"Is the bridge open? #{n}",
        author=RemoteAuthor(remote_id=f"a{n % 3}", handle=f"person{n % 3}"),
        created_at=datetime(2026, 1, 1, 12, n % 60, tzinfo=UTC),
        root_post_remote_id=thread,
        conversation_remote_id=thread,
    )


def _pages() -> list[InboundPage]:
    return [
        InboundPage([_msg(1), _msg(2)], next_cursor="1", has_more=True),
        InboundPage([_msg(3), _msg(2)], next_cursor="2", has_more=True),  # repeats m2
        InboundPage([_msg(4, kind=MessageKind.DIRECT)], next_cursor="3", has_more=False),
    ]


def test_pages_stored_once_with_cursor(desk: Desk, fake_platform: FakeConnector) -> None:
    fake_platform.pages = _pages()
    report = ingest.ingest_channel(desk.channel.pk)
    assert report.stored == 4 and report.pages == 3
    desk.channel.refresh_from_db()
    assert desk.channel.inbound_cursor == "3"
    assert Conversation.objects.filter(channel=desk.channel).count() == 2
    # A second run starts from the stored cursor and stores nothing new.
    ingest.ingest_channel(desk.channel.pk)
    assert fake_platform.cursors_asked[-1] == "3"
    assert InboundMessage.objects.count() == 4


def test_crash_mid_page_loses_and_doubles_nothing(
    desk: Desk, fake_platform: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_platform.pages = _pages()
    real = ingest._store_messages
    calls = {"n": 0}

    def crashing(channel, messages):  # noqa: ANN001, ANN202
        calls["n"] += 1
        stored = real(channel, messages)  # the rows are written...
        if calls["n"] == 2:
            raise RuntimeError("worker killed")  # ...then the process dies mid-page
        return stored

    monkeypatch.setattr(ingest, "_store_messages", crashing)
    with pytest.raises(RuntimeError):
        ingest.ingest_channel(desk.channel.pk)
    desk.channel.refresh_from_db()
    assert desk.channel.inbound_cursor == "1"  # page two was not committed
    assert set(InboundMessage.objects.values_list("remote_id", flat=True)) == {"m1", "m2"}
    ingest.ingest_channel(desk.channel.pk)
    ids = list(InboundMessage.objects.values_list("remote_id", flat=True))
    assert sorted(ids) == ["m1", "m2", "m3", "m4"]


def test_platform_error_keeps_cursor(desk: Desk, fake_platform: FakeConnector) -> None:
    fake_platform.pages = _pages()
    original = fake_platform.fetch_inbound

    def flaky(cursor, *, limit=100):  # noqa: ANN001, ANN202
        if cursor == "1":
            raise RetryableError("rate limited", status=429, retry_after=5)
        return original(cursor, limit=limit)

    fake_platform.fetch_inbound = flaky  # type: ignore[method-assign]
    report = ingest.ingest_channel(desk.channel.pk)
    assert report.stored == 2 and "rate limited" in report.error
    desk.channel.refresh_from_db()
    assert desk.channel.inbound_cursor == "1" and desk.channel.health == "degraded"


def test_hostile_text_is_stored_cleanly(desk: Desk, fake_platform: FakeConnector) -> None:
    nasty = "<script>alert(1)</script>\x00\x07 \ud800 ok " + "é" * 200_000
    fake_platform.pages = [InboundPage([_msg(9, text=nasty)], next_cursor="1")]
    ingest.ingest_channel(desk.channel.pk)
    stored = InboundMessage.objects.get()
    assert "\x00" not in stored.text and "\ud800" not in stored.text
    assert stored.text.startswith("<script>")  # kept as text; escaped when shown
    assert len(stored.text) <= 100_000
