"""Connector for YouTube channels over the YouTube Data API v3.

YouTube takes videos here, not text: the Data API has no text posts (community posts are
not in it), so a post for YouTube carries one MP4 video, uploaded with its captions
(``video.py``).
Comments on the channel's videos come in thread by thread; a reply is a comment under
the thread's first comment; hiding holds a comment for review (the channel owner's
moderation queue). Quota errors wait until the daily quota resets at midnight Pacific.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.base import (
    AccountMetrics,
    AuthExpiredError,
    Capability,
    ChannelHealth,
    ConnectorError,
    HttpConnector,
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
    error_detail,
    parse_retry_after,
)
from civicdesk.connectors.youtube import shapes as s
from civicdesk.connectors.youtube import video
from civicdesk.connectors.youtube.shapes import (
    ShapeError,
    next_pacific_midnight,
    seconds_until_quota_reset,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["YouTubeConnector", "next_pacific_midnight", "seconds_until_quota_reset"]

API = "/youtube/v3"
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# Short-term rate limits come without a reset time: wait this long.
RATE_LIMIT_BACKOFF_SECONDS = 60.0
MAX_PAGE = 100
VIDEOS_BATCH = 50
MAX_REPLY_PAGES = 10
# Comments can show up in the API a little after their time: look back this far past the
# last scan (duplicates are dropped when stored).
INBOX_OVERLAP = timedelta(minutes=10)

METRICS = MetricTable(
    version="2026-11-21",
    names={
        "video_views": "statistics.viewCount",
        "likes": "statistics.likeCount",
        "replies": "statistics.commentCount",
        "followers": "channel statistics.subscriberCount (None when the channel hides it)",
        "posts": "channel statistics.videoCount",
    },
    retired={
        "dislikes": "2021-12-13: YouTube made dislike counts private",
    },
)

PUBLISH_SENTENCE = _(
    "YouTube's API cannot publish text posts (community posts are not in it): a post for "
    "YouTube carries one MP4 video, its first line the title and its text the description."
)


class YouTubeConnector(HttpConnector):
    platform: ClassVar[str] = "youtube"
    default_base_url: ClassVar[str] = "https://youtube.googleapis.com"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH,
            Capability.MEDIA,
            Capability.CAPTIONS,
            Capability.DELETE,
            Capability.INBOX,
            Capability.REPLY,
            Capability.HIDE,
            Capability.DELETE_COMMENT,
            Capability.BLOCK,
            Capability.POST_METRICS,
            Capability.ACCOUNT_METRICS,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        **dict.fromkeys(
            (
                Capability.LISTEN_KEYWORDS,
                Capability.LISTEN_HASHTAGS,
                Capability.LISTEN_ACCOUNTS,
            ),
            _(
                "YouTube offers no search of what the public writes: only comments on your own "
                "videos are read, in the inbox."
            ),
        ),
        Capability.THREADS: PUBLISH_SENTENCE,
        Capability.DIRECT_MESSAGES: _("YouTube has no direct messages."),
        Capability.DELETE: _(
            "Only the channel's own replies can be deleted here; a viewer's comment can be "
            "hidden (held for review) instead."
        ),
    }
    metrics: ClassVar[MetricTable | None] = METRICS
    max_concurrency: ClassVar[int] = 2

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the channel has no YouTube access token: reconnect it")
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    @property
    def channel_id(self) -> str:
        return self.credentials.get("channel_id", "")

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        reasons = s.reasons(response)
        detail = error_detail(response)
        if status in (403, 429) and reasons & QUOTA_REASONS:
            raise RetryableError(
                f"YouTube's daily quota is spent until midnight Pacific time: {detail}",
                status=status,
                retry_after=seconds_until_quota_reset(),
                platform_code=sorted(reasons & QUOTA_REASONS)[0],
            )
        if status in (403, 429) and reasons & RATE_REASONS:
            header = parse_retry_after(response.headers.get("retry-after"))
            raise RetryableError(
                f"rate limited by YouTube: {detail}",
                status=status,
                retry_after=header if header is not None else RATE_LIMIT_BACKOFF_SECONDS,
                platform_code=sorted(reasons & RATE_REASONS)[0],
            )
        if status == 403 and "insufficientPermissions" in reasons:
            raise AuthExpiredError(
                f"the authorization lacks the YouTube permission needed: reconnect ({detail})",
                status=status,
                platform_code="insufficientPermissions",
            )
        if status in (400, 403, 404) and reasons:
            raise RejectedError(
                f"rejected: {detail}", status=status, platform_code=sorted(reasons)[0]
            )
        super().raise_for_response(response, write=write)

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        if post.thread or not post.media:
            # A text alone (or a thread) has nowhere to go on YouTube.
            raise RejectedError(PUBLISH_SENTENCE)
        return video.publish_video(self, post)

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        return video.find_upload(self, post)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            raise UnsupportedError(self._unsupported(Capability.DIRECT_MESSAGES))
        # YouTube nests one level: every reply hangs from the thread's first comment,
        # whose id is the thread's id.
        parent = target.conversation_remote_id or target.remote_id
        if not parent:
            raise RejectedError("cannot tell which YouTube comment to answer")
        response = self.request(
            "POST",
            f"{API}/comments",
            params={"part": "snippet"},
            write=True,
            json={"snippet": {"parentId": parent, "textOriginal": text}},
            expected=(200,),
        )
        data = self.json_of(response, write=True)
        try:
            body = s.obj(data, "the answer")
            remote_id = s.string(body.get("id"), "id")
            snippet = s.obj(body.get("snippet") or {}, "snippet")
            published = snippet.get("publishedAt")
            when = s.timestamp(published, "publishedAt") if published is not None else None
        except ShapeError as exc:
            raise OutcomeUnknownError(
                f"unexpected answer to a reply: {exc}", status=response.status_code
            ) from None
        return PublishResult(remote_id=remote_id, published_at=when)

    def delete(self, remote_id: str) -> None:
        """Delete one of the channel's own comments (a reply it wrote)."""
        try:
            self.request(
                "DELETE",
                f"{API}/comments",
                params={"id": remote_id},
                write=True,
                expected=(200, 204),
            )
        except RejectedError as exc:
            if exc.status != 404:
                raise
            # Already gone.

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        """Hold a comment for review (hidden from the public, reversible) or publish it again.

        Only the channel's owner may moderate. Hiding is ``heldForReview``: the comment
        waits in YouTube Studio's review queue and can be published again; ``rejected``
        (final) is left to a person in YouTube Studio.
        """
        status = "heldForReview" if hidden else "published"
        self.request(
            "POST",
            f"{API}/comments/setModerationStatus",
            params={"id": remote_id, "moderationStatus": status},
            write=True,
            expected=(200, 204),
        )

    def delete_comment(self, remote_id: str) -> None:
        """Reject a viewer's comment: YouTube removes it from the video for good (only its
        author may delete it outright)."""
        self._moderate(remote_id, status="rejected")

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        """Reject the comment and ban its author from the channel: YouTube then hides
        everything they write on its videos."""
        if not message_remote_id:
            raise RejectedError("YouTube bans an author through one of their comments")
        self._moderate(message_remote_id, status="rejected", ban=True)

    def _moderate(self, comment_id: str, *, status: str, ban: bool = False) -> None:
        params = {"id": comment_id, "moderationStatus": status}
        if ban:
            params["banAuthor"] = "true"
        try:
            self.request(
                "POST",
                f"{API}/comments/setModerationStatus",
                params=params,
                write=True,
                expected=(200, 204),
            )
        except RejectedError as exc:
            if exc.status == 404 and not ban:
                return  # the comment is gone already, which is what was asked
            raise

    # Reads

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        state = s.cursor(cursor)
        watermark, token, newest = state["w"], state["t"], state["n"]
        try:
            data = self._threads(token, limit)
        except RejectedError as exc:
            if not token or exc.status != 400:
                raise
            # The page token went stale: start the scan again from the newest thread.
            token, newest = None, None
            data = self._threads(None, limit)
        try:
            body = s.obj(data, "the answer")
            items = body.get("items")
            if not isinstance(items, list):
                raise ShapeError("items is not a list")
            messages: list[RemoteMessage] = []
            oldest_top: datetime | None = None
            for item in items:
                thread_messages, top_time = self._thread(s.obj(item, "a thread"))
                messages.extend(thread_messages)
                oldest_top = top_time if oldest_top is None else min(oldest_top, top_time)
            next_token = body.get("nextPageToken")
            if next_token is not None and not isinstance(next_token, str):
                raise ShapeError("nextPageToken is not a string")
        except ShapeError as exc:
            raise RetryableError(f"unexpected comments answer: {exc}") from None
        own = self.channel_id
        floor = watermark - INBOX_OVERLAP if watermark else None
        fresh = [
            m
            for m in messages
            if m.author.remote_id != own and (floor is None or m.created_at >= floor)
        ]
        for m in messages:
            newest = m.created_at if newest is None else max(newest, m.created_at)
        # Threads come newest first: once a page reaches back past the last scan, stop.
        done = not next_token or (
            watermark is not None and oldest_top is not None and oldest_top <= watermark
        )
        if done:
            latest = (
                max(d for d in (watermark, newest) if d is not None)
                if (watermark or newest)
                else None
            )
            next_state = {"w": s.iso(latest), "t": None, "n": None}
        else:
            next_state = {"w": s.iso(watermark), "t": next_token, "n": s.iso(newest)}
        encoded = json.dumps(next_state, sort_keys=True)
        unchanged = cursor is not None and encoded == cursor
        fresh.sort(key=lambda m: m.created_at)
        return InboundPage(
            messages=fresh, next_cursor=None if unchanged else encoded, has_more=not done
        )

    def _threads(self, token: str | None, limit: int) -> Any:
        if not self.channel_id:
            raise AuthExpiredError("the channel has no YouTube channel id: reconnect it")
        params: dict[str, Any] = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": self.channel_id,
            "order": "time",
            "maxResults": max(1, min(limit, MAX_PAGE)),
            "textFormat": "plainText",
        }
        if token:
            params["pageToken"] = token
        return self.json_of(self.request("GET", f"{API}/commentThreads", params=params))

    def _thread(self, thread: Mapping[str, Any]) -> tuple[list[RemoteMessage], datetime]:
        thread_id = s.string(thread.get("id"), "thread id")
        snippet = s.obj(thread.get("snippet"), "thread snippet")
        video = s.optional_string(snippet.get("videoId"), "videoId")
        top = s.obj(snippet.get("topLevelComment"), "topLevelComment")
        first = self._message(top, thread_id=thread_id, video=video, parent="")
        found = [first]
        total = snippet.get("totalReplyCount") or 0
        if isinstance(total, bool) or not isinstance(total, int):
            raise ShapeError("totalReplyCount is not a count")
        if total:
            included = s.obj(thread.get("replies") or {}, "replies").get("comments") or []
            if not isinstance(included, list):
                raise ShapeError("replies.comments is not a list")
            replies = included if len(included) >= total else self._replies(first.remote_id)
            for reply in replies:
                found.append(
                    self._message(
                        s.obj(reply, "a reply"),
                        thread_id=thread_id,
                        video=video,
                        parent=first.remote_id,
                    )
                )
        return found, first.created_at

    def _replies(self, parent: str) -> list[Any]:
        replies: list[Any] = []
        token: str | None = None
        for _page in range(MAX_REPLY_PAGES):
            params: dict[str, Any] = {
                "part": "snippet",
                "parentId": parent,
                "maxResults": MAX_PAGE,
                "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            body = s.obj(
                self.json_of(self.request("GET", f"{API}/comments", params=params)), "the answer"
            )
            items = body.get("items")
            if not isinstance(items, list):
                raise ShapeError("items is not a list")
            replies.extend(items)
            token = s.optional_string(body.get("nextPageToken"), "nextPageToken") or None
            if not token:
                break
        return replies

    def _message(
        self, comment: Mapping[str, Any], *, thread_id: str, video: str, parent: str
    ) -> RemoteMessage:
        remote_id = s.string(comment.get("id"), "comment id")
        snippet = s.obj(comment.get("snippet"), "comment snippet")
        author_channel = s.obj(snippet.get("authorChannelId") or {}, "authorChannelId")
        name = s.optional_string(snippet.get("authorDisplayName"), "authorDisplayName")
        author_id = s.optional_string(author_channel.get("value"), "authorChannelId.value")
        text = s.optional_string(snippet.get("textDisplay"), "textDisplay") or s.optional_string(
            snippet.get("textOriginal"), "textOriginal"
        )
        url = f"https://www.youtube.com/watch?v={video}&lc={remote_id}" if video else ""
        return RemoteMessage(
            remote_id=remote_id,
            kind=MessageKind.REPLY if parent else MessageKind.COMMENT,
            text=text,
            author=RemoteAuthor(
                remote_id=author_id or f"name:{name}", handle=name or author_id, display_name=name
            ),
            created_at=s.timestamp(snippet.get("publishedAt"), "publishedAt"),
            in_reply_to_remote_id=parent or video,
            root_post_remote_id=video,
            conversation_remote_id=thread_id,
            url=url,
            raw=dict(comment),
        )

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        results: list[PostMetrics] = []
        ids = [r for r in remote_ids if r]
        for start in range(0, len(ids), VIDEOS_BATCH):
            batch = ids[start : start + VIDEOS_BATCH]
            response = self.request(
                "GET", f"{API}/videos", params={"part": "statistics", "id": ",".join(batch)}
            )
            try:
                body = s.obj(self.json_of(response), "the answer")
                items = body.get("items")
                if not isinstance(items, list):
                    raise ShapeError("items is not a list")
                for item in items:
                    video = s.obj(item, "a video")
                    stats = s.obj(video.get("statistics") or {}, "statistics")
                    results.append(
                        PostMetrics(
                            remote_id=s.string(video.get("id"), "video id"),
                            video_views=s.count(stats, "viewCount"),
                            likes=s.count(stats, "likeCount"),
                            replies=s.count(stats, "commentCount"),
                        )
                    )
            except ShapeError as exc:
                raise RetryableError(f"unexpected statistics answer: {exc}") from None
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        params: dict[str, Any] = {"part": "statistics"}
        if self.channel_id:
            params["id"] = self.channel_id
        else:
            params["mine"] = "true"
        response = self.request("GET", f"{API}/channels", params=params)
        try:
            items = s.obj(self.json_of(response), "the answer").get("items")
            if not isinstance(items, list) or not items:
                raise ShapeError("the channel is not in the answer")
            stats = s.obj(s.obj(items[0], "a channel").get("statistics") or {}, "statistics")
            hidden = stats.get("hiddenSubscriberCount") is True
            return AccountMetrics(
                followers=None if hidden else s.count(stats, "subscriberCount"),
                posts=s.count(stats, "videoCount"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected statistics answer: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            response = self.request(
                "GET", f"{API}/channels", params={"part": "snippet", "mine": "true"}
            )
            items = s.obj(self.json_of(response), "the answer").get("items")
            if not isinstance(items, list) or not items:
                return ChannelHealth(ok=False, detail="this Google account has no channel")
            title = s.optional_string(
                s.obj(s.obj(items[0], "a channel").get("snippet") or {}, "snippet").get("title"),
                "title",
            )
        except ConnectorError as exc:
            return ChannelHealth.failed(exc)
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"signed in as {title}")
