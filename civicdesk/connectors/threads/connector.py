"""Threads through the Threads API (graph.threads.net), with a long-lived user token.

Publishing is two-step (a container, then ``threads_publish``); a thread's later parts
are published as replies to the part before. Replies to our posts and mentions form the
inbox; Threads has no private messages in its API.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.base import (
    AccountMetrics,
    Capability,
    ChannelHealth,
    ConnectorError,
    InboundPage,
    MediaItem,
    MessageKind,
    MetricTable,
    OutboundPost,
    PostMetrics,
    PublishResult,
    RejectedError,
    RemoteAuthor,
    RemoteMessage,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
)
from civicdesk.connectors.meta.containers import (
    create_container,
    publish_container,
    wait_until_ready,
)
from civicdesk.connectors.meta.graph import (
    GraphConnector,
    insight_values,
    is_invalid_metric,
    is_missing_object,
)
from civicdesk.connectors.meta.inbox import decode_cursor, page_of
from civicdesk.connectors.meta.media import MediaUrlBuilder, site_media_url
from civicdesk.connectors.meta.shapes import (
    ShapeError,
    id_of,
    object_of,
    text_of,
    time_of,
)
from civicdesk.rules.counting import measure

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

METRICS = MetricTable(
    version="2025-08-01",
    names={
        "impressions": "views",
        "likes": "likes",
        "replies": "replies",
        "reposts": "reposts",
        "followers": "followers_count",
        "account_impressions": "views",
    },
    retired={
        "reach": "Threads reports no reach",
        "engagements": "Threads reports likes, replies, reposts and quotes separately; "
        "quotes are not added to any of our counts",
        "clicks": "Threads reports link clicks only per link, not per post",
    },
)

MEDIA_INSIGHTS = ("views", "likes", "replies", "reposts", "quotes", "shares")
USER_INSIGHTS = ("views", "likes", "replies", "reposts", "quotes", "followers_count")
REPLY_FIELDS = (
    "id,text,username,timestamp,permalink,replied_to,root_post,is_reply_owned_by_me,hide_status"
)
FIRST_LOOKBACK = timedelta(days=7)
RECENT_POSTS = 10
MAX_CAROUSEL = 20


class ThreadsConnector(GraphConnector):
    platform: ClassVar[str] = "threads"
    default_base_url: ClassVar[str] = "https://graph.threads.net/v1.0"
    token_in_query: ClassVar[bool] = True
    metrics: ClassVar[MetricTable | None] = METRICS
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.INBOX,
            Capability.REPLY,
            Capability.POST_METRICS,
            Capability.ACCOUNT_METRICS,
            Capability.MEDIA,
            Capability.THREADS,
            Capability.SELF_REPLY,
            Capability.HIDE,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.CAPTIONS: _(
            "Civic Desk publishes no videos to Threads, and its API takes no caption files."
        ),
        Capability.DELETE_COMMENT: _(
            "Threads does not let an account delete other people's replies; hide the reply instead."
        ),
        Capability.BLOCK: _("Threads' API cannot block a profile; block it in the Threads app."),
        **dict.fromkeys(
            (
                Capability.LISTEN_KEYWORDS,
                Capability.LISTEN_HASHTAGS,
                Capability.LISTEN_ACCOUNTS,
            ),
            _(
                "Civic Desk does not follow keywords, hashtags or accounts on Threads: its "
                "keyword search needs a permission Meta grants case by case."
            ),
        ),
        Capability.DIRECT_MESSAGES: _("The Threads API gives no access to private messages."),
        Capability.MEDIA: _(
            "Threads takes JPEG or PNG images (up to 20) from a public "
            "address; videos are not published from here."
        ),
    }

    def __init__(
        self,
        *,
        media_url_builder: MediaUrlBuilder | None = None,
        base_url: str = "",
        credentials: Mapping[str, str] | None = None,
        handle: str = "",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(
            base_url=base_url,
            credentials=credentials,
            handle=handle,
            client=client,
            timeout=timeout,
        )
        self.media_url_builder = media_url_builder or site_media_url

    @property
    def user_id(self) -> str:
        return self.credentials.get("user_id", "") or "me"

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        text = _text(post)
        for part in (text, *post.thread):
            if not measure(part, "threads").fits:
                raise RejectedError(
                    "a part of this post is longer than Threads' 500 "
                    "characters; split it into a thread"
                )
        if (
            any(not item.content_type.startswith("image/") for item in post.media)
            or len(post.media) > MAX_CAROUSEL
        ):
            raise UnsupportedError(self.limitations[Capability.MEDIA])
        # A later update answering our earlier post continues that post's thread.
        first = self._publish_one(text, media=post.media, reply_to=post.reply_to)
        later = []
        previous = first
        for part in post.thread:
            previous = self._publish_one(part, reply_to=previous)
            later.append(previous)
        return self._describe(first, later)

    def _publish_one(
        self, text: str, *, media: Sequence[MediaItem] = (), reply_to: str = ""
    ) -> str:
        path = f"/{self.user_id}/threads"
        extra = {"reply_to_id": reply_to} if reply_to else {}
        if not media:
            container = create_container(self, path, {"media_type": "TEXT", "text": text, **extra})
        elif len(media) == 1:
            container = create_container(
                self,
                path,
                {
                    "media_type": "IMAGE",
                    "image_url": self._public_url(media[0]),
                    "text": text,
                    "alt_text": media[0].alt_text,
                    **extra,
                },
            )
        else:
            children = [
                create_container(
                    self,
                    path,
                    {
                        "media_type": "IMAGE",
                        "image_url": self._public_url(item),
                        "alt_text": item.alt_text,
                        "is_carousel_item": "true",
                    },
                )
                for item in media
            ]
            for child in children:
                wait_until_ready(self, child, field="status")
            container = create_container(
                self,
                path,
                {"media_type": "CAROUSEL", "children": ",".join(children), "text": text, **extra},
            )
        wait_until_ready(self, container, field="status")
        return publish_container(self, f"/{self.user_id}/threads_publish", container)

    def _public_url(self, item: MediaItem) -> str:
        url = self.media_url_builder(item)
        if not url.startswith(("http://", "https://")):
            raise UnsupportedError(
                "Threads needs the image at a public web address, and none could be made for it"
            )
        return url

    def _describe(self, remote_id: str, later: Sequence[str] = ()) -> PublishResult:
        try:
            body = self.read(f"/{remote_id}", fields="permalink,timestamp")
            return PublishResult(
                remote_id=remote_id,
                thread_remote_ids=tuple(later),
                url=text_of(body.get("permalink"), "permalink"),
                published_at=time_of(body["timestamp"], "timestamp")
                if body.get("timestamp")
                else None,
            )
        except (ConnectorError, ShapeError) as exc:
            logger.warning("threads: published %s but could not read it back: %s", remote_id, exc)
            return PublishResult(remote_id=remote_id, thread_remote_ids=tuple(later))

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            raise UnsupportedError(self.limitations[Capability.DIRECT_MESSAGES])
        if not measure(text, "threads").fits:
            raise RejectedError("the answer is longer than Threads' 500 characters")
        return self._describe(self._publish_one(text, reply_to=target.remote_id))

    def delete(self, remote_id: str) -> None:
        body = self.call("DELETE", f"/{remote_id}", write=True)
        if body.get("success") is False:
            raise RejectedError("Threads did not delete the post")

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        self.call(
            "POST",
            f"/{remote_id}/manage_reply",
            write=True,
            data={"hide": "true" if hidden else "false"},
        )

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        """Look for our exact text among the account's recent posts (no idempotency key).

        Only the first part is looked for: if it is found, the thread's later parts that
        may be missing are not published again.
        """
        text = _text(post)
        if not text.strip():
            raise RejectedError(
                "a Threads post without text cannot be recognised after an "
                "interrupted attempt; check the profile by hand"
            )
        params = {"fields": "id,text,timestamp,permalink", "limit": 25}
        try:
            for item in self.listing(f"/{self.user_id}/threads", params, max_pages=2):
                if text_of(item.get("text"), "text").strip() == text.strip():
                    return PublishResult(
                        remote_id=id_of(item.get("id"), "id"),
                        url=text_of(item.get("permalink"), "permalink"),
                        published_at=time_of(item["timestamp"], "timestamp")
                        if item.get("timestamp")
                        else None,
                    )
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing posts: {exc}") from None
        return None

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        since = decode_cursor(cursor, default=datetime.now(UTC) - FIRST_LOOKBACK)
        try:
            messages = self._replies_since(since)
            messages += self._mentions_since(since)
        except ShapeError as exc:
            raise RetryableError(f"unexpected inbox answer: {exc}") from None
        return page_of(messages, limit=limit, since=since)

    def _replies_since(self, since: datetime) -> list[RemoteMessage]:
        found = []
        posts = self.listing(
            f"/{self.user_id}/threads",
            {"fields": "id,timestamp", "limit": RECENT_POSTS},
            max_pages=1,
        )
        for post in list(posts):
            post_id = id_of(post.get("id"), "post id")
            params = {"fields": REPLY_FIELDS, "reverse": "false", "limit": 100}
            for item in self.listing(f"/{post_id}/conversation", params):
                if item.get("is_reply_owned_by_me") is True:
                    continue
                message = self._reply(item, post_id)
                if message.created_at >= since:
                    found.append(message)
        return found

    def _reply(self, item: Mapping[str, Any], post_id: str) -> RemoteMessage:
        reply_id = id_of(item.get("id"), "reply id")
        replied_to = item.get("replied_to")
        parent = (
            id_of(object_of(replied_to, "replied_to").get("id"), "replied_to.id")
            if replied_to
            else post_id
        )
        root = item.get("root_post")
        root_id = id_of(object_of(root, "root_post").get("id"), "root_post.id") if root else post_id
        username = text_of(item.get("username"), "username")
        return RemoteMessage(
            remote_id=reply_id,
            kind=MessageKind.COMMENT if parent == root_id else MessageKind.REPLY,
            text=text_of(item.get("text"), "text"),
            author=RemoteAuthor(
                remote_id=f"threads:{username}" if username else f"unknown:{reply_id}",
                handle=username or "Threads user",
            ),
            created_at=time_of(item.get("timestamp"), "timestamp"),
            in_reply_to_remote_id=parent,
            root_post_remote_id=root_id,
            conversation_remote_id=root_id,
            url=text_of(item.get("permalink"), "permalink"),
            raw=dict(item),
        )

    def _mentions_since(self, since: datetime) -> list[RemoteMessage]:
        params = {"fields": "id,text,username,timestamp,permalink", "limit": 25}
        found = []
        try:
            items = list(self.listing(f"/{self.user_id}/mentions", params, max_pages=1))
        except RejectedError as exc:
            # Mentions need the threads_manage_mentions permission, which older
            # connections lack; their replies still arrive.
            logger.warning("threads mentions unavailable: %s", exc)
            return []
        for item in items:
            media_id = id_of(item.get("id"), "mention id")
            created = time_of(item.get("timestamp"), "timestamp")
            if created < since:
                continue
            username = text_of(item.get("username"), "username")
            found.append(
                RemoteMessage(
                    remote_id=media_id,
                    kind=MessageKind.MENTION,
                    text=text_of(item.get("text"), "text"),
                    author=RemoteAuthor(
                        remote_id=f"threads:{username}" if username else f"unknown:{media_id}",
                        handle=username or "Threads user",
                    ),
                    created_at=created,
                    conversation_remote_id=media_id,
                    url=text_of(item.get("permalink"), "permalink"),
                    raw=dict(item),
                )
            )
        return found

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        results = []
        for remote_id in remote_ids:
            try:
                values = insight_values(
                    self.read(f"/{remote_id}/insights", metric=",".join(MEDIA_INSIGHTS))
                )
            except RejectedError as exc:
                if is_missing_object(exc):
                    continue
                if not is_invalid_metric(exc):
                    raise
                values = {}
            except ShapeError as exc:
                raise RetryableError(f"unexpected insights answer: {exc}") from None
            results.append(
                PostMetrics(
                    remote_id=remote_id,
                    impressions=values.get("views"),
                    likes=values.get("likes"),
                    replies=values.get("replies"),
                    reposts=values.get("reposts"),
                )
            )
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        try:
            values = insight_values(
                self.read(f"/{self.user_id}/threads_insights", metric=",".join(USER_INSIGHTS))
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected insights answer: {exc}") from None
        return AccountMetrics(
            followers=values.get("followers_count"), impressions=values.get("views")
        )

    def check_health(self) -> ChannelHealth:
        try:
            body = self.read("/me", fields="id,username")
            username = text_of(body.get("username"), "username")
        except (ConnectorError, ShapeError) as exc:
            return ChannelHealth.failed(exc)
        return ChannelHealth(ok=True, detail=f"connected to @{username}")


def _text(post: OutboundPost) -> str:
    if post.link and post.link not in post.text:
        return f"{post.text}\n{post.link}" if post.text else post.link
    return post.text
