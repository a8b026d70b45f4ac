"""Moderation on Facebook and Instagram: a Page (or business account) deletes a comment on its
own posts, once or twice; neither API lets it block anyone, and each says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civicdesk.connectors.base import (
    Capability,
    MessageKind,
    RejectedError,
    RemoteAuthor,
    UnsupportedError,
)
from civicdesk.connectors.meta.inbox import encode_cursor

from .conftest import fb_connector, ig_connector
from .fakes import FacebookFake, FakeGraph, InstagramFake, graph_error

SINCE_RECORDING = encode_cursor(datetime(2021, 7, 1, tzinfo=UTC))


def test_a_page_deletes_a_recorded_comment(graph: FakeGraph, facebook: FacebookFake) -> None:
    connector = fb_connector(graph, facebook)
    page = connector.fetch_inbound(SINCE_RECORDING, limit=100)
    comment = next(m for m in page.messages if m.kind == MessageKind.COMMENT)
    connector.delete_comment(comment.remote_id)
    assert facebook.deleted_comments == [comment.remote_id]
    assert graph.made("DELETE", rf"/{comment.remote_id}")
    connector.delete_comment(comment.remote_id)  # already gone: what was asked
    assert facebook.deleted_comments == [comment.remote_id]
    assert connector.supports(Capability.DELETE_COMMENT)


def test_a_business_account_deletes_a_recorded_comment(
    graph: FakeGraph, instagram: InstagramFake
) -> None:
    connector = ig_connector(graph, instagram)
    connector.delete_comment("17858154961981086")
    connector.delete_comment("17858154961981086")
    assert instagram.deleted_comments == ["17858154961981086"]


def test_neither_blocks_and_each_says_so(
    graph: FakeGraph, facebook: FacebookFake, instagram: InstagramFake
) -> None:
    author = RemoteAuthor(remote_id="2711636948859886", handle="someone")
    for connector, words in (
        (fb_connector(graph, facebook), "Meta Business Suite"),
        (ig_connector(graph, instagram), "Instagram app"),
    ):
        assert not connector.supports(Capability.BLOCK)
        with pytest.raises(UnsupportedError, match=words):
            connector.block(author)


def test_a_refusal_other_than_gone_is_not_swallowed(
    graph: FakeGraph, facebook: FacebookFake
) -> None:
    connector = fb_connector(graph, facebook)
    facebook.listed_comments.add("123_456")
    graph.fault("DELETE", r"/123_456", graph_error(200, "Permissions error"))
    with pytest.raises(RejectedError):
        connector.delete_comment("123_456")
