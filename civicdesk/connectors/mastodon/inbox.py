"""The Mastodon inbox: mention notifications, oldest first, after a notification id cursor.

Each mentioning status becomes a message; its thread's root (one ``context`` call per
thread) tells a comment on our own post from a reply or a mention elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    InboundPage,
    MessageKind,
    RejectedError,
    RemoteAuthor,
    RemoteMessage,
    RetryableError,
)

from .shapes import (
    ShapeError,
    id_order,
    is_id,
    link_param,
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

NOTIFICATION_PAGE = 80  # Mastodon's maximum for /api/v1/notifications


def fetch_inbound(api: MastodonConnector, cursor: str | None, *, limit: int) -> InboundPage:
    after = cursor or "0"
    if not is_id(after):
        raise RejectedError(f"not a Mastodon notification id: {after[:40]!r}")
    page_size = max(1, min(limit, NOTIFICATION_PAGE))
    # min_id pages forward from the cursor: the notifications right after it, oldest first.
    params = [("types[]", "mention"), ("limit", str(page_size)), ("min_id", after)]
    response = api.request("GET", "/api/v1/notifications", params=params)
    data = api.json_of(response)
    roots: dict[str, tuple[str, str]] = {}
    try:
        items = [obj(n, "a notification") for n in list_of(data, "the answer")]
        ids = [snowflake(n.get("id"), "id") for n in items]
        if any(id_order(i) <= id_order(after) for i in ids):
            raise ShapeError("a notification older than the cursor")
        messages = []
        for notification in sorted(items, key=lambda n: id_order(str(n["id"]))):
            if notification.get("type") != "mention" or notification.get("status") is None:
                continue  # not a mention, or its status was deleted since
            status = obj(notification.get("status"), "status")
            messages.append(_message(api, status, roots))
    except ShapeError as exc:
        # The whole page is refused, so the cursor stays put and nothing is skipped.
        raise RetryableError(
            f"unexpected notifications answer: {exc}", status=response.status_code
        ) from None
    if not ids:
        return InboundPage(messages=[], next_cursor=None, has_more=False)
    newest = max(ids, key=id_order)
    linked = link_param(response, "prev", "min_id")
    if linked and id_order(linked) >= id_order(newest):
        newest = linked
    return InboundPage(messages=messages, next_cursor=newest, has_more=len(items) >= page_size)


def _thread_root(
    api: MastodonConnector,
    status_id: str,
    parent_id: str,
    parent_account: str,
    roots: dict[str, tuple[str, str]],
) -> tuple[str, str]:
    """(root status id, root author id) of the thread a status belongs to."""
    if parent_id in roots:
        return roots[parent_id]
    try:
        response = api.request("GET", f"/api/v1/statuses/{status_id}/context")
    except RejectedError as exc:
        if exc.status != 404:
            raise
        return parent_id, parent_account  # the status went away meanwhile
    context = obj(api.json_of(response), "the context")
    ancestors = [obj(a, "an ancestor") for a in list_of(context.get("ancestors"), "ancestors")]
    if not ancestors:
        found = (parent_id, parent_account)  # the parent is not visible to us
    else:
        first = ancestors[0]
        author = first.get("account")
        author_id = str(author.get("id", "")) if isinstance(author, dict) else ""
        found = (snowflake(first.get("id"), "ancestor id"), author_id)
    for ancestor in ancestors:
        roots[str(ancestor.get("id"))] = found
    roots[status_id] = found
    return found


def _message(
    api: MastodonConnector, status: Mapping[str, Any], roots: dict[str, tuple[str, str]]
) -> RemoteMessage:
    remote_id = snowflake(status.get("id"), "status id")
    author = obj(status.get("account"), "account")
    author_id = snowflake(author.get("id"), "account id")
    parent = optional_snowflake(status.get("in_reply_to_id"), "in_reply_to_id")
    parent_account = optional_snowflake(
        status.get("in_reply_to_account_id"), "in_reply_to_account_id"
    )
    own = api._account_id()
    if parent:
        root, root_author = _thread_root(api, remote_id, parent, parent_account, roots)
    else:
        root, root_author = remote_id, author_id
    roots.setdefault(remote_id, (root, root_author))
    if status.get("visibility") == "direct":
        kind = MessageKind.DIRECT
    elif parent and root_author == own and parent == root:
        kind = MessageKind.COMMENT
    elif parent and parent_account == own:
        kind = MessageKind.REPLY
    else:
        kind = MessageKind.MENTION
    followers = author.get("followers_count")
    if followers is not None and (isinstance(followers, bool) or not isinstance(followers, int)):
        raise ShapeError("account.followers_count is not a count")
    return RemoteMessage(
        remote_id=remote_id,
        kind=kind,
        text=plain_text(string(status.get("content"), "content")),
        author=RemoteAuthor(
            remote_id=author_id,
            handle=string(author.get("acct"), "account.acct", optional=False),
            display_name=string(author.get("display_name"), "account.display_name"),
            followers=followers,
        ),
        created_at=timestamp(status.get("created_at"), "created_at"),
        in_reply_to_remote_id=parent,
        root_post_remote_id=root if root_author == own and root != remote_id else "",
        conversation_remote_id=root,
        url=string(status.get("url"), "url") or string(status.get("uri"), "uri"),
        raw=dict(status),
    )
