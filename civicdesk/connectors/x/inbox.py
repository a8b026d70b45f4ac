"""The X inbox: mentions and direct messages behind one cursor.

X serves both newest first. Mentions take ``since_id`` (and a ``pagination_token`` to go
further back); direct messages have no ``since_id``, so pages are read back until an event
already seen. One ingest run reads the mentions to the end, then the direct messages, and
the cursor (a small JSON object) says where each stream stands after every stored page:

- ``p``: which stream the next page comes from ("m" mentions, "d" direct messages);
- ``ms`` / ``ds``: the newest id already stored;
- ``mt`` / ``dt``: the page token while going back through a stream;
- ``mn`` / ``dn``: the newest id of the walk under way, stored once the walk ends;
- ``dx``: until when (epoch seconds) direct messages are skipped, after X refused them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from civicdesk.connectors.base import MessageKind, RemoteAuthor, RemoteMessage

from .shapes import ShapeError, count, created_at, items, obj, optional_id, text, x_id

logger = logging.getLogger(__name__)


@dataclass
class InboxCursor:
    p: str = "m"
    ms: str = ""
    mt: str = ""
    mn: str = ""
    ds: str = ""
    dt: str = ""
    dn: str = ""
    dx: int = 0

    @classmethod
    def parse(cls, cursor: str | None) -> InboxCursor:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            state = cls(**{key: data[key] for key in asdict(cls()) if key in data})
            if state.p not in ("m", "d") or not isinstance(state.dx, int):
                raise ValueError("unknown phase")
            for key in ("ms", "mt", "mn", "ds", "dt", "dn"):
                if not isinstance(getattr(state, key), str):
                    raise ValueError(key)
        except (ValueError, TypeError, AttributeError):
            # Starting over is safe: the inbox drops messages it already has.
            logger.warning("unreadable X inbox cursor, starting from the newest messages")
            return cls()
        return state

    def dump(self) -> str:
        data = {key: value for key, value in asdict(self).items() if value not in ("", 0)}
        return json.dumps(data, separators=(",", ":"), sort_keys=True)


def users_by_id(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    includes = body.get("includes")
    if includes is None:
        return {}
    users = items(obj(includes, "includes").get("users"), "includes.users")
    found: dict[str, Mapping[str, Any]] = {}
    for user in users:
        user = obj(user, "a user")
        found[x_id(user.get("id"), "user id")] = user
    return found


def author(user_id: str, users: Mapping[str, Mapping[str, Any]]) -> RemoteAuthor:
    user = users.get(user_id, {})
    metrics = user.get("public_metrics")
    return RemoteAuthor(
        remote_id=user_id,
        handle=text(user.get("username"), "username", optional=True),
        display_name=text(user.get("name"), "name", optional=True),
        followers=count(obj(metrics, "public_metrics") if metrics is not None else None,
                        "followers_count"),
    )


def replied_to(tweet: Mapping[str, Any]) -> str:
    refs = tweet.get("referenced_tweets", tweet.get("referenced_posts"))
    for ref in items(refs, "referenced_tweets"):
        ref = obj(ref, "a referenced post")
        if ref.get("type") == "replied_to":
            return x_id(ref.get("id"), "referenced post id")
    return ""


def mention(tweet: Any, users: Mapping[str, Mapping[str, Any]], *,
            own_id: str) -> RemoteMessage:
    """One post from the mentions timeline.

    A reply straight to one of our posts is a comment on it; a reply to someone else
    inside a conversation is a reply; anything else names us and is a mention.
    """
    tweet = obj(tweet, "a post")
    remote_id = x_id(tweet.get("id"), "post id")
    author_id = x_id(tweet.get("author_id"), "author_id")
    parent = replied_to(tweet)
    to_us = optional_id(tweet.get("in_reply_to_user_id"), "in_reply_to_user_id") == own_id
    conversation = optional_id(tweet.get("conversation_id"), "conversation_id")
    if parent and to_us:
        kind = MessageKind.COMMENT
    elif parent:
        kind = MessageKind.REPLY
    else:
        kind = MessageKind.MENTION
    who = author(author_id, users)
    return RemoteMessage(
        remote_id=remote_id,
        kind=kind,
        text=text(tweet.get("text"), "text"),
        author=who,
        created_at=created_at(tweet, remote_id),
        in_reply_to_remote_id=parent,
        root_post_remote_id=parent if kind == MessageKind.COMMENT else "",
        conversation_remote_id=conversation or remote_id,
        url=f"https://x.com/{who.handle or 'i/web'}/status/{remote_id}",
        raw=dict(tweet),
    )


def direct_message(event: Any, users: Mapping[str, Mapping[str, Any]]) -> RemoteMessage:
    event = obj(event, "a direct message event")
    remote_id = x_id(event.get("id"), "event id")
    sender = x_id(event.get("sender_id"), "sender_id")
    conversation = text(event.get("dm_conversation_id"), "dm_conversation_id")
    if not conversation:
        raise ShapeError("dm_conversation_id is empty")
    return RemoteMessage(
        remote_id=remote_id,
        kind=MessageKind.DIRECT,
        text=text(event.get("text"), "text", optional=True),
        author=author(sender, users),
        created_at=created_at(event, remote_id),
        conversation_remote_id=conversation,
        raw=dict(event),
    )


def newer(a: str, b: str) -> bool:
    """Whether X id ``a`` was minted after ``b`` (ids grow with time)."""
    return not b or (bool(a) and int(a) > int(b))
