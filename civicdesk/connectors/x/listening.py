"""Listening on X: its recent search (the posts of the last seven days) for a keyword, a
hashtag or an account's posts, oldest first after a post id cursor.

Recent search needs a paid API tier (Basic or above): a channel whose app is known to be on
the free tier does not offer it, and any other channel that X refuses says so plainly. The
first read takes the newest page only (no backfill); later reads page back from the newest
post to the cursor, so a burst of more than a page between two reads is read whole, up to
``MAX_PAGES`` pages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    FollowKind,
    InboundPage,
    ListenQuery,
    MessageKind,
    RejectedError,
    RemoteMessage,
    RetryableError,
)

from .inbox import POST_FIELDS, USER_FIELDS, author, replied_to, users_by_id
from .shapes import ShapeError, created_at, items, obj, optional_id, text, x_id

if TYPE_CHECKING:
    from .connector import XConnector

SEARCH_PAGE = 100  # X's maximum for recent search
MAX_PAGES = 5
_HANDLE = re.compile(r"\w{1,15}")
# Operators and quotes a followed keyword must not smuggle into the query.
_OPERATOR_CHARS = re.compile(r'["():]')


def search_query(query: ListenQuery) -> str:
    """The recent-search query for one followed keyword, hashtag or account (reposts left
    out: they repeat a post already counted)."""
    value = query.value.strip().lstrip("#@").strip()
    if query.kind == FollowKind.ACCOUNT:
        if not _HANDLE.fullmatch(value):
            raise RejectedError(f"not an X handle: {value[:40]!r}")
        term = f"from:{value}"
    elif query.kind == FollowKind.HASHTAG:
        if not value or not re.fullmatch(r"\w+", value):
            raise RejectedError(f"not a hashtag: {value[:40]!r}")
        term = f"#{value}"
    else:
        words = " ".join(_OPERATOR_CHARS.sub(" ", value).split())
        if not words:
            raise RejectedError("nothing to follow")
        term = f'"{words}"' if " " in words else words
    return f"{term} -is:retweet"


def fetch_listening(
    api: XConnector, query: ListenQuery, cursor: str | None, *, limit: int
) -> InboundPage:
    if cursor and not cursor.isdigit():
        raise RejectedError(f"not an X post id: {cursor[:40]!r}")
    params: dict[str, Any] = {
        "query": search_query(query),
        "max_results": max(10, min(limit, SEARCH_PAGE)),
        "tweet.fields": POST_FIELDS,
        "expansions": "author_id",
        "user.fields": USER_FIELDS,
    }
    if cursor:
        params["since_id"] = cursor
    found: dict[str, RemoteMessage] = {}
    for _ in range(MAX_PAGES if cursor else 1):
        response = api.request("GET", "/2/tweets/search/recent", params=params)
        try:
            body = obj(api.json_of(response), "the answer")
            users = users_by_id(body)
            for tweet in items(body.get("data"), "data"):
                message = _message(tweet, users)
                if cursor and int(message.remote_id) <= int(cursor):
                    raise ShapeError("a post older than the cursor")
                found[message.remote_id] = message
            token = obj(body.get("meta", {}), "meta").get("next_token")
        except ShapeError as exc:
            # The whole read is refused, so the cursor stays put and nothing is skipped.
            raise RetryableError(
                f"unexpected search answer from X: {exc}", status=response.status_code
            ) from None
        if not (isinstance(token, str) and token):
            break
        params["pagination_token"] = token
    if not found:
        return InboundPage(messages=[], next_cursor=None, has_more=False)
    messages = sorted(found.values(), key=lambda m: int(m.remote_id))
    return InboundPage(messages=messages, next_cursor=messages[-1].remote_id, has_more=False)


def _message(tweet: Any, users: Any) -> RemoteMessage:
    tweet = obj(tweet, "a post")
    remote_id = x_id(tweet.get("id"), "post id")
    parent = replied_to(tweet)
    conversation = optional_id(tweet.get("conversation_id"), "conversation_id")
    who = author(x_id(tweet.get("author_id"), "author_id"), users)
    return RemoteMessage(
        remote_id=remote_id,
        kind=MessageKind.REPLY if parent else MessageKind.MENTION,
        text=text(tweet.get("text"), "text"),
        author=who,
        created_at=created_at(tweet, remote_id),
        in_reply_to_remote_id=parent,
        conversation_remote_id=conversation or remote_id,
        url=f"https://x.com/{who.handle or 'i/web'}/status/{remote_id}",
        raw=dict(tweet),
    )
