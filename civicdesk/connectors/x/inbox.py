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
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    InboundPage,
    MessageKind,
    RemoteAuthor,
    RemoteMessage,
    RetryableError,
    UnsupportedError,
)

from .shapes import ShapeError, count, created_at, items, obj, optional_id, text, x_id
from .tiers import FREE_TIERS, TIER_SENTENCE

if TYPE_CHECKING:
    from .connector import XConnector

logger = logging.getLogger(__name__)

POST_FIELDS = "created_at,conversation_id,author_id,in_reply_to_user_id,referenced_tweets"
USER_FIELDS = "username,name,public_metrics"
# After X refuses direct messages, they are asked for again a day later.
DM_PAUSE_SECONDS = 24 * 3600


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


def fetch_inbound(api: XConnector, cursor: str | None, *, limit: int) -> InboundPage:
    if api.tier in FREE_TIERS:
        raise UnsupportedError(TIER_SENTENCE)
    state = InboxCursor.parse(cursor)
    dms_paused = state.dx > time.time()
    if state.p == "d" and not dms_paused:
        return _dm_page(api, state, limit)
    state.p = "m"
    try:
        messages, done = _mention_page(api, state, limit)
    except UnsupportedError as exc:
        raise UnsupportedError(
            TIER_SENTENCE, status=exc.status, platform_code=exc.platform_code
        ) from exc
    has_more = not done
    if done and not dms_paused:
        state.p, has_more = "d", True
    if api.rate_limit.remaining == 0:
        has_more = False  # the next page would only be refused until the reset
    return InboundPage(messages=messages, next_cursor=state.dump(), has_more=has_more)


def _mention_page(
    api: XConnector, state: InboxCursor, limit: int
) -> tuple[list[RemoteMessage], bool]:
    own = api.own_id()
    params: dict[str, Any] = {
        "max_results": max(5, min(limit, 100)),
        "tweet.fields": POST_FIELDS,
        "expansions": "author_id",
        "user.fields": USER_FIELDS,
    }
    if state.ms:
        params["since_id"] = state.ms
    if state.mt:
        params["pagination_token"] = state.mt
    response = api.request("GET", f"/2/users/{own}/mentions", params=params)
    body = api.json_of(response)
    try:
        body = obj(body, "the answer")
        users = users_by_id(body)
        tweets = [obj(t, "a post") for t in items(body.get("data"), "data")]
        ids = [x_id(t.get("id"), "post id") for t in tweets]
        messages = [mention(t, users, own_id=own) for t in tweets if t.get("author_id") != own]
        token = obj(body.get("meta", {}), "meta").get("next_token")
        newest = max(ids, key=int, default="")
    except ShapeError as exc:
        # The whole page is refused, so the cursor stays put and nothing is skipped.
        raise RetryableError(
            f"unexpected mentions page from X: {exc}", status=response.status_code
        ) from None
    if not state.mt:
        state.mn = newest if newer(newest, state.ms) else state.ms
    # The very first read takes the newest page only: no backfill of old mentions.
    if isinstance(token, str) and token and state.ms:
        state.mt = token
        return messages, False
    state.ms, state.mt, state.mn = state.mn or state.ms, "", ""
    return messages, True


def _dm_page(api: XConnector, state: InboxCursor, limit: int) -> InboundPage:
    own = api.own_id()
    params: dict[str, Any] = {
        "max_results": max(1, min(limit, 100)),
        "event_types": "MessageCreate",
        "dm_event.fields": "id,text,event_type,dm_conversation_id,created_at",
        "expansions": "sender_id",
        "user.fields": USER_FIELDS,
    }
    if state.dt:
        params["pagination_token"] = state.dt
    try:
        response = api.request("GET", "/2/dm_events", params=params)
    except UnsupportedError as exc:
        # Mentions must not starve behind a refusal: skip messages for a day.
        logger.warning("X direct messages refused, paused for a day: %s", exc)
        state.p, state.dt, state.dn, state.dx = "m", "", "", int(time.time()) + DM_PAUSE_SECONDS
        return InboundPage(messages=[], next_cursor=state.dump(), has_more=False)
    body = api.json_of(response)
    try:
        body = obj(body, "the answer")
        users = users_by_id(body)
        events = [obj(e, "an event") for e in items(body.get("data"), "data")]
        ids = [x_id(e.get("id"), "event id") for e in events]
        fresh = [e for e, i in zip(events, ids, strict=True) if newer(i, state.ds)]
        messages = [
            direct_message(e, users)
            for e in fresh
            if e.get("event_type", "MessageCreate") == "MessageCreate" and e.get("sender_id") != own
        ]
        token = obj(body.get("meta", {}), "meta").get("next_token")
    except ShapeError as exc:
        raise RetryableError(
            f"unexpected direct messages page from X: {exc}", status=response.status_code
        ) from None
    newest = max(ids, key=int, default="")
    if not state.dt:
        state.dn = newest if newer(newest, state.ds) else state.ds
    reached_seen = len(fresh) < len(events)
    if isinstance(token, str) and token and state.ds and not reached_seen:
        state.dt = token
        return InboundPage(
            messages=messages, next_cursor=state.dump(), has_more=api.rate_limit.remaining != 0
        )
    state.ds, state.dt, state.dn, state.p = state.dn or state.ds, "", "", "m"
    return InboundPage(messages=messages, next_cursor=state.dump(), has_more=False)


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
        followers=count(
            obj(metrics, "public_metrics") if metrics is not None else None, "followers_count"
        ),
    )


def replied_to(tweet: Mapping[str, Any]) -> str:
    refs = tweet.get("referenced_tweets", tweet.get("referenced_posts"))
    for ref in items(refs, "referenced_tweets"):
        ref = obj(ref, "a referenced post")
        if ref.get("type") == "replied_to":
            return x_id(ref.get("id"), "referenced post id")
    return ""


def mention(tweet: Any, users: Mapping[str, Mapping[str, Any]], *, own_id: str) -> RemoteMessage:
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
