"""Writing to LinkedIn as the organization: posts, comments in answer, deletes, and the
check after an unknown outcome.

Posts go out in LinkedIn's "little text" format (reserved characters escaped). LinkedIn
has no idempotency key: after an unknown outcome ``check_publication`` reads the
organization's recent posts for our text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from civicdesk.connectors.base import (
    Capability,
    MessageKind,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
)
from civicdesk.connectors.linkedin import media
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.mapping import normal
from civicdesk.connectors.linkedin.shapes import ShapeError
from civicdesk.connectors.shapes import with_link
from civicdesk.rules.counting import linkedin_escape

if TYPE_CHECKING:
    from civicdesk.connectors.linkedin.connector import LinkedInConnector

# How many recent posts are searched after an unknown outcome.
CHECK_RECENT_POSTS = 50


def publish(api: LinkedInConnector, post: OutboundPost) -> PublishResult:
    if post.thread:
        raise UnsupportedError(api._unsupported(Capability.THREADS))
    org = api.organization
    payload: dict[str, Any] = {
        "author": org,
        "commentary": _commentary(post),
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if post.media:
        images = [media.upload_image(api, item) for item in post.media]
        if len(images) == 1:
            payload["content"] = {"media": images[0]}
        else:
            payload["content"] = {"multiImage": {"images": images}}
    response = api.request("POST", "/posts", write=True, json=payload, expected=(200, 201))
    remote_id = unquote(response.headers.get("x-restli-id", "")).strip()
    if not s.POST_URN.match(remote_id):
        raise OutcomeUnknownError(
            "LinkedIn accepted the post but did not say its id (no x-restli-id)",
            status=response.status_code,
        )
    return PublishResult(remote_id=remote_id, url=s.post_url(remote_id))


def delete(api: LinkedInConnector, remote_id: str) -> None:
    if not s.POST_URN.match(remote_id):
        raise RejectedError(f"not a LinkedIn post URN: {remote_id[:60]!r}")
    try:
        api.request(
            "DELETE",
            f"/posts/{s.encode(remote_id)}",
            write=True,
            headers={"X-RestLi-Method": "DELETE"},
        )
    except RejectedError as exc:
        if exc.status != 404:
            raise
        # Already gone: deleting is done.


def reply(api: LinkedInConnector, target: ReplyTarget, text: str) -> PublishResult:
    if target.kind == MessageKind.DIRECT:
        raise UnsupportedError(api._unsupported(Capability.DIRECT_MESSAGES))
    org = api.organization
    # LinkedIn nests one level: an answer to a reply goes under the first comment.
    conversation = target.conversation_remote_id
    parent = conversation if s.COMMENT_URN.match(conversation) else target.remote_id
    if s.COMMENT_URN.match(parent):
        post = s.comment_object(parent)
        payload: dict[str, Any] = {
            "actor": org,
            "object": post,
            "parentComment": parent,
            "message": {"text": text},
        }
        path = f"/socialActions/{s.encode(parent)}/comments"
    elif s.POST_URN.match(parent) or parent.startswith("urn:li:activity:"):
        payload = {"actor": org, "object": parent, "message": {"text": text}}
        path = f"/socialActions/{s.encode(parent)}/comments"
    else:
        raise RejectedError(f"cannot answer on LinkedIn: {parent[:60]!r} is not a comment")
    response = api.request("POST", path, write=True, json=payload, expected=(200, 201))
    header = unquote(response.headers.get("x-restli-id", "")).strip()
    body: Any = {}
    if response.content:
        body = api.json_of(response, write=True)
    comment = ""
    if isinstance(body, dict):
        for key in ("commentUrn", "$URN"):
            if isinstance(body.get(key), str) and s.COMMENT_URN.match(body[key]):
                comment = body[key]
                break
        else:
            object_urn, comment_id = body.get("object"), body.get("id")
            if isinstance(object_urn, str) and isinstance(comment_id, str | int):
                comment = f"urn:li:comment:({object_urn},{comment_id})"
    if not comment and s.COMMENT_URN.match(header):
        comment = header
    if not s.COMMENT_URN.match(comment):
        raise OutcomeUnknownError(
            "LinkedIn accepted the comment but did not say its id", status=response.status_code
        )
    return PublishResult(remote_id=comment, url=s.post_url(s.comment_object(comment)))


def check_publication(api: LinkedInConnector, post: OutboundPost) -> PublishResult | None:
    wanted = {normal(_commentary(post)), normal(post.text)}
    for item in api._recent_posts(CHECK_RECENT_POSTS):
        try:
            remote_id = s.urn(item.get("id"), "id")
            commentary = s.text(item.get("commentary"), "commentary")
            if normal(commentary) not in wanted:
                continue
            when = item.get("publishedAt") or item.get("createdAt")
            published = s.epoch_ms(when, "publishedAt") if when is not None else None
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing posts: {exc}") from None
        return PublishResult(remote_id=remote_id, url=s.post_url(remote_id), published_at=published)
    return None


def _commentary(post: OutboundPost) -> str:
    return linkedin_escape(with_link(post.text, post.link))
