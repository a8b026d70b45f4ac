"""The inbox cursor shared by the Meta connectors: the time of the newest message seen.

Graph lists comments and conversations by time, with no single feed of "what arrived";
each connector gathers messages from several edges since a time, and the cursor stores
the newest ``created_time`` handed over. The next read starts at that second again
(inclusive, so nothing sharing the second is lost); the inbox drops the repeats by id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from civicdesk.connectors.base import InboundPage, RejectedError, RemoteMessage

PREFIX = "t:"


def decode_cursor(cursor: str | None, *, default: datetime) -> datetime:
    if not cursor:
        return default
    raw = cursor.removeprefix(PREFIX)
    if not cursor.startswith(PREFIX) or not raw.isdigit():
        raise RejectedError(f"not a Meta inbox cursor: {cursor[:40]!r}")
    return datetime.fromtimestamp(int(raw), UTC)


def encode_cursor(when: datetime) -> str:
    return f"{PREFIX}{int(when.timestamp())}"


def page_of(
    messages: list[RemoteMessage], *, limit: int, since: datetime | None = None
) -> InboundPage:
    """The oldest ``limit`` messages, and the cursor at the newest second they reach.

    Messages sharing that second all go into the page (even past ``limit``), and a page
    that would end on the cursor's own second reaches on to the next one, so reading
    again from the cursor always moves forward.
    """
    unique = {m.remote_id: m for m in messages}
    ordered = sorted(unique.values(), key=lambda m: (m.created_at, m.remote_id))
    if not ordered:
        return InboundPage(messages=[], next_cursor=None, has_more=False)

    def second(index: int) -> int:
        return int(ordered[index].created_at.timestamp())

    count = min(len(ordered), max(1, limit))
    start = int(since.timestamp()) if since else None
    while count < len(ordered) and (
        second(count) == second(count - 1) or second(count - 1) == start
    ):
        count += 1
    taken = ordered[:count]
    return InboundPage(
        messages=taken,
        next_cursor=encode_cursor(taken[-1].created_at),
        has_more=count < len(ordered),
    )
