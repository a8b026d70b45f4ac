"""Connector for LinkedIn organization pages (Community Management API, versioned REST).

Posts are published as the organization, in LinkedIn's "little text" format (reserved
characters escaped); images go through the Images API first. LinkedIn has no
idempotency key: after an unknown outcome, ``check_publication`` reads the organization's
recent posts for our text. Comments on the organization's recent posts are the inbox;
a reply is a comment written as the organization.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import unquote

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
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.mapping import (
    comment_message,
    epoch_ms_of,
    normal,
    post_metrics,
    service_code,
    since_of,
)
from civicdesk.connectors.linkedin.shapes import ShapeError
from civicdesk.rules.counting import linkedin_escape

logger = logging.getLogger(__name__)

# The API version we speak (LinkedIn-Version header). LinkedIn serves each version for
# about a year, then answers 426; bump it after reading the migration notes.
API_VERSION = "202609"
# LinkedIn sends no reset time with a 429 (its limits are per day, per application and
# per member), so a rate-limited call waits this long before trying again.
RATE_LIMIT_BACKOFF_SECONDS = 15 * 60
# How many recent posts are searched after an unknown outcome, and watched for comments.
CHECK_RECENT_POSTS = 50
WATCHED_POSTS = 20
COMMENTS_PAGE = 100
MAX_COMMENTS_PER_OBJECT = 500
# Comments can appear in the API a little after their time: look back this far past the
# cursor (duplicates are dropped when stored).
INBOX_OVERLAP_MS = 10 * 60 * 1000
STATS_BATCH = 20

METRICS = MetricTable(
    version="2026-11-21",
    names={
        "impressions": "impressionCount",
        "reach": "uniqueImpressionsCount",
        "clicks": "clickCount",
        "likes": "likeCount",
        "replies": "commentCount",
        "reposts": "shareCount",
        # LinkedIn's own "engagement" is a rate; we record the count it is made from.
        "engagements": "clickCount + likeCount + commentCount + shareCount",
        "followers": "networkSizes firstDegreeSize (COMPANY_FOLLOWED_BY_MEMBER)",
    },
    retired={},
)


class LinkedInConnector(HttpConnector):
    platform: ClassVar[str] = "linkedin"
    default_base_url: ClassVar[str] = "https://api.linkedin.com/rest"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.INBOX,
            Capability.REPLY,
            Capability.POST_METRICS,
            Capability.ACCOUNT_METRICS,
            Capability.MEDIA,
        }
    )
    limitations: ClassVar[Mapping[Capability, str]] = {
        Capability.DIRECT_MESSAGES: (
            "LinkedIn's API gives organization pages no messages: direct messages to the "
            "page can only be read and answered on linkedin.com."
        ),
        Capability.HIDE: (
            "LinkedIn's API cannot hide a comment: moderate it on linkedin.com (a comment "
            "can only be deleted there or reported)."
        ),
        Capability.THREADS: (
            "LinkedIn has no threads: a post is one text of up to 3,000 characters."
        ),
        Capability.INBOX: (
            "Only comments on the organization's recent posts reach the inbox; mentions of "
            "the organization elsewhere on LinkedIn do not."
        ),
    }
    metrics: ClassVar[MetricTable | None] = METRICS
    max_concurrency: ClassVar[int] = 2

    @property
    def organization(self) -> str:
        org = self.credentials.get("organization_urn", "")
        if not s.ORGANIZATION_URN.match(org):
            raise AuthExpiredError("the channel has no LinkedIn organization: reconnect it")
        return org

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the channel has no LinkedIn access token: reconnect it")
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": API_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
            "Accept": "application/json",
        }

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        if status == 429:
            header = parse_retry_after(response.headers.get("retry-after"))
            wait = header if header is not None else float(RATE_LIMIT_BACKOFF_SECONDS)
            note = (
                ""
                if header is not None
                else (
                    f" (LinkedIn gives no reset time; waiting {RATE_LIMIT_BACKOFF_SECONDS // 60} "
                    "minutes)"
                )
            )
            raise RetryableError(
                f"rate limited by LinkedIn: {error_detail(response)}{note}",
                status=status,
                retry_after=wait,
                platform_code=service_code(response),
            )
        if status == 426:
            raise RejectedError(
                f"LinkedIn no longer serves API version {API_VERSION}: update Civic Desk",
                status=status,
                platform_code=service_code(response),
            )
        super().raise_for_response(response, write=write)

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        if post.thread:
            raise UnsupportedError(self._unsupported(Capability.THREADS))
        org = self.organization
        payload: dict[str, Any] = {
            "author": org,
            "commentary": self._commentary(post),
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
            images = [self._upload_image(item) for item in post.media]
            if len(images) == 1:
                payload["content"] = {"media": images[0]}
            else:
                payload["content"] = {"multiImage": {"images": images}}
        response = self.request("POST", "/posts", write=True, json=payload, expected=(200, 201))
        remote_id = unquote(response.headers.get("x-restli-id", "")).strip()
        if not s.POST_URN.match(remote_id):
            raise OutcomeUnknownError(
                "LinkedIn accepted the post but did not say its id (no x-restli-id)",
                status=response.status_code,
            )
        return PublishResult(remote_id=remote_id, url=s.post_url(remote_id))

    def _commentary(self, post: OutboundPost) -> str:
        text = post.text
        if post.link and post.link not in text:
            text = f"{text}\n{post.link}" if text else post.link
        return linkedin_escape(text)

    def _upload_image(self, item: MediaItem) -> dict[str, str]:
        """Initialize an upload, send the bytes; the image URN and its alt text.

        Nothing is public until the post is created, so a lost answer here is simply
        retried (an unused image upload is harmless).
        """
        if not item.content_type.startswith("image/"):
            raise RejectedError(f"LinkedIn posts take images here, not {item.content_type}")
        try:
            response = self.request(
                "POST",
                "/images",
                params={"action": "initializeUpload"},
                write=True,
                json={"initializeUploadRequest": {"owner": self.organization}},
                expected=(200, 201),
            )
            data = self.json_of(response, write=True)
            try:
                value = s.obj(s.obj(data, "the answer").get("value"), "value")
                upload_url = s.text(value.get("uploadUrl"), "uploadUrl", optional=False)
                image = s.urn(value.get("image"), "image")
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer to an image upload: {exc}") from None
            if not upload_url.startswith(("https://", "http://")):
                raise RetryableError("LinkedIn gave an upload address that is not a URL")
            self.request(
                "PUT",
                upload_url,
                write=True,
                content=item.data,
                headers={"Content-Type": item.content_type},
                expected=(200, 201),
            )
        except OutcomeUnknownError as exc:
            raise RetryableError(
                f"image upload interrupted: {exc.message}", status=exc.status
            ) from None
        media = {"id": image}
        if item.alt_text:
            media["altText"] = item.alt_text[:4086]
        return media

    def delete(self, remote_id: str) -> None:
        if not s.POST_URN.match(remote_id):
            raise RejectedError(f"not a LinkedIn post URN: {remote_id[:60]!r}")
        try:
            self.request(
                "DELETE",
                f"/posts/{s.encode(remote_id)}",
                write=True,
                headers={"X-RestLi-Method": "DELETE"},
            )
        except RejectedError as exc:
            if exc.status != 404:
                raise
            # Already gone: deleting is done.

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            raise UnsupportedError(self._unsupported(Capability.DIRECT_MESSAGES))
        org = self.organization
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
        response = self.request("POST", path, write=True, json=payload, expected=(200, 201))
        header = unquote(response.headers.get("x-restli-id", "")).strip()
        body: Any = {}
        if response.content:
            body = self.json_of(response, write=True)
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

    # Reads

    def _recent_posts(self, count: int) -> list[Mapping[str, Any]]:
        response = self.request(
            "GET",
            "/posts",
            params={
                "q": "author",
                "author": self.organization,
                "count": count,
                "sortBy": "CREATED",
            },
            headers={"X-RestLi-Method": "FINDER"},
        )
        try:
            return s.elements(self.json_of(response))
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing posts: {exc}") from None

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        wanted = {normal(self._commentary(post)), normal(post.text)}
        for item in self._recent_posts(CHECK_RECENT_POSTS):
            try:
                remote_id = s.urn(item.get("id"), "id")
                commentary = s.text(item.get("commentary"), "commentary")
                if normal(commentary) not in wanted:
                    continue
                when = item.get("publishedAt") or item.get("createdAt")
                published = s.epoch_ms(when, "publishedAt") if when is not None else None
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer listing posts: {exc}") from None
            return PublishResult(
                remote_id=remote_id, url=s.post_url(remote_id), published_at=published
            )
        return None

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        since = since_of(cursor)
        org = self.organization
        messages: list[RemoteMessage] = []
        try:
            for item in self._recent_posts(WATCHED_POSTS):
                post_urn = s.urn(item.get("id"), "post id")
                for comment in self._comments(post_urn):
                    message = comment_message(comment, post_urn)
                    if message is None:
                        continue
                    replies = s.obj(comment.get("commentsSummary") or {}, "commentsSummary")
                    if (s.count(replies, "totalFirstLevelComments") or 0) > 0:
                        for nested in self._comments(message.remote_id):
                            reply = comment_message(nested, post_urn, parent=message.remote_id)
                            if reply is not None:
                                messages.append(reply)
                    messages.append(message)
        except ShapeError as exc:
            # The whole round is refused, so the cursor stays and nothing is skipped.
            raise RetryableError(f"unexpected answer listing comments: {exc}") from None
        fresh = [
            m
            for m in messages
            if m.author.remote_id != org and epoch_ms_of(m) >= since - INBOX_OVERLAP_MS
        ]
        fresh.sort(key=epoch_ms_of)
        newest = max((epoch_ms_of(m) for m in fresh), default=since)
        next_cursor = json.dumps({"since": newest}) if newest > since else None
        return InboundPage(messages=fresh, next_cursor=next_cursor, has_more=False)

    def _comments(self, parent_urn: str) -> list[Mapping[str, Any]]:
        found: list[Mapping[str, Any]] = []
        start = 0
        while start < MAX_COMMENTS_PER_OBJECT:
            response = self.request(
                "GET",
                f"/socialActions/{s.encode(parent_urn)}/comments",
                params={"start": start, "count": COMMENTS_PAGE},
            )
            data = self.json_of(response)
            page = s.elements(data)
            found.extend(page)
            paging = s.obj(s.obj(data, "the answer").get("paging") or {}, "paging")
            total = s.count(paging, "total")
            start += len(page)
            if not page or len(page) < COMMENTS_PAGE or (total is not None and start >= total):
                break
        return found

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        shares = [r for r in remote_ids if r.startswith("urn:li:share:") and s.POST_URN.match(r)]
        ugc = [r for r in remote_ids if r.startswith("urn:li:ugcPost:") and s.POST_URN.match(r)]
        results: list[PostMetrics] = []
        for key, urns in (("shares", shares), ("ugcPosts", ugc)):
            for start in range(0, len(urns), STATS_BATCH):
                batch = urns[start : start + STATS_BATCH]
                for item in self._share_statistics(f"&{key}={s.urn_list(batch)}"):
                    try:
                        remote_id = s.urn(item.get("share") or item.get("ugcPost"), "share")
                        stats = s.obj(item.get("totalShareStatistics"), "totalShareStatistics")
                        results.append(post_metrics(remote_id, stats))
                    except ShapeError as exc:
                        raise RetryableError(f"unexpected statistics answer: {exc}") from None
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        org = self.organization
        response = self.request(
            "GET",
            f"/networkSizes/{s.encode(org)}",
            params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
        )
        items = self._share_statistics("")
        try:
            followers = s.count(s.obj(self.json_of(response), "the answer"), "firstDegreeSize")
            stats = (
                s.obj(items[0].get("totalShareStatistics"), "totalShareStatistics") if items else {}
            )
            likes, comments = s.count(stats, "likeCount"), s.count(stats, "commentCount")
            shares, clicks = s.count(stats, "shareCount"), s.count(stats, "clickCount")
            return AccountMetrics(
                followers=followers,
                impressions=s.count(stats, "impressionCount"),
                reach=s.count(stats, "uniqueImpressionsCount"),
                engagements=s.total(likes, comments, shares, clicks),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer: {exc}") from None

    def _share_statistics(self, extra_query: str) -> list[Mapping[str, Any]]:
        # Built by hand: Rest.li list syntax must reach LinkedIn with its brackets intact.
        url = (
            f"{self.base_url}/organizationalEntityShareStatistics?q=organizationalEntity"
            f"&organizationalEntity={s.encode(self.organization)}{extra_query}"
        )
        response = self.request("GET", url)
        try:
            return s.elements(self.json_of(response))
        except ShapeError as exc:
            raise RetryableError(f"unexpected statistics answer: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            org = self.organization
            response = self.request("GET", f"/organizations/{org.rsplit(':', 1)[-1]}")
            name = s.text(
                s.obj(self.json_of(response), "the answer").get("localizedName"), "localizedName"
            )
        except ConnectorError as exc:
            return ChannelHealth(ok=False, detail=str(exc))
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"posting as {name or org}")
