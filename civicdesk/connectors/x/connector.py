"""Connector for X (formerly Twitter), API v2, with a user's OAuth 2.0 token.

Plain httpx through ``HttpConnector``: the official Python SDK (``xdk``) is built on
``requests`` with no request timeout, so it could not share the product's injectable
``httpx.Client`` nor tell a lost write from a refused one (see docs/connectors/x.md).

This class holds what every call shares (the token, the rate-limit window, X's errors,
the account's identity) and hands each capability to its own module: ``publishing``
(posts, threads, replies and the check after an unknown outcome), ``media``, ``inbox``
(mentions and direct messages), ``metrics``; ``ratelimits`` reads X's limit headers and
``tiers`` says what the free tier cannot do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    ListenQuery,
    MetricTable,
    OutboundPost,
    PostMetrics,
    PublishResult,
    RejectedError,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
    error_detail,
)

from . import inbox, listening, media, metrics, publishing
from .metrics import METRICS
from .ratelimits import DEFAULT_RETRY_AFTER, USAGE_CAP_RETRY_AFTER, RateLimit, rate_limit_wait
from .shapes import ShapeError, obj, problem_type, x_id
from .tiers import (
    FREE_TIERS,
    LISTEN_CAPABILITIES,
    LISTEN_TIER_LIMITATION,
    LISTEN_TIER_SENTENCE,
    PAID_TIER_CAPABILITIES,
    TIER_LIMITATION,
    TIER_SENTENCE,
    tier_of,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "METRICS",
    "TIER_SENTENCE",
    "RateLimit",
    "XConnector",
    "rate_limit_wait",
]


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
            Capability.CAPTIONS,
            Capability.THREADS,
            Capability.SELF_REPLY,
            Capability.HIDE,
            *LISTEN_CAPABILITIES,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.DELETE_COMMENT: _(
            "X does not let an account delete other people's replies; hide the reply instead."
        ),
        Capability.BLOCK: _(
            "X's API no longer lets an app block an account (it can only list blocks); "
            "block it in X itself."
        ),
        **dict.fromkeys(LISTEN_CAPABILITIES, LISTEN_TIER_LIMITATION),
        Capability.INBOX: TIER_LIMITATION,
        Capability.DIRECT_MESSAGES: TIER_LIMITATION,
        Capability.MEDIA: _(
            "Civic Desk sends images (up to four a post) or one MP4 video, with its captions, to X."
        ),
        Capability.HIDE: _("X can hide replies to our own posts only, not mentions elsewhere."),
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
        return tier_of(self.credentials)

    @classmethod
    def channel_capabilities(cls, credentials: Mapping[str, str]) -> frozenset[Capability]:
        if tier_of(credentials) in FREE_TIERS:
            return cls.capabilities - PAID_TIER_CAPABILITIES - LISTEN_CAPABILITIES
        return cls.capabilities

    @classmethod
    def channel_limitations(
        cls, credentials: Mapping[str, str]
    ) -> Mapping[Capability, StrOrPromise]:
        tier = tier_of(credentials)
        if tier in FREE_TIERS:
            # Not "may": this channel's app is known to be on the free tier.
            return (
                dict(cls.limitations)
                | dict.fromkeys(PAID_TIER_CAPABILITIES, TIER_SENTENCE)
                | dict.fromkeys(LISTEN_CAPABILITIES, LISTEN_TIER_SENTENCE)
            )
        if tier:
            # A paid tier is known: the inbox works, so nothing to warn about.
            return {
                c: s
                for c, s in cls.limitations.items()
                if c not in PAID_TIER_CAPABILITIES | LISTEN_CAPABILITIES
            }
        return cls.limitations

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
                raise RetryableError(
                    f"X usage cap reached: {detail}",
                    status=status,
                    retry_after=USAGE_CAP_RETRY_AFTER,
                    platform_code=kind,
                )
            raise RetryableError(
                f"rate limited by X: {detail}",
                status=status,
                retry_after=rate_limit_wait(response.headers),
                platform_code=kind or None,
            )
        if status == 403:
            if "duplicate content" in detail.lower():
                raise RejectedError(
                    "X refuses a post identical to one already published",
                    status=status,
                    platform_code="duplicate-content",
                )
            if kind == "client-forbidden" or "not permitted" in detail.lower():
                raise UnsupportedError(
                    f"X does not allow this for the app's access level: {detail}",
                    status=status,
                    platform_code=kind or "forbidden",
                )
        if status == 401:
            raise AuthExpiredError(
                f"X refused the authorization: {detail}", status=status, platform_code=kind or None
            )
        super().raise_for_response(response, write=write)

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        return publishing.publish(self, post)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        return publishing.reply(self, target, text)

    def delete(self, remote_id: str) -> None:
        publishing.delete(self, remote_id)

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        publishing.hide(self, remote_id, hidden=hidden)

    # Methods, not only functions: every post, thread part and image goes through them,
    # so replacing one on the class intercepts them all.
    _create_post = publishing.create_post
    _upload = media.upload

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        return publishing.check_publication(self, post)

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        return inbox.fetch_inbound(self, cursor, limit=limit)

    def fetch_listening(
        self, query: ListenQuery, cursor: str | None, *, limit: int = 100
    ) -> InboundPage:
        return listening.fetch_listening(self, query, cursor, limit=limit)

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        return metrics.fetch_post_metrics(self, remote_ids)

    def fetch_account_metrics(self) -> AccountMetrics:
        return metrics.account_metrics(self._me("public_metrics"))

    def check_health(self) -> ChannelHealth:
        try:
            user = self._me()
        except ConnectorError as exc:
            return ChannelHealth.failed(exc)
        detail = f"signed in as @{user.get('username', '')}"
        if self.tier in FREE_TIERS:
            detail += f". {TIER_SENTENCE!s}"
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
            raise RetryableError(
                f"unexpected /2/users/me answer: {exc}", status=response.status_code
            ) from None
        return user

    def post_url(self, remote_id: str) -> str:
        return f"https://x.com/{self.handle.lstrip('@') or 'i/web'}/status/{remote_id}"
