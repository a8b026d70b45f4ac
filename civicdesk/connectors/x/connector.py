"""Connector for X (formerly Twitter), API v2, with a user's OAuth 2.0 token.

Plain httpx through ``HttpConnector``: the official Python SDK (``xdk``) is built on
``requests`` with no request timeout, so it could not share the product's injectable
``httpx.Client`` nor tell a lost write from a refused one (see docs/connectors/x.md).

X has no idempotency key. After an unknown outcome ``check_publication`` reads the
account's recent posts and looks for the same text; X's own refusal of duplicate text
is what makes that match trustworthy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from civicdesk.connectors.base import (
    AccountMetrics,
    AuthExpiredError,
    Capability,
    ChannelHealth,
    ConnectorError,
    HttpConnector,
    InboundPage,
    MediaItem,
    MessageKind,
    MetricTable,
    OutboundPost,
    OutcomeUnknownError,
    PostMetrics,
    PublishResult,
    RejectedError,
    RemoteMessage,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
    error_detail,
    parse_retry_after,
)

from . import inbox
from .inbox import InboxCursor
from .shapes import (
    ShapeError,
    count,
    created_at,
    id_time,
    items,
    obj,
    problem_type,
    same_text,
    x_id,
)
from .shapes import text as str_field

logger = logging.getLogger(__name__)

METRICS = MetricTable(
    version="2025-06-01",
    names={
        "impressions": "non_public_metrics.impression_count, else public_metrics.impression_count",
        "likes": "public_metrics.like_count",
        "reposts": "public_metrics.retweet_count",
        "replies": "public_metrics.reply_count",
        "engagements": "public_metrics like_count + retweet_count + reply_count + quote_count",
        "clicks": "non_public_metrics.url_link_clicks (own posts under 30 days old)",
        "followers": "users/me public_metrics.followers_count",
        "following": "users/me public_metrics.following_count",
        "posts": "users/me public_metrics.tweet_count",
    },
    retired={},
)

TIER_SENTENCE = (
    "X's API gives mentions and direct messages only on a paid tier; this channel's X app "
    "is on the free tier, so its inbox stays empty."
)
DM_SENTENCE = (
    "X refused to give this channel's direct messages: that needs a paid tier and the "
    "dm.read permission."
)
CHECK_SENTENCE = (
    "X did not let Civic Desk read this account's recent posts (the free tier cannot), so "
    "whether the post went out must be checked on x.com by a person."
)

POST_FIELDS = "created_at,conversation_id,author_id,in_reply_to_user_id,referenced_tweets"
USER_FIELDS = "username,name,public_metrics"
# Without rate-limit headers X still means "not now": wait a minute.
DEFAULT_RETRY_AFTER = 60.0
# A usage cap (the month's quota of posts) lifts far later than a rate-limit window.
USAGE_CAP_RETRY_AFTER = 3600.0
# How far back check_publication looks for a post whose outcome is unknown.
CHECK_LOOKBACK = timedelta(hours=6)
CHECK_MAX_PAGES = 5
# After X refuses direct messages, they are asked for again a day later.
DM_PAUSE_SECONDS = 24 * 3600
MAX_MEDIA = 4
FREE_TIERS = frozenset({"free"})


@dataclass(frozen=True)
class RateLimit:
    """X's 15-minute window for the endpoint last called, as its headers reported it."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimit:
        limit, remaining, reset = (_number(headers.get(f"x-rate-limit-{name}"))
                                   for name in ("limit", "remaining", "reset"))
        return cls(
            limit=int(limit) if limit is not None else None,
            remaining=int(remaining) if remaining is not None else None,
            reset_at=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
        )


class XConnector(HttpConnector):
    platform: ClassVar[str] = "x"
    default_base_url: ClassVar[str] = "https://api.x.com"
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
            Capability.THREADS,
            Capability.HIDE,
        }
    )
    limitations: ClassVar[Mapping[Capability, str]] = {
        Capability.INBOX: TIER_SENTENCE,
        Capability.DIRECT_MESSAGES: TIER_SENTENCE,
        Capability.MEDIA: "Civic Desk sends images to X (up to four a post); not video.",
        Capability.HIDE: "X can hide replies to our own posts only, not mentions elsewhere.",
    }
    metrics: ClassVar[MetricTable | None] = METRICS
    # X counts requests per user per 15 minutes; few in flight keeps a burst from using it up.
    max_concurrency: ClassVar[int] = 2

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._own_id = self.credentials.get("user_id", "")
        self.rate_limit = RateLimit()

    @property
    def tier(self) -> str:
        return self.credentials.get("tier", "").strip().lower()

    def supports(self, capability: Capability) -> bool:
        if self.tier in FREE_TIERS and capability in (
            Capability.INBOX, Capability.DIRECT_MESSAGES
        ):
            return False
        return super().supports(capability)

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the channel has no X access token; reconnect it")
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = super().request(method, path, **kwargs)
        self.rate_limit = RateLimit.from_headers(response.headers)
        return response

    # Errors

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        detail = error_detail(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        kind = problem_type(body)
        if status == 429 or kind == "usage-capped":
            if kind == "usage-capped":
                raise RetryableError(f"X usage cap reached: {detail}", status=status,
                                     retry_after=USAGE_CAP_RETRY_AFTER, platform_code=kind)
            raise RetryableError(f"rate limited by X: {detail}", status=status,
                                 retry_after=rate_limit_wait(response.headers),
                                 platform_code=kind or None)
        if status == 403:
            if "duplicate content" in detail.lower():
                raise RejectedError("X refuses a post identical to one already published",
                                    status=status, platform_code="duplicate-content")
            if kind == "client-forbidden" or "not permitted" in detail.lower():
                raise UnsupportedError(f"X does not allow this for the app's access level: "
                                       f"{detail}", status=status,
                                       platform_code=kind or "forbidden")
        if status == 401:
            raise AuthExpiredError(f"X refused the authorization: {detail}", status=status,
                                   platform_code=kind or None)
        super().raise_for_response(response, write=write)

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        first = _with_link(post.text, post.link)
        media_ids = self._upload_all(post.media)
        root = self._create_post(first, media_ids=media_ids)
        parts: list[str] = []
        previous = root
        for number, part in enumerate(post.thread, start=2):
            try:
                previous = self._create_post(part, reply_to=previous)
            except ConnectorError as exc:
                # The first part is out: sending it again would duplicate it, so the
                # publisher must check what is on X instead of retrying.
                raise OutcomeUnknownError(
                    f"the thread stopped before part {number} of {len(post.thread) + 1}: {exc}",
                    status=exc.status,
                ) from exc
            parts.append(previous)
        return PublishResult(remote_id=root, url=self.post_url(root),
                             published_at=id_time(root), thread_remote_ids=tuple(parts))

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind != MessageKind.DIRECT:
            remote_id = self._create_post(text, reply_to=_path_id(target.remote_id))
            return PublishResult(remote_id=remote_id, url=self.post_url(remote_id),
                                 published_at=id_time(remote_id))
        if self.tier in FREE_TIERS:
            raise UnsupportedError(TIER_SENTENCE)
        conversation = target.conversation_remote_id
        if conversation and conversation.replace("-", "").isdigit():
            path = f"/2/dm_conversations/{conversation}/messages"
        elif target.author_remote_id:
            path = f"/2/dm_conversations/with/{_path_id(target.author_remote_id)}/messages"
        else:
            raise RejectedError("cannot tell whom to answer: no conversation or author id")
        response = self.request("POST", path, write=True, json={"text": text},
                                expected=(200, 201))
        data = self.json_of(response, write=True)
        try:
            event = x_id(obj(obj(data, "the answer").get("data"), "data").get("dm_event_id"),
                         "dm_event_id")
        except ShapeError as exc:
            raise OutcomeUnknownError(f"unexpected answer to a direct message: {exc}",
                                      status=response.status_code) from None
        return PublishResult(remote_id=event, published_at=id_time(event))

    def delete(self, remote_id: str) -> None:
        try:
            response = self.request("DELETE", f"/2/tweets/{_path_id(remote_id)}", write=True,
                                    expected=(200,))
        except RejectedError as exc:
            if exc.status == 404:
                return  # already gone
            raise
        deleted = _data(self.json_of(response, write=True)).get("deleted")
        if deleted is False:
            raise RejectedError("X answered that the post was not deleted")

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        response = self.request("PUT", f"/2/tweets/{_path_id(remote_id)}/hidden", write=True,
                                json={"hidden": hidden}, expected=(200,))
        state = _data(self.json_of(response, write=True)).get("hidden")
        if state is not hidden:
            raise OutcomeUnknownError("X did not confirm the reply's hidden state",
                                      status=response.status_code)

    def _create_post(self, text: str, *, reply_to: str = "",
                     media_ids: Sequence[str] = ()) -> str:
        payload: dict[str, Any] = {"text": text}
        if reply_to:
            payload["reply"] = {"in_reply_to_tweet_id": reply_to}
        if media_ids:
            payload["media"] = {"media_ids": list(media_ids)}
        response = self.request("POST", "/2/tweets", write=True, json=payload,
                                expected=(200, 201))
        data = self.json_of(response, write=True)
        try:
            return x_id(obj(obj(data, "the answer").get("data"), "data").get("id"), "post id")
        except ShapeError as exc:
            raise OutcomeUnknownError(f"unexpected answer to a new post: {exc}",
                                      status=response.status_code) from None

    def _upload_all(self, media: Sequence[MediaItem]) -> list[str]:
        if len(media) > MAX_MEDIA:
            raise RejectedError(f"X takes at most {MAX_MEDIA} images a post")
        for item in media:
            if not item.content_type.startswith("image/"):
                raise RejectedError(self.limitations[Capability.MEDIA])
        return [self._upload(item) for item in media]

    def _upload(self, item: MediaItem) -> str:
        # An upload that may have happened leaves at most an unused file on X, which
        # expires by itself, so media calls are retried freely (write=False).
        category = "tweet_gif" if item.content_type == "image/gif" else "tweet_image"
        response = self.request(
            "POST", "/2/media/upload",
            files={"media": (item.filename or "image", item.data, item.content_type)},
            data={"media_category": category}, expected=(200, 201),
        )
        data = self.json_of(response)
        try:
            media_id = x_id(obj(obj(data, "the answer").get("data"), "data").get("id"),
                            "media id")
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer to a media upload: {exc}",
                                 status=response.status_code) from None
        if item.alt_text:
            self.request("POST", "/2/media/metadata", expected=(200, 201), json={
                "id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:1000]}},
            })
        return media_id

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        since = datetime.now(UTC) - CHECK_LOOKBACK
        try:
            mine = list(self._recent_posts(since))
        except UnsupportedError as exc:
            raise UnsupportedError(CHECK_SENTENCE, status=exc.status,
                                   platform_code=exc.platform_code) from exc
        first = _with_link(post.text, post.link)
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
            logger.warning("X post %s: %d of %d thread parts found", root["id"],
                           len(parts), len(post.thread))
        return PublishResult(remote_id=root["id"], url=self.post_url(root["id"]),
                             published_at=root["created_at"], thread_remote_ids=tuple(parts))

    def _recent_posts(self, since: datetime) -> Iterator[dict[str, Any]]:
        own = self.own_id()
        params: dict[str, Any] = {
            "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": 100,
            "exclude": "retweets",
            "tweet.fields": "created_at,conversation_id,referenced_tweets",
        }
        for _ in range(CHECK_MAX_PAGES):
            response = self.request("GET", f"/2/users/{own}/tweets", params=params)
            body = self.json_of(response)
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
                raise RetryableError(f"unexpected answer listing recent posts: {exc}",
                                     status=response.status_code) from None
            if not isinstance(token, str) or not token:
                return
            params["pagination_token"] = token

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        if self.tier in FREE_TIERS:
            raise UnsupportedError(TIER_SENTENCE)
        state = InboxCursor.parse(cursor)
        dms_paused = state.dx > time.time()
        if state.p == "d" and not dms_paused:
            return self._dm_page(state, limit)
        state.p = "m"
        try:
            messages, done = self._mention_page(state, limit)
        except UnsupportedError as exc:
            raise UnsupportedError(TIER_SENTENCE, status=exc.status,
                                   platform_code=exc.platform_code) from exc
        has_more = not done
        if done and not dms_paused:
            state.p, has_more = "d", True
        if self.rate_limit.remaining == 0:
            has_more = False  # the next page would only be refused until the reset
        return InboundPage(messages=messages, next_cursor=state.dump(), has_more=has_more)

    def _mention_page(self, state: InboxCursor, limit: int) -> tuple[list[RemoteMessage], bool]:
        own = self.own_id()
        params: dict[str, Any] = {
            "max_results": max(5, min(limit, 100)),
            "tweet.fields": POST_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        if state.ms:
            params["since_id"] = state.ms
        if state.mt:
            params["pagination_token"] = state.mt
        response = self.request("GET", f"/2/users/{own}/mentions", params=params)
        body = self.json_of(response)
        try:
            body = obj(body, "the answer")
            users = inbox.users_by_id(body)
            tweets = [obj(t, "a post") for t in items(body.get("data"), "data")]
            ids = [x_id(t.get("id"), "post id") for t in tweets]
            messages = [inbox.mention(t, users, own_id=own)
                        for t in tweets if t.get("author_id") != own]
            token = obj(body.get("meta", {}), "meta").get("next_token")
            newest = max(ids, key=int, default="")
        except ShapeError as exc:
            # The whole page is refused, so the cursor stays put and nothing is skipped.
            raise RetryableError(f"unexpected mentions page from X: {exc}",
                                 status=response.status_code) from None
        if not state.mt:
            state.mn = newest if inbox.newer(newest, state.ms) else state.ms
        # The very first read takes the newest page only: no backfill of old mentions.
        if isinstance(token, str) and token and state.ms:
            state.mt = token
            return messages, False
        state.ms, state.mt, state.mn = state.mn or state.ms, "", ""
        return messages, True

    def _dm_page(self, state: InboxCursor, limit: int) -> InboundPage:
        own = self.own_id()
        params: dict[str, Any] = {
            "max_results": max(1, min(limit, 100)),
            "event_types": "MessageCreate",
            "dm_event.fields": "id,text,event_type,dm_conversation_id,created_at",
            "expansions": "sender_id",
            "user.fields": USER_FIELDS,
        }
        if state.dt:
            params["pagination_token"] = state.dt
        try:
            response = self.request("GET", "/2/dm_events", params=params)
        except UnsupportedError as exc:
            # Mentions must not starve behind a refusal: skip messages for a day.
            logger.warning("X direct messages refused, paused for a day: %s", exc)
            state.p, state.dt, state.dn, state.dx = "m", "", "", int(time.time()) + DM_PAUSE_SECONDS
            return InboundPage(messages=[], next_cursor=state.dump(), has_more=False)
        body = self.json_of(response)
        try:
            body = obj(body, "the answer")
            users = inbox.users_by_id(body)
            events = [obj(e, "an event") for e in items(body.get("data"), "data")]
            ids = [x_id(e.get("id"), "event id") for e in events]
            fresh = [e for e, i in zip(events, ids, strict=True) if inbox.newer(i, state.ds)]
            messages = [inbox.direct_message(e, users) for e in fresh
                        if e.get("event_type", "MessageCreate") == "MessageCreate"
                        and e.get("sender_id") != own]
            token = obj(body.get("meta", {}), "meta").get("next_token")
        except ShapeError as exc:
            raise RetryableError(f"unexpected direct messages page from X: {exc}",
                                 status=response.status_code) from None
        newest = max(ids, key=int, default="")
        if not state.dt:
            state.dn = newest if inbox.newer(newest, state.ds) else state.ds
        reached_seen = len(fresh) < len(events)
        if isinstance(token, str) and token and state.ds and not reached_seen:
            state.dt = token
            return InboundPage(messages=messages, next_cursor=state.dump(),
                               has_more=self.rate_limit.remaining != 0)
        state.ds, state.dt, state.dn, state.p = state.dn or state.ds, "", "", "m"
        return InboundPage(messages=messages, next_cursor=state.dump(), has_more=False)

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        results: list[PostMetrics] = []
        ids = [_path_id(remote_id) for remote_id in remote_ids]
        for start in range(0, len(ids), 100):
            results.extend(self._metrics_batch(ids[start:start + 100]))
        return results

    def _metrics_batch(self, ids: list[str]) -> list[PostMetrics]:
        fields = "public_metrics,non_public_metrics,organic_metrics"
        try:
            response = self.request("GET", "/2/tweets",
                                    params={"ids": ",".join(ids), "tweet.fields": fields})
        except RejectedError as exc:
            if exc.status not in (400, 403):
                raise
            # Private metrics exist only for our own posts under 30 days old.
            response = self.request("GET", "/2/tweets",
                                    params={"ids": ",".join(ids), "tweet.fields": "public_metrics"})
        body = self.json_of(response)
        try:
            body = obj(body, "the answer")
            return [_post_metrics(obj(t, "a post")) for t in items(body.get("data"), "data")]
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer from X: {exc}",
                                 status=response.status_code) from None

    def fetch_account_metrics(self) -> AccountMetrics:
        user = self._me("public_metrics")
        try:
            metrics = user.get("public_metrics")
            metrics = obj(metrics, "public_metrics") if metrics is not None else None
            return AccountMetrics(
                followers=count(metrics, "followers_count"),
                following=count(metrics, "following_count"),
                posts=count(metrics, "tweet_count", "post_count"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected account answer from X: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            user = self._me()
        except ConnectorError as exc:
            return ChannelHealth(ok=False, detail=str(exc))
        detail = f"signed in as @{user.get('username', '')}"
        if self.tier in FREE_TIERS:
            detail += f". {TIER_SENTENCE}"
        return ChannelHealth(ok=True, detail=detail)

    def own_id(self) -> str:
        """The account's X user id: stored at connection, else asked of /2/users/me."""
        if not self._own_id:
            self._own_id = str(self._me()["id"])
        return self._own_id

    def _me(self, fields: str = "") -> Mapping[str, Any]:
        params = {"user.fields": fields} if fields else {}
        response = self.request("GET", "/2/users/me", params=params)
        body = self.json_of(response)
        try:
            user = obj(obj(body, "the answer").get("data"), "data")
            x_id(user.get("id"), "user id")
        except ShapeError as exc:
            raise RetryableError(f"unexpected /2/users/me answer: {exc}",
                                 status=response.status_code) from None
        return user

    def post_url(self, remote_id: str) -> str:
        return f"https://x.com/{self.handle.lstrip('@') or 'i/web'}/status/{remote_id}"


def rate_limit_wait(headers: httpx.Headers, *, now: float | None = None) -> float:
    """Seconds until X lifts the limit that answered 429.

    X reports a 15-minute window (``x-rate-limit-*``) and, for posting, 24-hour user and
    app windows (``x-user-limit-24hour-*``, ``x-app-limit-24hour-*``). The exhausted
    window with the latest reset wins; without any, Retry-After, else a default.
    """
    now = time.time() if now is None else now
    exhausted: list[float] = []
    any_reset: list[float] = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = _number(headers.get(f"{prefix}-reset"))
        if reset is None:
            continue
        any_reset.append(reset)
        if _number(headers.get(f"{prefix}-remaining")) == 0:
            exhausted.append(reset)
    chosen = max(exhausted) if exhausted else (max(any_reset) if any_reset else None)
    if chosen is not None:
        return max(1.0, chosen - now)
    retry_after = parse_retry_after(headers.get("retry-after"))
    return retry_after if retry_after is not None else DEFAULT_RETRY_AFTER


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _post_metrics(tweet: Mapping[str, Any]) -> PostMetrics:
    remote_id = x_id(tweet.get("id"), "post id")

    def section(name: str) -> Mapping[str, Any] | None:
        value = tweet.get(name)
        return obj(value, name) if value is not None else None

    public, private = section("public_metrics"), section("non_public_metrics")
    likes = count(public, "like_count")
    reposts = count(public, "retweet_count", "repost_count")
    replies = count(public, "reply_count")
    quotes = count(public, "quote_count")
    parts = (likes, reposts, replies, quotes)
    return PostMetrics(
        remote_id=remote_id,
        impressions=(count(private, "impression_count")
                     if count(private, "impression_count") is not None
                     else count(public, "impression_count")),
        engagements=None if None in parts else sum(p or 0 for p in parts),
        likes=likes,
        reposts=reposts,
        replies=replies,
        clicks=count(private, "url_link_clicks"),
    )


def _data(body: Any) -> Mapping[str, Any]:
    """The ``data`` object of an answer, or an empty one when it is not there."""
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def _with_link(text: str, link: str) -> str:
    if link and link not in text:
        return f"{text}\n{link}" if text else link
    return text


def _path_id(remote_id: str) -> str:
    value = str(remote_id)
    if not value.isdigit() or len(value) > 19:
        raise RejectedError(f"not an X id: {value[:40]!r}")
    return value
