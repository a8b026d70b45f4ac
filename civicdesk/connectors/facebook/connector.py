"""Facebook Pages through the Graph API (graph.facebook.com), with a Page access token.

Publishes to the Page feed (text, link, one photo, or several photos attached to one
post), reads comments on the Page's recent posts and Messenger conversations, answers,
hides comments and reads Page and post insights.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.base import (
    AccountMetrics,
    Capability,
    ChannelHealth,
    ConnectorError,
    InboundPage,
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
from civicdesk.connectors.facebook import video
from civicdesk.connectors.meta.graph import (
    GraphConnector,
    insight_values,
    is_invalid_metric,
    is_missing_object,
)
from civicdesk.connectors.meta.inbox import decode_cursor, page_of
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

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

GRAPH_VERSION = "v24.0"

METRICS = MetricTable(
    version="2025-11-15",
    names={
        "impressions": "post_media_view",
        "reach": "post_total_media_view_unique",
        "clicks": "post_clicks",
        "likes": "post_reactions_like_total",
        "replies": "comments.summary.total_count",
        "reposts": "shares.count",
        "followers": "followers_count",
        "account_impressions": "page_media_view",
        "account_reach": "page_total_media_view_unique",
        "account_engagements": "page_post_engagements",
    },
    retired={
        "engagements": "post_engaged_users was retired on 2024-03-14 for all API versions",
        "post_impressions": "post_impressions was retired on 2025-11-15; views "
        "(post_media_view) replace it",
        "post_impressions_unique": "retired by 2025-06-15; post_total_media_view_unique "
        "replaces it",
        "page_impressions": "page_impressions was retired on 2025-11-15; page_media_view "
        "replaces it",
        "page_fans": "page_fans (Page likes) was retired on 2025-11-15; followers_count is used",
        "video_views": "not collected: the Page video insights are not read",
    },
)

POST_INSIGHTS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_like_total",
)
PAGE_INSIGHTS = ("page_media_view", "page_total_media_view_unique", "page_post_engagements")
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url"
# How far back the first inbox read looks, and how many recent posts it scans.
FIRST_LOOKBACK = timedelta(days=7)
RECENT_POSTS = 25
# An unknown outcome is looked for among posts this recent.
CHECK_WINDOW = timedelta(days=3)


class FacebookConnector(GraphConnector):
    platform: ClassVar[str] = "facebook"
    default_base_url: ClassVar[str] = f"https://graph.facebook.com/{GRAPH_VERSION}"
    metrics: ClassVar[MetricTable | None] = METRICS
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.INBOX,
            Capability.DIRECT_MESSAGES,
            Capability.REPLY,
            Capability.POST_METRICS,
            Capability.ACCOUNT_METRICS,
            Capability.MEDIA,
            Capability.CAPTIONS,
            Capability.HIDE,
            Capability.DELETE_COMMENT,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.BLOCK: _(
            "Facebook's API does not let Civic Desk ban people from a Page; ban them in "
            "Meta Business Suite."
        ),
        **dict.fromkeys(
            (
                Capability.LISTEN_KEYWORDS,
                Capability.LISTEN_HASHTAGS,
                Capability.LISTEN_ACCOUNTS,
            ),
            _(
                "Facebook's API offers no search of public posts: keywords, hashtags and other "
                "Pages cannot be followed there."
            ),
        ),
        Capability.THREADS: _("Facebook Pages have no threads: publish the text as one post."),
        Capability.DIRECT_MESSAGES: _(
            "Messenger lets a Page answer a private message only within 24 hours of the "
            "person's last message; older conversations must be answered in Meta Business "
            "Suite."
        ),
        Capability.MEDIA: _(
            "Civic Desk sends photos, or one MP4 video with its captions, to a Facebook Page."
        ),
    }

    @property
    def page_id(self) -> str:
        page_id = self.credentials.get("page_id", "")
        if not page_id:
            raise RejectedError("the channel has no Facebook Page id; reconnect it")
        return page_id

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        if post.thread:
            raise UnsupportedError(self.limitations[Capability.THREADS])
        videos = [item for item in post.media if item.content_type.startswith("video/")]
        if videos:
            if len(post.media) > 1:
                raise RejectedError("Facebook takes one video a post, without photos beside it")
            return video.publish_video(self, post, videos[0])
        if any(not item.content_type.startswith("image/") for item in post.media):
            raise UnsupportedError(self.limitations[Capability.MEDIA])
        if len(post.media) == 1:
            item = post.media[0]
            data = {"message": _message(post), "published": "true"}
            if item.alt_text:
                data["alt_text_custom"] = item.alt_text
            body = self.call(
                "POST",
                f"/{self.page_id}/photos",
                write=True,
                data=data,
                files={"source": (item.filename, item.data, item.content_type)},
            )
            return self._result(body, key="post_id", fallback="id")
        data = {"message": post.text}
        if post.link:
            data["link"] = post.link
        for index, photo_id in enumerate(self._unpublished_photos(post)):
            data[f"attached_media[{index}]"] = f'{{"media_fbid":"{photo_id}"}}'
        body = self.call("POST", f"/{self.page_id}/feed", write=True, data=data)
        return self._result(body, key="id")

    def _unpublished_photos(self, post: OutboundPost) -> list[str]:
        """Upload each photo unpublished; nothing shows on the Page until the feed post."""
        ids = []
        for item in post.media if len(post.media) > 1 else ():
            data = {"published": "false", "temporary": "false"}
            if item.alt_text:
                data["alt_text_custom"] = item.alt_text
            try:
                body = self.call(
                    "POST",
                    f"/{self.page_id}/photos",
                    write=True,
                    data=data,
                    files={"source": (item.filename, item.data, item.content_type)},
                )
                ids.append(id_of(body.get("id"), "photo id"))
            except OutcomeUnknownError as exc:
                raise RetryableError(
                    f"a photo upload did not finish ({exc.message}); nothing was posted",
                    status=exc.status,
                ) from None
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer to a photo upload: {exc}") from None
        return ids

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            return send_direct_message(
                self, page_id=self.page_id, recipient_id=target.author_remote_id, text=text
            )
        # Facebook nests comments two levels deep: an answer to a reply joins its thread.
        parent = target.remote_id
        if target.kind == MessageKind.REPLY and target.conversation_remote_id:
            parent = target.conversation_remote_id
        body = self.call("POST", f"/{parent}/comments", write=True, data={"message": text})
        return self._result(body, key="id")

    def delete(self, remote_id: str) -> None:
        self.call("DELETE", f"/{remote_id}", write=True)

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        self.call(
            "POST", f"/{remote_id}", write=True, data={"is_hidden": "true" if hidden else "false"}
        )

    def delete_comment(self, remote_id: str) -> None:
        # A Page may delete any comment on its own posts with its Page token.
        try:
            self.call("DELETE", f"/{remote_id}", write=True)
        except RejectedError as exc:
            if not is_missing_object(exc):
                raise  # a comment already gone is what was asked

    def _result(self, body: Mapping[str, Any], *, key: str, fallback: str = "") -> PublishResult:
        value = body.get(key)
        if value is None and fallback:
            value = body.get(fallback)
        try:
            remote_id = id_of(value, key)
        except ShapeError as exc:
            raise OutcomeUnknownError(f"unexpected answer to a write: {exc}") from None
        return PublishResult(remote_id=remote_id, url=f"https://www.facebook.com/{remote_id}")

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        """Look for our exact text among the Page's recent posts (Meta has no idempotency key).

        Two posts with the same text within the window cannot be told apart; the newest
        is taken. A post without text cannot be recognised, so the check says so.
        """
        wanted = _message(post) if len(post.media) == 1 else post.text
        if not wanted.strip():
            raise RejectedError(
                "a Facebook post without text cannot be recognised after an "
                "interrupted attempt; check the Page and mark it by hand"
            )
        since = datetime.now(UTC) - CHECK_WINDOW
        params = {
            "fields": "id,message,created_time,permalink_url",
            "limit": 25,
            "since": int(since.timestamp()),
        }
        try:
            for item in self.listing(f"/{self.page_id}/published_posts", params, max_pages=2):
                if text_of(item.get("message"), "message").strip() == wanted.strip():
                    remote_id = id_of(item.get("id"), "id")
                    return PublishResult(
                        remote_id=remote_id,
                        url=text_of(item.get("permalink_url"), "permalink_url")
                        or f"https://www.facebook.com/{remote_id}",
                        published_at=time_of(item.get("created_time"), "created_time"),
                    )
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing posts: {exc}") from None
        return None

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        since = decode_cursor(cursor, default=datetime.now(UTC) - FIRST_LOOKBACK)
        own = {self.page_id}
        try:
            messages = self._comments_since(since, own)
            if self.credentials.get("messaging", "on") != "off":
                messages += fetch_direct_messages(
                    self, page_id=self.page_id, platform="messenger", own_ids=own, since=since
                )
        except ShapeError as exc:
            raise RetryableError(f"unexpected inbox answer: {exc}") from None
        return page_of(messages, limit=limit, since=since)

    def _comments_since(self, since: datetime, own: set[str]) -> list[RemoteMessage]:
        found: list[RemoteMessage] = []
        posts = self.listing(
            f"/{self.page_id}/feed",
            {"fields": "id,updated_time", "limit": RECENT_POSTS},
            max_pages=1,
        )
        for post in list(posts):
            post_id = id_of(post.get("id"), "post id")
            updated = post.get("updated_time")
            if updated is not None and time_of(updated, "updated_time") < since:
                continue
            params = {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "chronological",
                "since": int(since.timestamp()),
                "limit": 100,
            }
            for item in self.listing(f"/{post_id}/comments", params):
                message = self._comment(item, post_id)
                if message.author.remote_id not in own and message.created_at >= since:
                    found.append(message)
        return found

    def _comment(self, item: Mapping[str, Any], post_id: str) -> RemoteMessage:
        comment_id = id_of(item.get("id"), "comment id")
        parent = item.get("parent")
        parent_id = id_of(object_of(parent, "parent").get("id"), "parent.id") if parent else ""
        sender = item.get("from")
        if isinstance(sender, dict):
            author = RemoteAuthor(
                remote_id=id_of(sender.get("id"), "from.id"),
                handle=text_of(sender.get("name"), "from.name")
                or id_of(sender.get("id"), "from.id"),
                display_name=text_of(sender.get("name"), "from.name"),
            )
        else:
            # Meta withholds the author of some comments (privacy settings, no consent).
            author = RemoteAuthor(remote_id=f"unknown:{comment_id}", handle="Facebook user")
        return RemoteMessage(
            remote_id=comment_id,
            kind=MessageKind.REPLY if parent_id else MessageKind.COMMENT,
            text=text_of(item.get("message"), "message"),
            author=author,
            created_at=time_of(item.get("created_time"), "created_time"),
            in_reply_to_remote_id=parent_id or post_id,
            root_post_remote_id=post_id,
            conversation_remote_id=parent_id or comment_id,
            url=text_of(item.get("permalink_url"), "permalink_url"),
            raw=dict(item),
        )

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        results = []
        for remote_id in remote_ids:
            try:
                counts = self.read(
                    f"/{remote_id}",
                    fields=(
                        "shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)"
                    ),
                )
            except RejectedError as exc:
                if is_missing_object(exc):
                    continue  # deleted on Facebook: no metrics any more
                raise
            insights = self._insights(f"/{remote_id}/insights", POST_INSIGHTS, period="lifetime")
            try:
                results.append(
                    PostMetrics(
                        remote_id=remote_id,
                        impressions=insights.get("post_media_view"),
                        reach=insights.get("post_total_media_view_unique"),
                        clicks=insights.get("post_clicks"),
                        likes=insights.get("post_reactions_like_total"),
                        replies=_summary_count(counts, "comments"),
                        # Graph leaves "shares" out of a post nobody has shared.
                        reposts=count_of(
                            object_of(counts.get("shares") or {"count": 0}, "shares").get("count"),
                            "shares.count",
                        ),
                    )
                )
            except ShapeError as exc:
                raise RetryableError(f"unexpected metrics answer: {exc}") from None
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        page = self.read(f"/{self.page_id}", fields="followers_count,fan_count")
        insights = self._insights(
            f"/{self.page_id}/insights", PAGE_INSIGHTS, period="days_28", latest=True
        )
        try:
            return AccountMetrics(
                followers=count_of(page.get("followers_count"), "followers_count"),
                impressions=insights.get("page_media_view"),
                reach=insights.get("page_total_media_view_unique"),
                engagements=insights.get("page_post_engagements"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer: {exc}") from None

    def _insights(
        self, path: str, metrics: Sequence[str], *, period: str, latest: bool = False
    ) -> dict[str, int]:
        """Insight values by name; a retired or inapplicable metric leaves them absent."""
        try:
            body = self.read(path, metric=",".join(metrics), period=period)
        except RejectedError as exc:
            if is_invalid_metric(exc):
                logger.warning("facebook insights refused at %s: %s", path, exc)
                return {}
            raise
        try:
            if latest:
                return _latest_values(body)
            return insight_values(body)
        except ShapeError as exc:
            raise RetryableError(f"unexpected insights answer: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            body = self.read(f"/{self.page_id}", fields="id,name")
            name = text_of(body.get("name"), "name")
        except (ConnectorError, ShapeError) as exc:
            return ChannelHealth.failed(exc)
        detail = f"connected to the Page {name}"
        if self.last_usage_percent is not None and self.last_usage_percent >= 75:
            detail += f"; {self.last_usage_percent}% of Meta's call allowance used"
        return ChannelHealth(ok=True, detail=detail)


def _message(post: OutboundPost) -> str:
    """The text with the link appended (photo posts have no separate link field)."""
    if post.link and post.link not in post.text:
        return f"{post.text}\n{post.link}" if post.text else post.link
    return post.text


def _summary_count(body: Mapping[str, Any], edge: str) -> int | None:
    value = body.get(edge)
    if value is None:
        return None
    summary = object_of(object_of(value, edge).get("summary"), f"{edge}.summary")
    return count_of(summary.get("total_count"), f"{edge}.summary.total_count")


def _latest_values(body: Mapping[str, Any]) -> dict[str, int]:
    """For period series (days_28): the latest value of each metric, not their sum."""
    result: dict[str, int] = {}
    for entry in list_of(body.get("data"), "data"):
        name = entry.get("name")
        values = entry.get("values")
        if not isinstance(name, str) or not isinstance(values, list) or not values:
            continue
        value = object_of(values[-1], "a value").get("value")
        count = count_of(value, name) if not isinstance(value, dict) else None
        if count is not None:
            result[name] = count
    return result
