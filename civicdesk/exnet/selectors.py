"""Reads of the exercise network, shaped as the JSON its API returns."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Sum
from django.urls import reverse

from civicdesk.exnet.models import (
    NetAccount,
    NetDirectMessage,
    NetEvent,
    NetFollow,
    NetLike,
    NetPost,
    NetRepost,
)

# Turns a site path into an absolute URL (built from the request in the API).
Absolute = Callable[[str], str]

MAX_INBOX_PAGE = 200
MAX_SEARCH_PAGE = 100
SEARCH_TYPES = ("keyword", "hashtag", "account")


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def post_path(post: NetPost) -> str:
    return reverse("exnet:post", args=[post.account.handle, post.pk])


def followers_by_account(account_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        NetFollow.objects.filter(followee_id__in=set(account_ids))
        .values("followee_id")
        .annotate(n=Count("id"))
    )
    return {row["followee_id"]: row["n"] for row in rows}


def account_payload(account: NetAccount, *, followers: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(account.pk),
        "handle": account.handle,
        "display_name": account.display_name,
    }
    if followers is not None:
        data["followers"] = followers
    return data


def me_payload(account: NetAccount, absolute: Absolute) -> dict[str, Any]:
    return account_payload(
        account, followers=followers_by_account([account.pk]).get(account.pk, 0)
    ) | {
        "bio": account.bio,
        "is_simulated": account.is_simulated,
        "created_at": iso(account.created_at),
        "url": absolute(reverse("exnet:account", args=[account.handle])),
    }


def post_payload(post: NetPost, absolute: Absolute) -> dict[str, Any]:
    return {
        "id": str(post.pk),
        "url": absolute(post_path(post)),
        "text": post.text,
        "author": account_payload(post.account),
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at) if post.edited_at else None,
        "in_reply_to": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "root_post": str(post.root_id) if post.root_id else None,
        "hidden": post.hidden_at is not None,
        "client_ref": post.client_ref or None,
        "media": [
            {
                "content_type": m.content_type,
                "size": m.size,
                "alt_text": m.alt_text,
                "captions": bool(m.captions),
            }
            for m in post.media.all()
        ],
    }


def dm_payload(message: NetDirectMessage) -> dict[str, Any]:
    return {
        "id": f"dm-{message.pk}",
        "text": message.text,
        "from": account_payload(message.sender),
        "to": account_payload(message.recipient),
        "created_at": iso(message.created_at),
        "conversation": message.conversation,
        "client_ref": message.client_ref or None,
    }


def own_posts(*, account: NetAccount, client_ref: str = "", limit: int = 50) -> list[NetPost]:
    posts = (
        NetPost.objects.filter(account=account, deleted_at=None)
        .select_related("account")
        .prefetch_related("media")
    )
    if client_ref:
        posts = posts.filter(client_ref=client_ref)
    return list(posts[:limit])


def inbox_page(
    *, account: NetAccount, after: int, limit: int, absolute: Absolute
) -> dict[str, Any]:
    """Events after ``after`` in sequence order; a cursor never skips or repeats one."""
    limit = max(1, min(limit, MAX_INBOX_PAGE))
    rows = list(
        NetEvent.objects.filter(recipient=account, seq__gt=after)
        .select_related(
            "post__account", "post__root", "direct_message__sender", "direct_message__recipient"
        )
        .order_by("seq")[: limit + 1]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    authors = {
        (e.post.account_id if e.post_id else e.direct_message.sender_id)  # type: ignore[union-attr]
        for e in rows
    }
    followers = followers_by_account(authors)
    events = [_event_payload(event, account, followers, absolute) for event in rows]
    return {
        "events": events,
        "next_after": rows[-1].seq if rows else after,
        "has_more": has_more,
    }


def _event_payload(
    event: NetEvent, account: NetAccount, followers: dict[int, int], absolute: Absolute
) -> dict[str, Any]:
    base = {"seq": event.seq, "kind": event.kind}
    if event.direct_message is not None:
        dm = event.direct_message
        return base | {
            "id": f"dm-{dm.pk}",
            "text": dm.text,
            "author": account_payload(dm.sender, followers=followers.get(dm.sender_id, 0)),
            "created_at": iso(dm.created_at),
            "in_reply_to": None,
            "root_post": None,
            "root_post_is_mine": False,
            "conversation": dm.conversation,
            "url": None,
        }
    post = event.post
    assert post is not None  # the table's check constraint guarantees one subject
    return base | {
        "id": str(post.pk),
        "text": "" if post.deleted_at else post.text,
        "deleted": post.deleted_at is not None,
        "author": account_payload(post.account, followers=followers.get(post.account_id, 0)),
        "created_at": iso(post.created_at),
        "in_reply_to": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "root_post": str(post.root_id) if post.root_id else None,
        "root_post_is_mine": post.root is not None and post.root.account_id == account.pk,
        "conversation": str(post.thread_root_id),
        "url": absolute(post_path(post)),
    }


def post_metrics(post: NetPost) -> dict[str, Any]:
    likes = NetLike.objects.filter(post=post).count()
    reposts = NetRepost.objects.filter(post=post).count()
    replies = NetPost.objects.filter(in_reply_to=post, deleted_at=None).count()
    return {
        "id": str(post.pk),
        "impressions": post.impressions,
        "likes": likes,
        "reposts": reposts,
        "replies": replies,
        "engagements": likes + reposts + replies,
    }


def account_metrics(account: NetAccount) -> dict[str, Any]:
    own = NetPost.objects.filter(account=account, deleted_at=None)
    likes = NetLike.objects.filter(post__in=own).count()
    reposts = NetRepost.objects.filter(post__in=own).count()
    replies = (
        NetPost.objects.filter(in_reply_to__in=own, deleted_at=None)
        .exclude(account=account)
        .count()
    )
    return {
        "followers": NetFollow.objects.filter(followee=account).count(),
        "following": NetFollow.objects.filter(follower=account).count(),
        "posts": own.count(),
        "impressions": own.aggregate(total=Sum("impressions"))["total"] or 0,
        "engagements": likes + reposts + replies,
    }


def timeline(*, limit: int = 50) -> list[NetPost]:
    return list(
        NetPost.objects.filter(deleted_at=None)
        .select_related("account", "in_reply_to__account")
        .prefetch_related("media")[:limit]
    )


def thread_replies(post: NetPost) -> list[NetPost]:
    """The replies under a post, oldest first: the whole thread below a top-level post.
    Replies the thread's owner hid are left out, as the public sees it."""
    replies = NetPost.objects.filter(deleted_at=None, hidden_at=None).select_related(
        "account", "in_reply_to__account"
    )
    if post.root_id is None:
        replies = replies.filter(root=post)
    else:
        replies = replies.filter(in_reply_to=post)
    return list(replies.order_by("created_at", "id"))


def _matches(text: str, query: str, kind: str) -> bool:
    """A keyword or a hashtag as a whole word (a search for #bridge misses #bridges)."""
    word = ("#" if kind == "hashtag" else "") + re.escape(query)
    return re.search(rf"(?<![\w#]){word}(?!\w)", text, re.IGNORECASE) is not None


def search_page(
    *, account: NetAccount, query: str, kind: str, after: int, limit: int, absolute: Absolute
) -> dict[str, Any]:
    """Public posts by other accounts that use a keyword or hashtag, or that an account
    wrote, after the post id ``after``, oldest first: ``next_after`` never skips one, as
    post ids only grow."""
    limit = max(1, min(limit, MAX_SEARCH_PAGE))
    posts = NetPost.objects.filter(pk__gt=after, deleted_at=None).exclude(account=account)
    if kind == "account":
        posts = posts.filter(account__handle__iexact=query)
    else:
        # The database narrows by substring; the whole-word test runs on what it found.
        posts = posts.filter(text__icontains=("#" if kind == "hashtag" else "") + query)
    found: list[NetPost] = []
    scanned = after
    has_more = False
    for post in posts.select_related("account").order_by("pk").iterator(chunk_size=500):
        if len(found) == limit:
            has_more = True
            break
        scanned = post.pk
        if kind == "account" or _matches(post.text, query, kind):
            found.append(post)
    followers = followers_by_account({p.account_id for p in found})
    return {
        "posts": [
            post_payload_light(p, absolute) | {"author": _author(p, followers)} for p in found
        ],
        "next_after": scanned,
        "has_more": has_more,
    }


def _author(post: NetPost, followers: dict[int, int]) -> dict[str, Any]:
    return account_payload(post.account, followers=followers.get(post.account_id, 0))


def post_payload_light(post: NetPost, absolute: Absolute) -> dict[str, Any]:
    """A post without its media (a search answer lists many)."""
    return {
        "id": str(post.pk),
        "url": absolute(post_path(post)),
        "text": post.text,
        "created_at": iso(post.created_at),
        "in_reply_to": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "conversation": str(post.thread_root_id),
    }
