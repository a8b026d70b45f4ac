"""Connector for LinkedIn organization pages (Community Management API, versioned REST).

Posts are published as the organization, in LinkedIn's "little text" format (reserved
characters escaped); images go through the Images API first. LinkedIn has no
idempotency key: after an unknown outcome, ``check_publication`` reads the organization's
recent posts for our text. Comments on the organization's recent posts are the inbox;
a reply is a comment written as the organization.

This class holds what every call shares (the token, the API version, LinkedIn's errors,
the organization and its recent posts) and hands each capability to its own module:
``publishing``, ``media``, ``inbox`` and ``metrics``; ``mapping`` turns LinkedIn's
answers into Civic Desk's.
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
    MetricTable,
    OutboundPost,
    PostMetrics,
    PublishResult,
    RejectedError,
    ReplyTarget,
    RetryableError,
    error_detail,
    parse_retry_after,
)
from civicdesk.connectors.linkedin import inbox, metrics, publishing
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.mapping import service_code
from civicdesk.connectors.linkedin.metrics import METRICS
from civicdesk.connectors.linkedin.shapes import ShapeError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["API_VERSION", "METRICS", "RATE_LIMIT_BACKOFF_SECONDS", "LinkedInConnector"]

# The API version we speak (LinkedIn-Version header). LinkedIn serves each version for
# about a year, then answers 426; bump it after reading the migration notes.
API_VERSION = "202609"
# LinkedIn sends no reset time with a 429 (its limits are per day, per application and
# per member), so a rate-limited call waits this long before trying again.
RATE_LIMIT_BACKOFF_SECONDS = 15 * 60


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
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.CAPTIONS: _(
            "Civic Desk sends images, not videos, to LinkedIn: no captions either."
        ),
        Capability.DELETE_COMMENT: _(
            "LinkedIn's API deletes only the page's own comments: remove a member's comment"
            " on linkedin.com."
        ),
        Capability.BLOCK: _("LinkedIn's API cannot block a member; do it on linkedin.com."),
        **dict.fromkeys(
            (
                Capability.LISTEN_KEYWORDS,
                Capability.LISTEN_HASHTAGS,
                Capability.LISTEN_ACCOUNTS,
            ),
            _(
                "LinkedIn's API offers no search of members' posts: keywords, hashtags and "
                "accounts cannot be followed there."
            ),
        ),
        Capability.DIRECT_MESSAGES: _(
            "LinkedIn's API gives organization pages no messages: direct messages to the "
            "page can only be read and answered on linkedin.com."
        ),
        Capability.HIDE: _(
            "LinkedIn's API cannot hide a comment: moderate it on linkedin.com (a comment "
            "can only be deleted there or reported)."
        ),
        Capability.THREADS: _(
            "LinkedIn has no threads: a post is one text of up to 3,000 characters."
        ),
        Capability.INBOX: _(
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
        return publishing.publish(self, post)

    def delete(self, remote_id: str) -> None:
        publishing.delete(self, remote_id)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        return publishing.reply(self, target, text)

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        return publishing.check_publication(self, post)

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        return inbox.fetch_inbound(self, cursor)

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        return metrics.fetch_post_metrics(self, remote_ids)

    def fetch_account_metrics(self) -> AccountMetrics:
        return metrics.fetch_account_metrics(self)

    def check_health(self) -> ChannelHealth:
        try:
            org = self.organization
            response = self.request("GET", f"/organizations/{org.rsplit(':', 1)[-1]}")
            name = s.text(
                s.obj(self.json_of(response), "the answer").get("localizedName"), "localizedName"
            )
        except ConnectorError as exc:
            return ChannelHealth.failed(exc)
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"posting as {name or org}")

    def _recent_posts(self, count: int) -> list[Mapping[str, Any]]:
        """The organization's most recent posts, which publishing and inbox both read."""
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
