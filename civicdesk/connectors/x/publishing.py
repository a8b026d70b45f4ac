"""Writing to X: posts and threads, replies, deletes, hidden replies, and the check after
an unknown outcome.

X has no idempotency key. After an unknown outcome ``check_publication`` reads the
account's recent posts and looks for the same text; X's own refusal of duplicate text
is what makes that match trustworthy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    ConnectorError,
    MessageKind,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
)
from civicdesk.connectors.shapes import with_link

from . import inbox, media
from .shapes import ShapeError, created_at, id_time, items, obj, path_id, same_text, x_id
from .shapes import text as str_field
from .tiers import CHECK_SENTENCE, FREE_TIERS, TIER_SENTENCE

if TYPE_CHECKING:
    from .connector import XConnector

logger = logging.getLogger(__name__)

# How far back check_publication looks for a post whose outcome is unknown.
CHECK_LOOKBACK = timedelta(hours=6)
CHECK_MAX_PAGES = 5


def publish(api: XConnector, post: OutboundPost) -> PublishResult:
    first = with_link(post.text, post.link)
    media_ids, note = media.upload_all(api, post.media)
    root = api._create_post(first, reply_to=post.reply_to, media_ids=media_ids)
    parts: list[str] = []
    previous = root
    for number, part in enumerate(post.thread, start=2):
        try:
            previous = api._create_post(part, reply_to=previous)
        except ConnectorError as exc:
            # The first part is out: sending it again would duplicate it, so the
            # publisher must check what is on X instead of retrying.
            raise OutcomeUnknownError(
                f"the thread stopped before part {number} of {len(post.thread) + 1}: {exc}",
                status=exc.status,
            ) from exc
        parts.append(previous)
    return PublishResult(
        remote_id=root,
        url=api.post_url(root),
        published_at=id_time(root),
        thread_remote_ids=tuple(parts),
        note=note,
    )


def reply(api: XConnector, target: ReplyTarget, text: str) -> PublishResult:
    if target.kind != MessageKind.DIRECT:
        remote_id = api._create_post(text, reply_to=path_id(target.remote_id))
        return PublishResult(
            remote_id=remote_id, url=api.post_url(remote_id), published_at=id_time(remote_id)
        )
    if api.tier in FREE_TIERS:
        raise UnsupportedError(TIER_SENTENCE)
    conversation = target.conversation_remote_id
    if conversation and conversation.replace("-", "").isdigit():
        path = f"/2/dm_conversations/{conversation}/messages"
    elif target.author_remote_id:
        path = f"/2/dm_conversations/with/{path_id(target.author_remote_id)}/messages"
    else:
        raise RejectedError("cannot tell whom to answer: no conversation or author id")
    response = api.request("POST", path, write=True, json={"text": text}, expected=(200, 201))
    data = api.json_of(response, write=True)
    try:
        event = x_id(
            obj(obj(data, "the answer").get("data"), "data").get("dm_event_id"), "dm_event_id"
        )
    except ShapeError as exc:
        raise OutcomeUnknownError(
            f"unexpected answer to a direct message: {exc}", status=response.status_code
        ) from None
    return PublishResult(remote_id=event, published_at=id_time(event))


def delete(api: XConnector, remote_id: str) -> None:
    try:
        response = api.request(
            "DELETE", f"/2/tweets/{path_id(remote_id)}", write=True, expected=(200,)
        )
    except RejectedError as exc:
        if exc.status == 404:
            return  # already gone
        raise
    deleted = _data(api.json_of(response, write=True)).get("deleted")
    if deleted is False:
        raise RejectedError("X answered that the post was not deleted")


def hide(api: XConnector, remote_id: str, *, hidden: bool) -> None:
    response = api.request(
        "PUT",
        f"/2/tweets/{path_id(remote_id)}/hidden",
        write=True,
        json={"hidden": hidden},
        expected=(200,),
    )
    state = _data(api.json_of(response, write=True)).get("hidden")
    if state is not hidden:
        raise OutcomeUnknownError(
            "X did not confirm the reply's hidden state", status=response.status_code
        )


def create_post(
    api: XConnector, text: str, *, reply_to: str = "", media_ids: Sequence[str] = ()
) -> str:
    """One post on X (a reply when ``reply_to`` is set); its id."""
    payload: dict[str, Any] = {"text": text}
    if reply_to:
        payload["reply"] = {"in_reply_to_tweet_id": reply_to}
    if media_ids:
        payload["media"] = {"media_ids": list(media_ids)}
    response = api.request("POST", "/2/tweets", write=True, json=payload, expected=(200, 201))
    data = api.json_of(response, write=True)
    try:
        return x_id(obj(obj(data, "the answer").get("data"), "data").get("id"), "post id")
    except ShapeError as exc:
        raise OutcomeUnknownError(
            f"unexpected answer to a new post: {exc}", status=response.status_code
        ) from None


def check_publication(api: XConnector, post: OutboundPost) -> PublishResult | None:
    since = datetime.now(UTC) - CHECK_LOOKBACK
    try:
        mine = list(_recent_posts(api, since))
    except UnsupportedError as exc:
        raise UnsupportedError(
            CHECK_SENTENCE, status=exc.status, platform_code=exc.platform_code
        ) from exc
    first = with_link(post.text, post.link)
    roots = [p for p in mine if not p["parent"] and same_text(first, p["text"])]
    if not roots:
        return None
    root = min(roots, key=lambda p: int(p["id"]))  # the earliest is the original
    parts: list[str] = []
    previous = root["id"]
    for part in post.thread:
        found = [p for p in mine if p["parent"] == previous and same_text(part, p["text"])]
        if not found:
            break
        previous = min(found, key=lambda p: int(p["id"]))["id"]
        parts.append(previous)
    if len(parts) < len(post.thread):
        logger.warning(
            "X post %s: %d of %d thread parts found", root["id"], len(parts), len(post.thread)
        )
    return PublishResult(
        remote_id=root["id"],
        url=api.post_url(root["id"]),
        published_at=root["created_at"],
        thread_remote_ids=tuple(parts),
    )


def _recent_posts(api: XConnector, since: datetime) -> Iterator[dict[str, Any]]:
    own = api.own_id()
    params: dict[str, Any] = {
        "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "max_results": 100,
        "exclude": "retweets",
        "tweet.fields": "created_at,conversation_id,referenced_tweets",
    }
    for _ in range(CHECK_MAX_PAGES):
        response = api.request("GET", f"/2/users/{own}/tweets", params=params)
        body = api.json_of(response)
        try:
            body = obj(body, "the answer")
            for tweet in items(body.get("data"), "data"):
                tweet = obj(tweet, "a post")
                remote_id = x_id(tweet.get("id"), "post id")
                yield {
                    "id": remote_id,
                    "text": str_field(tweet.get("text"), "text"),
                    "parent": inbox.replied_to(tweet),
                    "created_at": created_at(tweet, remote_id),
                }
            token = obj(body.get("meta", {}), "meta").get("next_token")
        except ShapeError as exc:
            raise RetryableError(
                f"unexpected answer listing recent posts: {exc}", status=response.status_code
            ) from None
        if not isinstance(token, str) or not token:
            return
        params["pagination_token"] = token


def _data(body: Any) -> Mapping[str, Any]:
    """The ``data`` object of an answer, or an empty one when it is not there."""
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}
