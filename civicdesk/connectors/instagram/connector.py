"""Instagram professional accounts through the Instagram API with Facebook Login.

The account is linked to a Facebook Page; calls go to graph.facebook.com with the Page's
access token. Publishing is two-step (a media container, then ``media_publish``) and
always needs an image, which Instagram downloads from a public URL.
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
    OutcomeUnknownError,
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
from civicdesk.connectors.meta.messaging import fetch_direct_messages, send_direct_message
from civicdesk.connectors.meta.shapes import (
    ShapeError,
    count_of,
    id_of,
    list_of,
    object_of,
    text_of,
    time_of,
)
from civicdesk.rules.counting import measure

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

GRAPH_VERSION = "v24.0"

METRICS = MetricTable(
    version="2025-04-21",
    names={
        "impressions": "views",
        "reach": "reach",
        "likes": "likes",
        "replies": "comments",
        "reposts": "shares",
        "engagements": "total_interactions",
        "followers": "followers_count",
        "following": "follows_count",
        "posts": "media_count",
        "account_impressions": "views",
        "account_reach": "reach",
        "account_engagements": "total_interactions",
    },
    retired={
        "impressions": "Instagram's impressions was retired on 2025-04-21 (v22.0 earlier) "
        "for media created after 2024-07-01; views is recorded in its place",
        "video_views": "video_views and plays were retired (plays on 2025-04-21); views "
        "covers every media type",
        "clicks": "Instagram reports no link clicks for posts",
    },
)

MEDIA_INSIGHTS = ("views", "reach", "likes", "comments", "saved", "shares", "total_interactions")
ACCOUNT_INSIGHTS = ("views", "reach", "total_interactions")
COMMENT_FIELDS = (
    "id,text,timestamp,username,from{id,username},parent_id,"
    "replies{id,text,timestamp,username,from{id,username},parent_id}"
)
FIRST_LOOKBACK = timedelta(days=7)
RECENT_MEDIA = 25
MAX_CAROUSEL = 10
TEXT_ONLY = _(
    "Instagram needs an image: a post with text only cannot be published there. "
    "Attach a photo (JPEG) to publish on Instagram."
)


class InstagramConnector(GraphConnector):
    platform: ClassVar[str] = "instagram"
    default_base_url: ClassVar[str] = f"https://graph.facebook.com/{GRAPH_VERSION}"
    metrics: ClassVar[MetricTable | None] = METRICS
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH,
            Capability.INBOX,
            Capability.DIRECT_MESSAGES,
            Capability.REPLY,
            Capability.POST_METRICS,
            Capability.ACCOUNT_METRICS,
            Capability.MEDIA,
            Capability.HIDE,
            Capability.DELETE_COMMENT,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.CAPTIONS: _(
            "Civic Desk publishes no videos to Instagram, and its API takes no caption files."
        ),
        Capability.BLOCK: _(
            "Instagram's API cannot block or restrict an account; do it in the Instagram app."
        ),
        **dict.fromkeys(
            (
                Capability.LISTEN_KEYWORDS,
                Capability.LISTEN_HASHTAGS,
                Capability.LISTEN_ACCOUNTS,
            ),
            _(
                "Instagram's API gives business accounts only 30 hashtags a week and no search "
                "of words or other accounts, so Civic Desk follows nothing there."
            ),
        ),
        Capability.PUBLISH: TEXT_ONLY,
        Capability.DELETE: _(
            "Instagram's API cannot delete posts: delete it in the Instagram "
            "app, then mark it deleted here."
        ),
        Capability.THREADS: _("Instagram has no threads: the text goes into one caption."),
        Capability.DIRECT_MESSAGES: _(
            "Instagram direct messages are read and answered through the linked Facebook "
            "Page, only within 24 hours of the person's last message, and only text."
        ),
        Capability.MEDIA: _(
            "Instagram takes JPEG images (up to 10 in a carousel) from a "
            "public address; videos and reels are not published from here."
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
    def ig_user_id(self) -> str:
        value = self.credentials.get("ig_user_id", "")
        if not value:
            raise RejectedError("the channel has no Instagram account id; reconnect it")
        return value

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        images = [item for item in post.media if item.content_type.startswith("image/")]
        if not images:
            raise UnsupportedError(TEXT_ONLY)
        if len(images) != len(post.media) or len(images) > MAX_CAROUSEL:
            raise UnsupportedError(self.limitations[Capability.MEDIA])
        if post.thread:
            raise UnsupportedError(self.limitations[Capability.THREADS])
        caption = _caption(post)
        if not measure(caption, "instagram").fits:
            raise RejectedError("the caption is longer than Instagram's 2,200 characters")
        self._check_quota()
        urls = [self._public_url(item) for item in images]
        if len(images) == 1:
            container = create_container(
                self,
                f"/{self.ig_user_id}/media",
                {
                    "image_url": urls[0],
                    "caption": caption,
                    "alt_text": images[0].alt_text,
                },
            )
        else:
            children = [
                create_container(
                    self,
                    f"/{self.ig_user_id}/media",
                    {
                        "image_url": url,
                        "is_carousel_item": "true",
                        "alt_text": item.alt_text,
                    },
                )
                for url, item in zip(urls, images, strict=True)
            ]
            for child in children:
                wait_until_ready(self, child, field="status_code")
            container = create_container(
                self,
                f"/{self.ig_user_id}/media",
                {
                    "media_type": "CAROUSEL",
                    "children": ",".join(children),
                    "caption": caption,
                },
            )
        wait_until_ready(self, container, field="status_code")
        media_id = publish_container(self, f"/{self.ig_user_id}/media_publish", container)
        return self._describe(media_id)

    def _public_url(self, item: MediaItem) -> str:
        url = self.media_url_builder(item)
        if not url.startswith(("http://", "https://")):
            raise UnsupportedError(
                "Instagram needs the image at a public web address, and none could be made for it"
            )
        return url

    def _check_quota(self) -> None:
        """Instagram allows a limited number of API posts per 24 hours (100 today)."""
        body = self.read(
            f"/{self.ig_user_id}/content_publishing_limit", fields="quota_usage,config"
        )
        try:
            entries = list_of(body.get("data"), "data")
            if not entries:
                return
            usage = count_of(entries[0].get("quota_usage"), "quota_usage")
            config = object_of(entries[0].get("config") or {}, "config")
            total = count_of(config.get("quota_total"), "quota_total")
        except ShapeError as exc:
            raise RetryableError(f"unexpected publishing limit answer: {exc}") from None
        if usage is not None and total is not None and usage >= total:
            raise RetryableError(
                f"Instagram's limit of {total} posts in 24 hours is reached for this account",
                retry_after=3600,
                platform_code="content_publishing_limit",
            )

    def _describe(self, media_id: str) -> PublishResult:
        """The permalink of a published post; the post stands even if this read fails."""
        try:
            body = self.read(f"/{media_id}", fields="permalink,timestamp")
            return PublishResult(
                remote_id=media_id,
                url=text_of(body.get("permalink"), "permalink"),
                published_at=time_of(body["timestamp"], "timestamp")
                if body.get("timestamp")
                else None,
            )
        except (ConnectorError, ShapeError) as exc:
            logger.warning("instagram: published %s but could not read it back: %s", media_id, exc)
            return PublishResult(remote_id=media_id)

    def delete(self, remote_id: str) -> None:
        raise UnsupportedError(self.limitations[Capability.DELETE])

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            return send_direct_message(
                self, page_id=self._page_id(), recipient_id=target.author_remote_id, text=text
            )
        if target.kind == MessageKind.MENTION:
            raise UnsupportedError(
                "Instagram lets an account answer a mention only as a "
                "comment on that post, in the Instagram app"
            )
        # Instagram nests one level: an answer to a reply goes to its top comment.
        parent = target.remote_id
        if target.kind == MessageKind.REPLY and target.conversation_remote_id:
            parent = target.conversation_remote_id
        body = self.call("POST", f"/{parent}/replies", write=True, data={"message": text})
        try:
            return PublishResult(remote_id=id_of(body.get("id"), "id"))
        except ShapeError as exc:
            raise OutcomeUnknownError(f"unexpected answer to a reply: {exc}") from None

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        self.call("POST", f"/{remote_id}", write=True, data={"hide": "true" if hidden else "false"})

    def delete_comment(self, remote_id: str) -> None:
        # A business account may delete comments on its own media (instagram_manage_comments).
        try:
            self.call("DELETE", f"/{remote_id}", write=True)
        except RejectedError as exc:
            if not is_missing_object(exc):
                raise  # a comment already gone is what was asked

    def _page_id(self) -> str:
        value = self.credentials.get("page_id", "")
        if not value:
            raise UnsupportedError(self.limitations[Capability.DIRECT_MESSAGES])
        return value

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        """Look for our exact caption among the account's recent media.

        A container id cannot be kept between attempts, so the caption is the only mark;
        two recent posts with the same caption cannot be told apart.
        """
        caption = _caption(post)
        if not caption.strip():
            raise RejectedError(
                "an Instagram post without a caption cannot be recognised "
                "after an interrupted attempt; check the account by hand"
            )
        params = {"fields": "id,caption,timestamp,permalink", "limit": 25}
        try:
            for item in self.listing(f"/{self.ig_user_id}/media", params, max_pages=2):
                if text_of(item.get("caption"), "caption").strip() == caption.strip():
                    return PublishResult(
                        remote_id=id_of(item.get("id"), "id"),
                        url=text_of(item.get("permalink"), "permalink"),
                        published_at=time_of(item["timestamp"], "timestamp")
                        if item.get("timestamp")
                        else None,
                    )
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing media: {exc}") from None
        return None

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        since = decode_cursor(cursor, default=datetime.now(UTC) - FIRST_LOOKBACK)
        own_ids = {self.ig_user_id}
        try:
            messages = self._comments_since(since, own_ids)
            messages += self._mentions_since(since)
            page_id = self.credentials.get("page_id", "")
            if page_id and self.credentials.get("messaging", "on") != "off":
                messages += fetch_direct_messages(
                    self,
                    page_id=page_id,
                    platform="instagram",
                    own_ids=own_ids | {page_id},
                    since=since,
                )
        except ShapeError as exc:
            raise RetryableError(f"unexpected inbox answer: {exc}") from None
        return page_of(messages, limit=limit, since=since)

    def _comments_since(self, since: datetime, own_ids: set[str]) -> list[RemoteMessage]:
        found = []
        media = self.listing(
            f"/{self.ig_user_id}/media",
            {"fields": "id,timestamp,comments_count", "limit": RECENT_MEDIA},
            max_pages=1,
        )
        for item in list(media):
            media_id = id_of(item.get("id"), "media id")
            if not count_of(item.get("comments_count"), "comments_count"):
                continue
            for comment in self.listing(
                f"/{media_id}/comments", {"fields": COMMENT_FIELDS, "limit": 50}
            ):
                top = self._comment(comment, media_id, parent_id="")
                replies = comment.get("replies")
                nested = (
                    list_of(object_of(replies, "replies").get("data"), "replies") if replies else []
                )
                for message in [top] + [
                    self._comment(r, media_id, parent_id=top.remote_id) for r in nested
                ]:
                    mine = message.author.remote_id in own_ids or (
                        self.handle and message.author.handle == self.handle
                    )
                    if not mine and message.created_at >= since:
                        found.append(message)
        return found

    def _comment(self, item: Mapping[str, Any], media_id: str, *, parent_id: str) -> RemoteMessage:
        comment_id = id_of(item.get("id"), "comment id")
        parent_id = text_of(item.get("parent_id"), "parent_id") or parent_id
        sender = item.get("from")
        username = text_of(item.get("username"), "username")
        if isinstance(sender, dict):
            author_id = id_of(sender.get("id"), "from.id")
            username = text_of(sender.get("username"), "from.username") or username
        else:
            author_id = f"ig:{username}" if username else f"unknown:{comment_id}"
        return RemoteMessage(
            remote_id=comment_id,
            kind=MessageKind.REPLY if parent_id else MessageKind.COMMENT,
            text=text_of(item.get("text"), "text"),
            author=RemoteAuthor(remote_id=author_id, handle=username or "Instagram user"),
            created_at=time_of(item.get("timestamp"), "timestamp"),
            in_reply_to_remote_id=parent_id or media_id,
            root_post_remote_id=media_id,
            conversation_remote_id=parent_id or comment_id,
            raw=dict(item),
        )

    def _mentions_since(self, since: datetime) -> list[RemoteMessage]:
        """Media in which people tagged the account (``/tags``)."""
        found = []
        params = {"fields": "id,caption,timestamp,username,permalink", "limit": 25}
        for item in self.listing(f"/{self.ig_user_id}/tags", params, max_pages=1):
            media_id = id_of(item.get("id"), "media id")
            created = time_of(item.get("timestamp"), "timestamp")
            if created < since:
                continue
            username = text_of(item.get("username"), "username")
            found.append(
                RemoteMessage(
                    remote_id=f"tag:{media_id}",
                    kind=MessageKind.MENTION,
                    text=text_of(item.get("caption"), "caption"),
                    author=RemoteAuthor(
                        remote_id=f"ig:{username}" if username else f"unknown:{media_id}",
                        handle=username or "Instagram user",
                    ),
                    created_at=created,
                    conversation_remote_id=f"tag:{media_id}",
                    url=text_of(item.get("permalink"), "permalink"),
                    raw=dict(item),
                )
            )
        return found

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        results = []
        for remote_id in remote_ids:
            try:
                body = self.read(f"/{remote_id}/insights", metric=",".join(MEDIA_INSIGHTS))
                values = insight_values(body)
            except RejectedError as exc:
                if is_missing_object(exc):
                    continue
                if (exc.platform_code or "").split("/")[0] == "10" or is_invalid_metric(exc):
                    # "(#10) Not enough viewers", or a metric this media type lacks.
                    values = {}
                else:
                    raise
            except ShapeError as exc:
                raise RetryableError(f"unexpected insights answer: {exc}") from None
            results.append(
                PostMetrics(
                    remote_id=remote_id,
                    impressions=values.get("views"),
                    reach=values.get("reach"),
                    likes=values.get("likes"),
                    replies=values.get("comments"),
                    reposts=values.get("shares"),
                    engagements=values.get("total_interactions"),
                )
            )
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        body = self.read(f"/{self.ig_user_id}", fields="followers_count,follows_count,media_count")
        try:
            values = insight_values(
                self.read(
                    f"/{self.ig_user_id}/insights",
                    metric=",".join(ACCOUNT_INSIGHTS),
                    period="day",
                    metric_type="total_value",
                )
            )
        except RejectedError as exc:
            if not is_invalid_metric(exc):
                raise
            values = {}
        except ShapeError as exc:
            raise RetryableError(f"unexpected insights answer: {exc}") from None
        try:
            return AccountMetrics(
                followers=count_of(body.get("followers_count"), "followers_count"),
                following=count_of(body.get("follows_count"), "follows_count"),
                posts=count_of(body.get("media_count"), "media_count"),
                impressions=values.get("views"),
                reach=values.get("reach"),
                engagements=values.get("total_interactions"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected account answer: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            body = self.read(f"/{self.ig_user_id}", fields="id,username")
            username = text_of(body.get("username"), "username")
        except (ConnectorError, ShapeError) as exc:
            return ChannelHealth.failed(exc)
        return ChannelHealth(ok=True, detail=f"connected to @{username}")


def _caption(post: OutboundPost) -> str:
    """Instagram captions do not link; the address is kept as text for people to copy."""
    if post.link and post.link not in post.text:
        return f"{post.text}\n{post.link}" if post.text else post.link
    return post.text
