"""The Bluesky inbox: replies, mentions and quotes from the notification list, our own
cursor over it, and threads for the conversation view.

Bluesky's notification cursor only walks back in time, so we walk from the newest down to
what we saw last and keep our own "seen up to" time. Notifications sort by the post's
creation time, so one can appear late with a time we have passed: the cursor also keeps
how many notifications each minute of the last quarter hour held, and a minute that has
grown is delivered again (the inbox keeps one copy of a message, so nothing is doubled
there).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    InboundPage,
    MessageKind,
    RejectedError,
    RemoteAuthor,
    RemoteMessage,
    RetryableError,
)
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.shapes import ShapeError

if TYPE_CHECKING:
    from civicdesk.connectors.bluesky.connector import BlueskyConnector

logger = logging.getLogger(__name__)

INBOX_REASONS = ("reply", "mention", "quote")
NOTIFICATION_PAGE = 100
# How far back in the notification list one fetch may walk to reach what it saw last.
MAX_WALK_PAGES = 25
# Notifications are sorted by the post's own creation time, which can be a little older
# than the moment the notification appears; look back this far for late arrivals.
LATE_WINDOW = timedelta(minutes=15)


def fetch_inbound(api: BlueskyConnector, cursor: str | None, *, limit: int) -> InboundPage:
    since, counts = parse_cursor(cursor)
    walked = _walk_notifications(api, since)
    try:
        items = sorted(
            ((shapes.timestamp(n.get("indexedAt"), "indexedAt"), n) for n in walked),
            key=lambda pair: (pair[0], str(pair[1].get("uri"))),
        )
        fresh = [(t, n) for t, n in items if since is None or t > since]
        old = (
            [(t, n) for t, n in items if t <= since and _minute(t) >= _minute(since - LATE_WINDOW)]
            if since is not None
            else []
        )
        observed = Counter(_minute(t) for t, _ in old)
        late = [(t, n) for t, n in old if observed[_minute(t)] > counts.get(_minute(t), 0)]
        batch = fresh[: max(1, limit)]
        messages = [message_of(api, n) for _, n in late + batch]
    except ShapeError as exc:
        # The whole page is refused, so the cursor stays put and nothing is skipped.
        raise RetryableError(f"unexpected notifications: {exc}") from None
    if not late and not batch:
        return InboundPage(messages=[], next_cursor=None, has_more=False)
    new_since = batch[-1][0] if batch else since
    assert new_since is not None
    kept = Counter(_minute(t) for t, _ in old + batch)
    floor = _minute(new_since - LATE_WINDOW)
    return InboundPage(
        messages=messages,
        next_cursor=make_cursor(new_since, {m: c for m, c in kept.items() if m >= floor}),
        has_more=len(fresh) > len(batch),
    )


def fetch_thread(api: BlueskyConnector, remote_id: str, *, depth: int) -> Mapping[str, Any]:
    data = api.xrpc("GET", "app.bsky.feed.getPostThread", params={"uri": remote_id, "depth": depth})
    try:
        return shapes.obj(shapes.obj(data, "the answer").get("thread"), "thread")
    except ShapeError as exc:
        raise RetryableError(f"unexpected thread: {exc}") from None


def parse_cursor(cursor: str | None) -> tuple[datetime | None, dict[int, int]]:
    """Our inbox cursor: "<newest time seen> <minute>:<count>,..." for the late window."""
    if not cursor:
        return None, {}
    stamp, _, rest = cursor.partition(" ")
    try:
        since = datetime.fromisoformat(stamp)
        counts = {int(m): int(c) for m, c in (pair.split(":") for pair in rest.split(",") if pair)}
    except ValueError:
        raise RejectedError(f"not a Bluesky inbox cursor: {cursor[:40]!r}") from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since, counts


def make_cursor(since: datetime, counts: Mapping[int, int]) -> str:
    pairs = ",".join(f"{m}:{c}" for m, c in sorted(counts.items()))
    return f"{since.astimezone(UTC).isoformat()} {pairs}".strip()


def _walk_notifications(api: BlueskyConnector, since: datetime | None) -> list[Mapping[str, Any]]:
    """Notifications newer than ``since`` minus the late window, newest first."""
    found: list[Mapping[str, Any]] = []
    api_cursor: str | None = None
    for _ in range(MAX_WALK_PAGES):
        params: dict[str, Any] = {"limit": NOTIFICATION_PAGE, "reasons": list(INBOX_REASONS)}
        if api_cursor:
            params["cursor"] = api_cursor
        data = api.xrpc("GET", "app.bsky.notification.listNotifications", params=params)
        try:
            body = shapes.obj(data, "the answer")
            page = body.get("notifications")
            if not isinstance(page, list):
                raise ShapeError("notifications is not a list")
            next_cursor = shapes.text(body.get("cursor"), "cursor")
            oldest = None
            for item in page:
                item = shapes.obj(item, "a notification")
                oldest = shapes.timestamp(item.get("indexedAt"), "indexedAt")
                if item.get("reason") in INBOX_REASONS:
                    found.append(item)
        except ShapeError as exc:
            raise RetryableError(f"unexpected notifications: {exc}") from None
        reached = (
            since is not None
            and oldest is not None
            and _minute(oldest) < _minute(since - LATE_WINDOW)
        )
        if reached or not page or not next_cursor or next_cursor == api_cursor:
            return found
        api_cursor = next_cursor
    if since is not None:
        logger.warning(
            "bluesky %s: more notifications than one fetch can walk; the oldest may be missed",
            api.handle,
        )
    return found


def message_of(api: BlueskyConnector, item: Mapping[str, Any]) -> RemoteMessage:
    """A notification or a post view (listening) as a message; a reply is a reply."""
    post_uri = shapes.uri(item.get("uri"), "uri")
    reason = item.get("reason")
    record = shapes.obj(item.get("record"), "record")
    author = shapes.obj(item.get("author"), "author")
    reply = record.get("reply")
    parent_uri = root_uri = ""
    if reply is not None:
        reply = shapes.obj(reply, "record.reply")
        parent_uri = shapes.strong_ref(reply.get("parent"), "reply.parent")["uri"]
        root_uri = shapes.strong_ref(reply.get("root"), "reply.root")["uri"]
    conversation = root_uri or post_uri
    kind = {
        "reply": MessageKind.REPLY,
        "mention": MessageKind.MENTION,
        "quote": MessageKind.MENTION,
    }.get(str(reason), MessageKind.REPLY if reply is not None else MessageKind.MENTION)
    mine = api.credentials.get("did", "")
    handle = shapes.text(author.get("handle"), "author.handle", optional=False)
    return RemoteMessage(
        remote_id=post_uri,
        kind=kind,
        text=shapes.text(record.get("text"), "record.text"),
        author=RemoteAuthor(
            remote_id=shapes.text(author.get("did"), "author.did", optional=False),
            handle=handle,
            display_name=shapes.text(author.get("displayName"), "author.displayName"),
        ),
        created_at=shapes.timestamp(record.get("createdAt") or item.get("indexedAt"), "createdAt"),
        in_reply_to_remote_id=parent_uri,
        root_post_remote_id=root_uri if root_uri and shapes.repo_of(root_uri) == mine else "",
        conversation_remote_id=conversation,
        url=shapes.post_url(post_uri, handle),
        raw=dict(item),
    )


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)
