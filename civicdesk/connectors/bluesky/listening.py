"""Listening on Bluesky: the AppView's post search for a keyword or a hashtag, and an
account's own feed for an account, oldest first after the time of the newest post read.

Both answer newest first with a cursor to older pages. The first read takes the newest page
only (no backfill); later reads page back until they reach what was read before, up to
``MAX_PAGES`` pages, so a burst between two reads is read whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    FollowKind,
    InboundPage,
    ListenQuery,
    RejectedError,
    RemoteMessage,
    RetryableError,
)

from . import shapes
from .inbox import message_of

if TYPE_CHECKING:
    from .connector import BlueskyConnector

PAGE = 100  # the AppView's maximum for search and for an author's feed
MAX_PAGES = 5
_OPERATOR_CHARS = '"():'


def _read(api: BlueskyConnector, query: ListenQuery, cursor: str) -> tuple[list[Any], str]:
    """One page of post views, newest first, and the cursor to the next (older) page."""
    value = query.value.strip().lstrip("#@").strip()
    if query.kind == FollowKind.ACCOUNT:
        if not value or any(c.isspace() for c in value):
            raise RejectedError(f"not a Bluesky handle: {value[:40]!r}")
        params: dict[str, Any] = {"actor": value, "limit": PAGE}
        nsid, key = "app.bsky.feed.getAuthorFeed", "feed"
    else:
        words = " ".join("".join(" " if c in _OPERATOR_CHARS else c for c in value).split())
        if not words or (query.kind == FollowKind.HASHTAG and " " in words):
            raise RejectedError(f"nothing to follow in {value[:40]!r}")
        q = f"#{words}" if query.kind == FollowKind.HASHTAG else words
        params = {"q": q, "sort": "latest", "limit": PAGE}
        nsid, key = "app.bsky.feed.searchPosts", "posts"
    if cursor:
        params["cursor"] = cursor
    body = shapes.obj(api.xrpc("GET", nsid, params=params), "the answer")
    items = body.get(key)
    if not isinstance(items, list):
        raise shapes.ShapeError(f"{key} is not a list")
    if key == "feed":
        # A repost in an author's feed repeats a post already counted.
        items = [i["post"] for i in items if isinstance(i, Mapping) and not i.get("reason")]
    next_cursor = body.get("cursor")
    return items, next_cursor if isinstance(next_cursor, str) else ""


def fetch_listening(
    api: BlueskyConnector, query: ListenQuery, cursor: str | None, *, limit: int
) -> InboundPage:
    try:
        since = datetime.fromisoformat(cursor) if cursor else None
    except ValueError:
        raise RejectedError(f"not a time: {(cursor or '')[:40]!r}") from None
    found: dict[str, tuple[datetime, RemoteMessage]] = {}
    page_cursor = ""
    try:
        for _ in range(MAX_PAGES if since else 1):
            views, page_cursor = _read(api, query, page_cursor)
            reached = False
            for view in views:
                view = shapes.obj(view, "a post")
                seen_at = shapes.timestamp(view.get("indexedAt"), "indexedAt")
                if since is not None and seen_at <= since:
                    reached = True
                    continue
                message = message_of(api, view)
                found[message.remote_id] = (seen_at, message)
            if reached or not page_cursor:
                break
    except shapes.ShapeError as exc:
        # The whole read is refused, so the cursor stays put and nothing is skipped.
        raise RetryableError(f"unexpected answer from Bluesky: {exc}") from None
    if not found:
        return InboundPage(messages=[], next_cursor=cursor or None, has_more=False)
    ordered = sorted(found.values(), key=lambda pair: pair[0])
    return InboundPage(
        messages=[message for _, message in ordered],
        next_cursor=ordered[-1][0].isoformat(),
        has_more=False,
    )
