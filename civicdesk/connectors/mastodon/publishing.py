"""Writing to Mastodon: statuses and threads, replies, deletes, and the check after an
unknown outcome, which also finishes a thread that stopped part-way.

Each status goes out with an ``Idempotency-Key`` header (a thread's parts with the
publication's key and the part's number), which Mastodon honours for about an hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
)
from civicdesk.connectors.shapes import with_link
from civicdesk.rules import measure_with

from . import media
from .shapes import (
    ShapeError,
    comparable,
    link_param,
    list_of,
    obj,
    path_id,
    plain_text,
    snowflake,
    string,
    timestamp,
)

if TYPE_CHECKING:
    from .connector import MastodonConnector

VISIBILITIES = ("public", "unlisted", "private", "direct")


def publish(api: MastodonConnector, post: OutboundPost) -> PublishResult:
    text = with_link(post.text, post.link)
    _check_length(api, text, *post.thread)
    payload: dict[str, Any] = {"status": text, "visibility": "public"}
    language = _language(post.language)
    if language:
        payload["language"] = language
    if post.reply_to:
        payload["in_reply_to_id"] = path_id(post.reply_to)
    if post.media:
        payload["media_ids"] = [media.upload(api, item) for item in post.media]
    head = _post_status(api, payload, idempotency_key=post.idempotency_key)
    if not post.thread:
        return head
    return _continue_thread(api, post, head, [])


def reply(
    api: MastodonConnector, target: ReplyTarget, text: str, *, idempotency_key: str
) -> PublishResult:
    original = api._status(target.remote_id)
    try:
        author = obj(original.get("account"), "account")
        handles = [string(author.get("acct"), "account.acct", optional=False)]
        for mention in list_of(original.get("mentions", []), "mentions"):
            mention = obj(mention, "a mention")
            if str(mention.get("id")) != api._account_id():
                handles.append(string(mention.get("acct"), "mention.acct", optional=False))
        visibility = string(original.get("visibility"), "visibility") or "public"
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer about the message: {exc}") from None
    if target.kind == MessageKind.DIRECT:
        visibility = "direct"
    elif visibility not in VISIBILITIES:
        visibility = "public"
    # Only mentioned accounts are notified, and a direct message reaches only them.
    own = api._account_id()
    if str(author.get("id")) == own:
        handles = handles[1:]
    prefix = " ".join(f"@{h}" for h in dict.fromkeys(handles) if f"@{h}" not in text)
    payload = {
        "status": f"{prefix} {text}" if prefix else text,
        "in_reply_to_id": path_id(target.remote_id),
        "visibility": visibility,
    }
    return _post_status(api, payload, idempotency_key=idempotency_key)


def delete(api: MastodonConnector, remote_id: str) -> None:
    try:
        api.request("DELETE", f"/api/v1/statuses/{path_id(remote_id)}", write=True)
    except RejectedError as exc:
        if exc.status != 404:
            raise
        # Already gone: deleting is done.


def check_publication(
    api: MastodonConnector, post: OutboundPost, *, since: datetime, page_size: int, pages: int
) -> PublishResult | None:
    """Look for the post among the account's statuses since ``since``, newest first."""
    wanted = comparable(with_link(post.text, post.link))
    seen: list[Mapping[str, Any]] = []
    head: Mapping[str, Any] | None = None
    max_id = ""
    for _ in range(pages):
        params: dict[str, Any] = {"limit": page_size, "exclude_reblogs": "true"}
        if max_id:
            params["max_id"] = max_id
        response = api.request(
            "GET", f"/api/v1/accounts/{api._account_id()}/statuses", params=params
        )
        try:
            page = [obj(s, "a status") for s in list_of(api.json_of(response), "the answer")]
            for status in page:
                snowflake(status.get("id"), "id")
                if timestamp(status.get("created_at"), "created_at") < since:
                    return _found(api, post, head, seen)
                seen.append(status)
                if status.get("in_reply_to_id") is None and _text_of(status) == wanted:
                    head = status
                    return _found(api, post, head, seen)
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing statuses: {exc}") from None
        if not page:
            return None
        max_id = link_param(response, "next", "max_id") or str(page[-1]["id"])
    raise RetryableError(
        "too many recent statuses on the account to tell whether the post went out"
    )


def _found(
    api: MastodonConnector,
    post: OutboundPost,
    head: Mapping[str, Any] | None,
    seen: list[Mapping[str, Any]],
) -> PublishResult | None:
    if head is None:
        return None
    try:
        result = _publish_result(head)
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer listing statuses: {exc}") from None
    if not post.thread:
        return result
    # Find the thread's parts already out (newer statuses answering the part before).
    ids: list[str] = []
    previous = result.remote_id
    for part in post.thread:
        match = next(
            (
                str(s.get("id"))
                for s in seen
                if str(s.get("in_reply_to_id")) == previous and _text_of(s) == comparable(part)
            ),
            "",
        )
        if not match:
            break
        ids.append(match)
        previous = match
    try:
        return _continue_thread(api, post, result, ids)
    except OutcomeUnknownError as exc:
        if isinstance(exc.__cause__, RejectedError):
            # The instance will not take the rest; the first part is out regardless.
            return PublishResult(result.remote_id, result.url, result.published_at, tuple(ids))
        raise


def _post_status(
    api: MastodonConnector, payload: dict[str, Any], *, idempotency_key: str
) -> PublishResult:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    response = api.request(
        "POST", "/api/v1/statuses", write=True, json=payload, headers=headers, expected=(200,)
    )
    data = api.json_of(response, write=True)
    try:
        return _publish_result(data)
    except ShapeError as exc:
        raise OutcomeUnknownError(
            f"unexpected answer to a new status: {exc}", status=response.status_code
        ) from None


def _continue_thread(
    api: MastodonConnector, post: OutboundPost, head: PublishResult, found: list[str]
) -> PublishResult:
    """Publish the thread's parts after those already out, each under its own key."""
    ids = list(found)
    previous = ids[-1] if ids else head.remote_id
    for number in range(len(ids) + 1, len(post.thread) + 1):
        payload = {
            "status": post.thread[number - 1],
            "in_reply_to_id": previous,
            "visibility": "public",
        }
        try:
            part = _post_status(api, payload, idempotency_key=f"{post.idempotency_key}:{number}")
        except ConnectorError as exc:
            # The first part is public: never report the whole post as failed.
            raise OutcomeUnknownError(
                f"the thread's first part is out, part {number + 1} is not: {exc}",
                status=exc.status,
            ) from exc
        ids.append(part.remote_id)
        previous = part.remote_id
    return PublishResult(
        remote_id=head.remote_id,
        url=head.url,
        published_at=head.published_at,
        thread_remote_ids=tuple(ids),
    )


def _check_length(api: MastodonConnector, *texts: str) -> None:
    rules = api.instance_rules()
    for text in texts:
        measured = measure_with(text, rules)
        if measured.length > measured.limit:
            raise RejectedError(
                f"{measured.length} characters; this instance allows {measured.limit}"
            )


def _publish_result(data: Any) -> PublishResult:
    body = obj(data, "the answer")
    remote_id = snowflake(body.get("id"), "id")
    if "scheduled_at" in body and "params" in body:
        raise ShapeError("a scheduled status came back instead of a published one")
    created_at = body.get("created_at")
    return PublishResult(
        remote_id=remote_id,
        url=string(body.get("url"), "url") or string(body.get("uri"), "uri"),
        published_at=timestamp(created_at, "created_at") if created_at is not None else None,
    )


def _text_of(status: Mapping[str, Any]) -> str:
    content = status.get("content")
    return comparable(plain_text(content)) if isinstance(content, str) else ""


def _language(language: str) -> str:
    code = language.split("-")[0].split("_")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else ""
