"""The LinkedIn inbox: comments, and replies to them, on the organization's recent posts.

LinkedIn gives organization pages no feed of mentions or messages, so each round reads
the comments under the latest posts and keeps those newer than the cursor (a JSON object
holding the newest comment time seen, in epoch milliseconds).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import InboundPage, RemoteMessage, RetryableError
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.mapping import comment_message, epoch_ms_of, since_of
from civicdesk.connectors.linkedin.shapes import ShapeError

if TYPE_CHECKING:
    from civicdesk.connectors.linkedin.connector import LinkedInConnector

# How many recent posts are watched for comments.
WATCHED_POSTS = 20
COMMENTS_PAGE = 100
MAX_COMMENTS_PER_OBJECT = 500
# Comments can appear in the API a little after their time: look back this far past the
# cursor (duplicates are dropped when stored).
INBOX_OVERLAP_MS = 10 * 60 * 1000


def fetch_inbound(api: LinkedInConnector, cursor: str | None) -> InboundPage:
    since = since_of(cursor)
    org = api.organization
    messages: list[RemoteMessage] = []
    try:
        for item in api._recent_posts(WATCHED_POSTS):
            post_urn = s.urn(item.get("id"), "post id")
            for comment in _comments(api, post_urn):
                message = comment_message(comment, post_urn)
                if message is None:
                    continue
                replies = s.obj(comment.get("commentsSummary") or {}, "commentsSummary")
                if (s.count(replies, "totalFirstLevelComments") or 0) > 0:
                    for nested in _comments(api, message.remote_id):
                        reply = comment_message(nested, post_urn, parent=message.remote_id)
                        if reply is not None:
                            messages.append(reply)
                messages.append(message)
    except ShapeError as exc:
        # The whole round is refused, so the cursor stays and nothing is skipped.
        raise RetryableError(f"unexpected answer listing comments: {exc}") from None
    fresh = [
        m
        for m in messages
        if m.author.remote_id != org and epoch_ms_of(m) >= since - INBOX_OVERLAP_MS
    ]
    fresh.sort(key=epoch_ms_of)
    newest = max((epoch_ms_of(m) for m in fresh), default=since)
    next_cursor = json.dumps({"since": newest}) if newest > since else None
    return InboundPage(messages=fresh, next_cursor=next_cursor, has_more=False)


def _comments(api: LinkedInConnector, parent_urn: str) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    start = 0
    while start < MAX_COMMENTS_PER_OBJECT:
        response = api.request(
            "GET",
            f"/socialActions/{s.encode(parent_urn)}/comments",
            params={"start": start, "count": COMMENTS_PAGE},
        )
        data = api.json_of(response)
        page = s.elements(data)
        found.extend(page)
        paging = s.obj(s.obj(data, "the answer").get("paging") or {}, "paging")
        total = s.count(paging, "total")
        start += len(page)
        if not page or len(page) < COMMENTS_PAGE or (total is not None and start >= total):
            break
    return found
