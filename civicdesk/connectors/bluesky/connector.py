"""Connector for Bluesky: XRPC calls to the account's own PDS over plain httpx.

Posts are records in the account's repository. We choose each post's record key from
the publication's idempotency key (``shapes.record_key``), so a retried create cannot
make a second post and ``check_publication`` is a lookup of that one record.
Reads of the social graph (posts with counts, threads, notifications, profiles) go
through the same PDS, which forwards them to Bluesky's AppView.

This class holds what every call shares (the session, XRPC and its errors, reading
records and post views). The session is either an app-password session (bearer JWTs) or
atproto OAuth tokens (``auth_mode`` "oauth"), which are DPoP-bound: every call then
carries a fresh proof signed with the session's key (see ``dpop``). Each capability
has its own module: ``publishing`` (posts, threads, replies, deletes and the check
after an unknown outcome), ``media``, ``moderation`` (hidden replies), ``inbox``
(notifications and threads) and ``metrics``.
"""

from __future__ import annotations

import time
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
    MessageKind,
    MetricTable,
    OutboundPost,
    PostMetrics,
    PublishResult,
    RejectedError,
    RemoteAuthor,
    ReplyTarget,
    RetryableError,
    error_detail,
    parse_retry_after,
)
from civicdesk.connectors.bluesky import (
    dpop,
    inbox,
    listening,
    metrics,
    moderation,
    publishing,
    shapes,
)
from civicdesk.connectors.bluesky.inbox import parse_cursor
from civicdesk.connectors.bluesky.metrics import METRICS
from civicdesk.connectors.bluesky.shapes import ShapeError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["METRICS", "BlueskyConnector", "UnsupportedDirect", "parse_cursor", "rate_limit_wait"]

# Errors the PDS names in a 400 body that mean "this session is no longer valid".
AUTH_ERRORS = frozenset(
    {
        "ExpiredToken",
        "InvalidToken",
        "AuthMissing",
        "AuthenticationRequired",
        "AccountTakedown",
        "AccountDeactivated",
    }
)


class BlueskyConnector(HttpConnector):
    platform: ClassVar[str] = "bluesky"
    # The server is the one the person named when connecting.
    typed_address: ClassVar[bool] = True
    default_base_url: ClassVar[str] = "https://bsky.social"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH,
            Capability.DELETE,
            Capability.INBOX,
            Capability.REPLY,
            Capability.POST_METRICS,
            Capability.ACCOUNT_METRICS,
            Capability.MEDIA,
            Capability.CAPTIONS,
            Capability.THREADS,
            Capability.SELF_REPLY,
            Capability.HIDE,
            Capability.BLOCK,
            Capability.LISTEN_KEYWORDS,
            Capability.LISTEN_HASHTAGS,
            Capability.LISTEN_ACCOUNTS,
        }
    )
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.DIRECT_MESSAGES: _(
            "Bluesky direct messages live on a separate chat service that Civic Desk "
            "does not read yet; answer them in the Bluesky app."
        ),
        Capability.DELETE_COMMENT: _(
            "Bluesky does not let anyone delete another account's posts: hide the reply in "
            "your thread, or block its author."
        ),
    }
    metrics: ClassVar[MetricTable | None] = METRICS
    max_concurrency: ClassVar[int] = 4

    # Plumbing

    @property
    def did(self) -> str:
        did = self.credentials.get("did", "")
        if not did.startswith("did:"):
            raise AuthExpiredError("the channel has no Bluesky account id: reconnect it")
        return did

    @property
    def uses_dpop(self) -> bool:
        """OAuth credentials: DPoP-bound tokens. App-password sessions are bearer tokens."""
        return self.credentials.get("auth_mode") == "oauth"

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the channel has no Bluesky session: reconnect it")
        scheme = "DPoP" if self.uses_dpop else "Bearer"
        return {"Authorization": f"{scheme} {token}", "Accept": "application/json"}

    def request(
        self,
        method: str,
        path: str,
        *,
        write: bool = False,
        expected: tuple[int, ...] = (200, 201, 202, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        """Every call; with OAuth credentials each carries a fresh DPoP proof.

        The PDS hands out DPoP nonces and refuses a proof without its current one
        (401, ``use_dpop_nonce``): that refusal means nothing was done, so the call is
        sent once more with the new nonce, even a write.
        """
        if not self.uses_dpop:
            return super().request(method, path, write=write, expected=expected, **kwargs)
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        extra = kwargs.pop("headers", {})
        key = self.dpop_key
        token = self.credentials.get("access_token", "")
        for attempt in (1, 2):
            proof = key.proof(method, url, access_token=token)
            response = super().request(
                method,
                url,
                write=write,
                expected=(*expected, 400, 401),
                headers=extra | {"DPoP": proof},
                **kwargs,
            )
            changed = key.remember_nonce(response)
            if response.status_code in expected:
                return response
            if attempt == 1 and changed and dpop.asks_for_nonce(response):
                continue
            self.raise_for_response(response, write=write)
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def dpop_key(self) -> dpop.DpopKey:
        """The session's DPoP key, loaded once so the nonces it learns are kept."""
        if self._dpop_key is None:
            try:
                self._dpop_key = dpop.DpopKey.from_pem(self.credentials.get("dpop_private_key", ""))
            except ValueError:
                raise AuthExpiredError(
                    "the channel's DPoP key is missing or unreadable: reconnect it"
                ) from None
        return self._dpop_key

    _dpop_key: dpop.DpopKey | None = None

    def xrpc(self, method: str, nsid: str, *, write: bool = False, **kwargs: Any) -> Any:
        response = self.request(method, f"/xrpc/{nsid}", write=write, expected=(200,), **kwargs)
        return self.json_of(response, write=write)

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        try:
            code = shapes.error_code(response.json())
        except ValueError:
            code = ""
        detail = error_detail(response)
        if status == 429 or code == "RateLimitExceeded":
            raise RetryableError(
                f"rate limited: {detail}",
                status=status,
                retry_after=rate_limit_wait(response.headers),
                platform_code=code or None,
            )
        if status == 401 or code in AUTH_ERRORS:
            raise AuthExpiredError(
                f"Bluesky refused the session: {detail}", status=status, platform_code=code or None
            )
        if status == 400:
            raise RejectedError(f"rejected: {detail}", status=status, platform_code=code or None)
        super().raise_for_response(response, write=write)

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        return publishing.publish(self, post)

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            raise UnsupportedDirect(self._unsupported(Capability.DIRECT_MESSAGES))
        return publishing.reply(self, target, text, idempotency_key=idempotency_key)

    def delete(self, remote_id: str) -> None:
        publishing.delete(self, remote_id)

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        """Hide a reply under one of our threads with the thread's threadgate record."""
        moderation.hide(self, remote_id, hidden=hidden)

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        """Block an account with a block record in our repository."""
        moderation.block(self, author.remote_id)

    # A method, not only a function: every post and thread part is created through it,
    # so replacing it on the class intercepts them all.
    _create_post = publishing.create_post

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        return publishing.check_publication(self, post)

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        """Inbox notifications, oldest first, from our own cursor (see ``inbox``)."""
        return inbox.fetch_inbound(self, cursor, limit=limit)

    def fetch_listening(
        self, query: ListenQuery, cursor: str | None, *, limit: int = 100
    ) -> InboundPage:
        return listening.fetch_listening(self, query, cursor, limit=limit)

    def fetch_thread(self, remote_id: str, *, depth: int = 10) -> Mapping[str, Any]:
        """The thread under a post, as the AppView shows it (for the conversation view)."""
        return inbox.fetch_thread(self, remote_id, depth=depth)

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        return metrics.fetch_post_metrics(self, remote_ids)

    def fetch_account_metrics(self) -> AccountMetrics:
        return metrics.fetch_account_metrics(self)

    def check_health(self) -> ChannelHealth:
        try:
            data = self.xrpc("GET", "com.atproto.server.getSession")
            handle = shapes.text(
                shapes.obj(data, "the answer").get("handle"), "handle", optional=False
            )
        except ConnectorError as exc:
            return ChannelHealth.failed(exc)
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"signed in as @{handle}")

    # Records and post views, which publishing, moderation and metrics all read

    def _get_record(self, repo: str, collection: str, rkey: str) -> Mapping[str, Any] | None:
        try:
            data = self.xrpc(
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": repo, "collection": collection, "rkey": rkey},
            )
        except RejectedError as exc:
            if exc.platform_code == "RecordNotFound" or exc.status == 404:
                return None
            raise
        try:
            return shapes.obj(data, "the answer")
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer: {exc}") from None

    def _post_view(self, remote_id: str) -> Mapping[str, Any]:
        try:
            shapes.split_uri(remote_id)
        except ValueError as exc:
            raise RejectedError(str(exc)) from None
        views = self._post_views([remote_id])
        if remote_id not in views:
            raise RejectedError("that Bluesky post no longer exists", status=404)
        return views[remote_id]

    def _post_views(self, uris: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        found: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(uris), 25):
            data = self.xrpc(
                "GET", "app.bsky.feed.getPosts", params={"uris": list(uris[start : start + 25])}
            )
            try:
                posts = shapes.obj(data, "the answer").get("posts")
                if not isinstance(posts, list):
                    raise ShapeError("posts is not a list")
                for view in posts:
                    view = shapes.obj(view, "a post")
                    found[shapes.uri(view.get("uri"), "uri")] = view
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer: {exc}") from None
        return found


class UnsupportedDirect(RejectedError):
    """Direct messages are not reachable through this connector."""


def rate_limit_wait(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds until the limit resets: RateLimit-Reset is epoch seconds on Bluesky."""
    reset = headers.get("ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - (time.time() if now is None else now))
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))
