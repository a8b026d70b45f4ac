"""Turning LinkedIn's answers into Civic Desk's: comments, statistics, the inbox cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from civicdesk.connectors.base import (
    MessageKind,
    PostMetrics,
    RejectedError,
    RemoteAuthor,
    RemoteMessage,
)
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.shapes import ShapeError


def comment_message(
    comment: Mapping[str, Any], post_urn: str, parent: str = ""
) -> RemoteMessage | None:
    if comment.get("deleted") is True:
        return None
    object_urn = s.text(comment.get("object"), "object") or post_urn
    remote_id = ""
    for key in ("commentUrn", "$URN"):
        value = comment.get(key)
        if isinstance(value, str) and s.COMMENT_URN.match(value):
            remote_id = value
            break
    if not remote_id:
        comment_id = comment.get("id")
        if isinstance(comment_id, bool) or not isinstance(comment_id, str | int):
            raise ShapeError("a comment has no id")
        remote_id = f"urn:li:comment:({object_urn},{comment_id})"
    actor = s.urn(comment.get("actor"), "actor")
    created = s.obj(comment.get("created"), "created")
    message = s.obj(comment.get("message") or {}, "message")
    parent = parent or s.text(comment.get("parentComment"), "parentComment")
    return RemoteMessage(
        remote_id=remote_id,
        kind=MessageKind.REPLY if parent else MessageKind.COMMENT,
        text=s.text(message.get("text"), "message.text"),
        author=RemoteAuthor(remote_id=actor, handle=actor.rsplit(":", 1)[-1]),
        created_at=s.epoch_ms(created.get("time"), "created.time"),
        in_reply_to_remote_id=parent or post_urn,
        root_post_remote_id=post_urn,
        conversation_remote_id=parent or remote_id,
        url=s.post_url(post_urn),
        raw=dict(comment),
    )


def post_metrics(remote_id: str, stats: Mapping[str, Any]) -> PostMetrics:
    likes, comments = s.count(stats, "likeCount"), s.count(stats, "commentCount")
    shares, clicks = s.count(stats, "shareCount"), s.count(stats, "clickCount")
    return PostMetrics(
        remote_id=remote_id,
        impressions=s.count(stats, "impressionCount"),
        reach=s.count(stats, "uniqueImpressionsCount"),
        engagements=s.total(likes, comments, shares, clicks),
        likes=likes,
        reposts=shares,
        replies=comments,
        clicks=clicks,
    )


def service_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        code = body.get("code") or body.get("serviceErrorCode")
        return str(code)[:60] if code is not None else None
    return None


def normal(text: str) -> str:
    return " ".join(text.split())


def epoch_ms_of(message: RemoteMessage) -> int:
    return int(message.created_at.timestamp() * 1000)


def since_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = json.loads(cursor).get("since")
    except (ValueError, AttributeError):
        value = None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RejectedError(f"not a LinkedIn inbox cursor: {cursor[:40]!r}")
    return value
