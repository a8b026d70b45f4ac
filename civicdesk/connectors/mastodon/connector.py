"""Connector for Mastodon, any instance, over its client API with plain httpx.

Every channel names its own instance (``api_base_url``). Publishing sends an
``Idempotency-Key`` header, which Mastodon honours for about an hour: a repeated request with
the same key returns the status created the first time instead of posting twice. After an
unknown outcome, ``check_publication`` looks for the text in the account's recent statuses.

This class holds what every call shares (the token, the instance's errors and limits, the
account's identity) and hands each capability to its own module: ``publishing``
(statuses, threads, replies and the check after an unknown outcome), ``media``, ``inbox``
(mention notifications) and ``metrics``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
    OutcomeUnknownError,
    PostMetrics,
    PublishResult,
    RemoteAuthor,
    ReplyTarget,
    RetryableError,
    error_detail,
    parse_retry_after,
)
from civicdesk.connectors.mastodon import inbox, listening, metrics, publishing
from civicdesk.connectors.mastodon.metrics import METRICS
from civicdesk.connectors.mastodon.shapes import (
    ShapeError,
    is_id,
    obj,
    parse_reset,
    path_id,
    snowflake,
    string,
)
from civicdesk.rules import PlatformRules, mastodon_rules_from_instance

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["METRICS", "MastodonConnector"]

STATUS_PAGE = 40  # Mastodon's maximum for an account's statuses
# How far back check_publication looks for a post whose outcome is unknown, and how many
# pages of the account's statuses it reads before saying it cannot tell. Read at each
# call, so that changing them on this module takes effect.
CHECK_LOOKBACK = timedelta(hours=12)
CHECK_PAGES = 3

# 403 answers that mean the authorization itself is no longer good enough.
_AUTH_403 = (
    "outside the authorized scopes",
    "login is currently disabled",
    "suspended",
    "confirmed e-mail",
    "approved",
)


class MastodonConnector(HttpConnector):
    platform: ClassVar[str] = "mastodon"
    # The server is the one the person named when connecting.
    typed_address: ClassVar[bool] = True
    announces_limits: ClassVar[bool] = True
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
            Capability.SELF_REPLY,
            Capability.BLOCK,
            Capability.LISTEN_HASHTAGS,
            Capability.LISTEN_ACCOUNTS,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.CAPTIONS: _(
            "Mastodon's API takes no caption files: a video goes out without its captions "
            "(its description is sent)."
        ),
        Capability.LISTEN_KEYWORDS: _(
            "Mastodon cannot be searched for any word: its search finds only posts of "
            "accounts that opted in, on servers that run a search engine. Follow hashtags "
            "or accounts there."
        ),
        Capability.HIDE: _(
            "Mastodon has no way to hide a reply to your post; you can only mute or block "
            "its author, or report it to the instance's moderators."
        ),
        Capability.DELETE_COMMENT: _(
            "Mastodon does not let an account delete other people's posts, even replies to "
            "its own; block the author, or report the post to the instance's moderators."
        ),
        Capability.POST_METRICS: _(
            "Mastodon counts favourites, boosts and replies only; it has no impressions, "
            "reach or clicks."
        ),
    }
    metrics: ClassVar[MetricTable | None] = METRICS
    max_concurrency: ClassVar[int] = 2
    # Seconds to wait between checks on an upload the instance is still processing.
    media_poll_delays: ClassVar[tuple[float, ...]] = (0.5, 1, 2, 2, 4, 4, 8)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._own_id = ""
        self._rules: PlatformRules | None = None

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the channel has no Mastodon access token")
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        if status == 429:
            # Mastodon says when the window resets (ISO 8601) rather than how long to wait.
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is None:
                retry_after = parse_reset(response.headers.get("x-ratelimit-reset"))
            raise RetryableError(
                f"rate limited: {error_detail(response)}", status=status, retry_after=retry_after
            )
        if status == 403:
            detail = error_detail(response)
            if any(marker in detail.lower() for marker in _AUTH_403):
                raise AuthExpiredError(f"authorization refused: {detail}", status=status)
        super().raise_for_response(response, write=write)

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        return publishing.publish(self, post)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        return publishing.reply(self, target, text, idempotency_key=idempotency_key)

    def delete(self, remote_id: str) -> None:
        publishing.delete(self, remote_id)

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        # The answer is the relationship with that account; blocking twice answers the same.
        response = self.request(
            "POST", f"/api/v1/accounts/{path_id(author.remote_id)}/block", write=True
        )
        data = self.json_of(response, write=True)
        if not isinstance(data, dict) or data.get("blocking") is not True:
            raise OutcomeUnknownError("the instance did not say the account is blocked")

    # Reads

    def instance_rules(self) -> PlatformRules:
        """This instance's limits (characters, link length, media) from /api/v2/instance.

        When the instance cannot be asked, Mastodon's defaults apply and the instance
        itself refuses anything too long.
        """
        if self._rules is None:
            try:
                self._rules = self.fetch_account_rules()
            except ConnectorError:
                self._rules = mastodon_rules_from_instance({})
        return self._rules

    def fetch_account_rules(self) -> PlatformRules:
        data = self.json_of(self.request("GET", "/api/v2/instance"))
        return mastodon_rules_from_instance(data if isinstance(data, dict) else {})

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        return publishing.check_publication(
            self,
            post,
            since=datetime.now(UTC) - CHECK_LOOKBACK,
            page_size=STATUS_PAGE,
            pages=CHECK_PAGES,
        )

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        return inbox.fetch_inbound(self, cursor, limit=limit)

    def fetch_listening(
        self, query: ListenQuery, cursor: str | None, *, limit: int = 100
    ) -> InboundPage:
        return listening.fetch_listening(self, query, cursor, limit=limit)

    def listening_refusal(self, capability: Capability) -> str:
        """The sentence that says why this cannot be followed here."""
        return self._unsupported(capability)

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        return metrics.fetch_post_metrics(self, remote_ids)

    def fetch_account_metrics(self) -> AccountMetrics:
        return metrics.account_metrics(self._me())

    def check_health(self) -> ChannelHealth:
        try:
            acct = string(self._me().get("acct"), "acct", optional=False)
        except ConnectorError as exc:
            return ChannelHealth.failed(exc)
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"signed in as @{acct}")

    # Helpers

    def _me(self) -> Mapping[str, Any]:
        data = self.json_of(self.request("GET", "/api/v1/accounts/verify_credentials"))
        try:
            account = obj(data, "the answer")
            self._own_id = snowflake(account.get("id"), "id")
        except ShapeError as exc:
            raise RetryableError(f"unexpected account answer: {exc}") from None
        return account

    def _account_id(self) -> str:
        if not self._own_id:
            stored = self.credentials.get("account_id", "")
            if is_id(stored):
                self._own_id = stored
            else:
                self._me()
        return self._own_id

    def _status(self, remote_id: str) -> Mapping[str, Any]:
        data = self.json_of(self.request("GET", f"/api/v1/statuses/{path_id(remote_id)}"))
        try:
            return obj(data, "the answer")
        except ShapeError as exc:
            raise RetryableError(f"unexpected status answer: {exc}") from None
