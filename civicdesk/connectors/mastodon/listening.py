"""Listening on Mastodon: a hashtag's public timeline and an account's public posts, oldest
first after a status id cursor.

Mastodon has no search of every post's words: its full-text search finds only posts of
accounts that opted in, and only on servers that run a search engine. Keywords are
therefore not followed here (the connector's limitation says so); hashtags are what
Mastodon's own users follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from civicdesk.connectors.base import (
    LISTEN_CAPABILITY,
    FollowKind,
    InboundPage,
    ListenQuery,
    MessageKind,
    RejectedError,
    RemoteAuthor,
    RemoteMessage,
    RetryableError,
    UnsupportedError,
)

from .shapes import (
    ShapeError,
    id_order,
    is_id,
    list_of,
    obj,
    optional_snowflake,
    plain_text,
    snowflake,
    string,
    timestamp,
)

if TYPE_CHECKING:
    from .connector import MastodonConnector

TIMELINE_PAGE = 40  # Mastodon's maximum for a timeline


def fetch_listening(
    api: MastodonConnector, query: ListenQuery, cursor: str | None, *, limit: int
) -> InboundPage:
    if cursor and not is_id(cursor):
        raise RejectedError(f"not a Mastodon status id: {cursor[:40]!r}")
    value = query.value.strip().lstrip("#@")
    if not value:
        raise RejectedError("nothing to follow")
    if query.kind == FollowKind.HASHTAG:
        path = f"/api/v1/timelines/tag/{quote(value, safe='')}"
    elif query.kind == FollowKind.ACCOUNT:
        path = f"/api/v1/accounts/{_account_id(api, value)}/statuses"
    else:
        raise UnsupportedError(api.listening_refusal(LISTEN_CAPABILITY[query.kind]))
    page_size = max(1, min(limit, TIMELINE_PAGE))
    params: list[tuple[str, str]] = [("limit", str(page_size))]
    if cursor:
        # min_id pages forward: the statuses right after the cursor. Without a cursor the
        # newest page starts the listening; older history is not fetched.
        params.append(("min_id", cursor))
    response = api.request("GET", path, params=params)
    data = api.json_of(response)
    try:
        statuses = [obj(s, "a status") for s in list_of(data, "the answer")]
        ids = [snowflake(s.get("id"), "id") for s in statuses]
        if cursor and any(id_order(i) <= id_order(cursor) for i in ids):
            raise ShapeError("a status older than the cursor")
        messages = [
            _message(s)
            for s in sorted(statuses, key=lambda s: id_order(str(s["id"])))
            if s.get("reblog") is None  # a boost repeats a post already counted
        ]
    except ShapeError as exc:
        raise RetryableError(
            f"unexpected timeline answer: {exc}", status=response.status_code
        ) from None
    if not ids:
        return InboundPage(messages=[], next_cursor=None, has_more=False)
    newest = max(ids, key=id_order)
    return InboundPage(
        messages=messages, next_cursor=newest, has_more=bool(cursor) and len(ids) >= page_size
    )


def _account_id(api: MastodonConnector, acct: str) -> str:
    response = api.request("GET", "/api/v1/accounts/lookup", params={"acct": acct})
    try:
        return snowflake(obj(api.json_of(response), "the account").get("id"), "account id")
    except ShapeError as exc:
        raise RetryableError(f"unexpected account answer: {exc}") from None


def _message(status: Mapping[str, Any]) -> RemoteMessage:
    author = obj(status.get("account"), "account")
    followers = author.get("followers_count")
    if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int)):
        raise ShapeError("account.followers_count is not a count")
    parent = optional_snowflake(status.get("in_reply_to_id"), "in_reply_to_id")
    remote_id = snowflake(status.get("id"), "status id")
    return RemoteMessage(
        remote_id=remote_id,
        kind=MessageKind.REPLY if parent else MessageKind.MENTION,
        text=plain_text(string(status.get("content"), "content")),
        author=RemoteAuthor(
            remote_id=snowflake(author.get("id"), "account id"),
            handle=string(author.get("acct"), "account.acct", optional=False),
            display_name=string(author.get("display_name"), "account.display_name"),
            followers=followers,
        ),
        created_at=timestamp(status.get("created_at"), "created_at"),
        in_reply_to_remote_id=parent,
        conversation_remote_id=parent or remote_id,
        url=string(status.get("url"), "url") or string(status.get("uri"), "uri"),
        raw=dict(status),
    )
