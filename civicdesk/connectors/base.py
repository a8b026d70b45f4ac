"""The connector interface every platform implements.

A connector turns Civic Desk's intentions (publish this, fetch what arrived since that
cursor, reply to this message) into one platform's HTTP calls, and turns every failure
into one of four kinds that the publisher and the ingest loop know how to handle:

- ``RetryableError``: nothing happened; try again after ``retry_after`` seconds.
- ``AuthExpiredError``: the channel's authorization must be renewed by a person.
- ``RejectedError``: the platform refused the request as invalid; retrying won't help.
- ``OutcomeUnknownError``: the request may or may not have taken effect. Never retry
  blindly: ask ``check_publication`` what happened.

Every connector takes an injectable base URL and ``httpx.Client`` so tests reach fakes
and local peers over real HTTP.
"""

from __future__ import annotations

import email.utils
import json
import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Self

import httpx

from civicdesk.connectors.spec import PlatformRules
from civicdesk.core.outbound import AddressRefused, guarded_client

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """The TLS context every connector's client uses: building one reads the whole CA bundle
    (milliseconds of CPU), and a context is safe to share between threads once made."""
    return httpx.create_ssl_context()


def platform_client(*, timeout: float) -> httpx.Client:
    """A plain client to a platform's fixed address, on the shared TLS context."""
    return httpx.Client(timeout=timeout, verify=shared_ssl_context())


class ConnectorError(Exception):
    """A failed platform call; its subclass is its kind (see the module docstring)."""

    def __init__(
        self,
        message: StrOrPromise,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        platform_code: str | None = None,
    ) -> None:
        # A platform's sentence may be marked for translation: it is read here, in the
        # language active where it was raised (the worker's is the installation's).
        message = str(message)
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.platform_code = platform_code

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.platform_code:
            parts.append(f"code {self.platform_code}")
        return " · ".join(parts)


class RetryableError(ConnectorError):
    """Nothing happened; try again after ``retry_after`` seconds."""


class AuthExpiredError(ConnectorError):
    """The channel's authorization must be renewed by a person."""


class RejectedError(ConnectorError):
    """The platform refused the request as invalid; retrying won't help."""


class OutcomeUnknownError(ConnectorError):
    """It may or may not have taken effect: ask ``check_publication``."""


class UnsupportedError(RejectedError):
    """The platform cannot do this at all (for example, an inbox without a paid tier)."""


class MessageKind(StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    MENTION = "mention"
    DIRECT = "direct"


class Capability(StrEnum):
    PUBLISH = "publish"
    DELETE = "delete"
    INBOX = "inbox"
    DIRECT_MESSAGES = "direct_messages"
    REPLY = "reply"
    POST_METRICS = "post_metrics"
    ACCOUNT_METRICS = "account_metrics"
    MEDIA = "media"
    THREADS = "threads"
    HIDE = "hide"
    # Publishes a post as a reply to the account's own earlier post (``OutboundPost.reply_to``),
    # so a later update continues the first one's thread.
    SELF_REPLY = "self_reply"
    # Removes someone else's comment under one of our posts (``delete`` is for our own posts).
    DELETE_COMMENT = "delete_comment"
    # Blocks an author from the account, so they no longer reach it there.
    BLOCK = "block"
    # Listening: public posts by anyone that use a followed keyword or hashtag, or come from
    # a followed account (``fetch_listening``). Nothing to answer: kept apart from the inbox.
    LISTEN_KEYWORDS = "listen_keywords"
    LISTEN_HASHTAGS = "listen_hashtags"
    LISTEN_ACCOUNTS = "listen_accounts"
    # Sends a video's captions (``MediaItem.caption_tracks``) with it, as the platform's own
    # caption tracks.
    CAPTIONS = "captions"


class FollowKind(StrEnum):
    """What a team follows on a platform to listen to the public."""

    KEYWORD = "keyword"
    HASHTAG = "hashtag"
    ACCOUNT = "account"


#: The capability a platform needs to follow each kind of thing.
LISTEN_CAPABILITY: Mapping[FollowKind, Capability] = {
    FollowKind.KEYWORD: Capability.LISTEN_KEYWORDS,
    FollowKind.HASHTAG: Capability.LISTEN_HASHTAGS,
    FollowKind.ACCOUNT: Capability.LISTEN_ACCOUNTS,
}


@dataclass(frozen=True)
class ListenQuery:
    """One followed keyword, hashtag (without its #) or account handle (without its @)."""

    kind: FollowKind
    value: str


@dataclass(frozen=True)
class CaptionTrack:
    """A video's captions in one language, as WebVTT."""

    language: str
    webvtt: str


@dataclass(frozen=True)
class MediaItem:
    filename: str
    content_type: str
    data: bytes
    alt_text: str = ""
    # A video's captions in the post's language, as WebVTT ("" when it has none).
    captions: str = ""
    # A video's captions in each language the post carries (one for a post in one language,
    # several for a bilingual post), as WebVTT.
    caption_tracks: tuple[CaptionTrack, ...] = ()


@dataclass(frozen=True)
class OutboundPost:
    """What to publish on one channel. ``idempotency_key`` is stable across attempts."""

    text: str
    idempotency_key: str
    language: str = ""
    media: tuple[MediaItem, ...] = ()
    link: str = ""
    # Further parts of a thread, each published as a reply to the part before it.
    thread: tuple[str, ...] = ()
    # The platform id of the account's own earlier post this one answers (continuing its
    # thread); only for connectors with ``Capability.SELF_REPLY``.
    reply_to: str = ""


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    url: str = ""
    published_at: datetime | None = None
    # The ids of a thread's later parts, in order.
    thread_remote_ids: tuple[str, ...] = ()
    # What the team should know about a post that went out: a part that did not (a video's
    # captions the platform refused), in a sentence. The post stays published.
    note: str = ""


@dataclass(frozen=True)
class RemoteAuthor:
    remote_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None


@dataclass(frozen=True)
class RemoteMessage:
    """One comment, reply, mention or direct message as the platform reports it."""

    remote_id: str
    kind: MessageKind
    text: str
    author: RemoteAuthor
    created_at: datetime
    # The message this one answers (a post of ours or another message), if any.
    in_reply_to_remote_id: str = ""
    # Our own post the conversation hangs from, if any.
    root_post_remote_id: str = ""
    # The platform's thread or DM conversation id; messages sharing it form a conversation.
    conversation_remote_id: str = ""
    url: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageNow:
    """A received message as the platform shows it today: its author may have edited or
    deleted it since it reached the inbox."""

    remote_id: str
    deleted: bool
    text: str = ""
    edited_at: datetime | None = None


@dataclass(frozen=True)
class InboundPage:
    messages: list[RemoteMessage]
    # The cursor to store once this page is safely saved; None means "unchanged".
    next_cursor: str | None
    has_more: bool = False


@dataclass(frozen=True)
class ReplyTarget:
    remote_id: str
    kind: MessageKind
    author_remote_id: str = ""
    conversation_remote_id: str = ""


@dataclass(frozen=True)
class PostMetrics:
    """Counts for one published post. None means the platform did not report it."""

    remote_id: str
    impressions: int | None = None
    reach: int | None = None
    engagements: int | None = None
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    clicks: int | None = None
    video_views: int | None = None


@dataclass(frozen=True)
class AccountMetrics:
    followers: int | None = None
    following: int | None = None
    impressions: int | None = None
    reach: int | None = None
    engagements: int | None = None
    posts: int | None = None


@dataclass(frozen=True)
class MetricTable:
    """Which of our metrics a platform reports, under which of its names, as of a date.

    Platforms retire metrics; a metric not in ``names`` is recorded as missing (None),
    never as zero. Bump ``version`` whenever the table changes.
    """

    version: str
    names: Mapping[str, str]  # our metric name -> the platform's
    retired: Mapping[str, str] = field(default_factory=dict)  # our name -> when and why

    def reports(self, metric: str) -> bool:
        return metric in self.names


@dataclass(frozen=True)
class ChannelHealth:
    """What the platform said when asked whether the account still works."""

    ok: bool
    detail: str = ""
    # The platform refused the authorization: only reconnecting the account helps.
    reconnect: bool = False

    @classmethod
    def failed(cls, error: Exception) -> ChannelHealth:
        return cls(ok=False, detail=str(error), reconnect=isinstance(error, AuthExpiredError))


class Connector:
    """Base class for platform connectors. Subclasses implement the platform calls.

    Construct with ``base_url`` (the platform's API root), ``credentials`` (decrypted,
    never logged), the channel's ``handle`` and optionally an ``httpx.Client``.
    """

    platform: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    # Messages that explain, in the users' words, what this platform cannot do.
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {}
    # The metrics this platform reports (see MetricTable).
    metrics: ClassVar[MetricTable | None] = None
    # At most this many calls in flight to the platform from one worker.
    max_concurrency: ClassVar[int] = 4
    # The platform's address is one a person typed (a Mastodon server, a Bluesky PDS, a
    # feed): the client made here is the guarded one (core/outbound.py).
    typed_address: ClassVar[bool] = False
    # Each server announces its own limits (a Mastodon instance's characters and media):
    # ``fetch_account_rules`` reads them, and ``connectors.limits`` keeps them a while.
    announces_limits: ClassVar[bool] = False

    def __init__(
        self,
        *,
        base_url: str = "",
        credentials: Mapping[str, str] | None = None,
        handle: str = "",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.credentials = dict(credentials or {})
        self.handle = handle
        self.timeout = timeout
        self._own_client = client is None
        self.client = client or (
            guarded_client(timeout=timeout)
            if self.typed_address
            else platform_client(timeout=timeout)
        )

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def channel_capabilities(cls, credentials: Mapping[str, str]) -> frozenset[Capability]:
        """What Civic Desk can do for one account: the platform's capabilities, narrowed by
        what the account's own credentials allow (an X app's access tier, for one).

        A class method, so screens can ask without a client; ``registry.supports`` asks it
        for every screen and the worker, so they all give the same answer.
        """
        return cls.capabilities

    @classmethod
    def channel_limitations(
        cls, credentials: Mapping[str, str]
    ) -> Mapping[Capability, StrOrPromise]:
        """The sentences that explain what this account cannot do, in the users' words (marked
        for translation: read them with ``str`` where the reader's language is active)."""
        return cls.limitations

    def supports(self, capability: Capability) -> bool:
        return capability in self.channel_capabilities(self.credentials)

    # The platform calls. Each raises a ConnectorError subclass on failure.
    def publish(self, post: OutboundPost) -> PublishResult:
        raise UnsupportedError(self._unsupported(Capability.PUBLISH))

    def delete(self, remote_id: str) -> None:
        raise UnsupportedError(self._unsupported(Capability.DELETE))

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        raise UnsupportedError(self._unsupported(Capability.INBOX))

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        raise UnsupportedError(self._unsupported(Capability.REPLY))

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        raise UnsupportedError(self._unsupported(Capability.POST_METRICS))

    def fetch_account_metrics(self) -> AccountMetrics:
        raise UnsupportedError(self._unsupported(Capability.ACCOUNT_METRICS))

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        """Hide (or unhide) a comment on one of our posts, where the platform allows it."""
        raise UnsupportedError(self._unsupported(Capability.HIDE))

    def delete_comment(self, remote_id: str) -> None:
        """Remove a comment someone else left under one of our posts, where the platform lets
        the post's owner do that. Removing a comment already gone succeeds."""
        raise UnsupportedError(self._unsupported(Capability.DELETE_COMMENT))

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        """Block an author from the account. Blocking someone already blocked succeeds.

        ``message_remote_id`` is the message that led to it, for platforms that block
        through a comment (YouTube bans a comment's author from the channel)."""
        raise UnsupportedError(self._unsupported(Capability.BLOCK))

    def fetch_listening(
        self, query: ListenQuery, cursor: str | None, *, limit: int = 100
    ) -> InboundPage:
        """Public posts matching a followed keyword, hashtag or account, oldest first, after
        the cursor the previous page returned (None: only the newest page, no history)."""
        raise UnsupportedError(self._unsupported(LISTEN_CAPABILITY[query.kind]))

    def fetch_account_rules(self) -> PlatformRules:
        """The limits this account's own server announces, for ``announces_limits``
        platforms. Raises a ConnectorError when the server cannot be asked."""
        raise UnsupportedError("this platform's limits are the same for every account")

    def fetch_message(self, remote_id: str) -> MessageNow:
        """A received message as it stands now (for the archive's record of edits and
        deletions), where the platform lets a message be read again."""
        raise UnsupportedError("this platform cannot be asked for a message again")

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        """After an unknown outcome: the post if the platform has it, else None.

        Raises a ConnectorError if the platform cannot be asked right now.
        """
        raise UnsupportedError("this platform cannot be asked whether a post went out")

    def check_health(self) -> ChannelHealth:
        """Ask the platform whether the account still works (one cheap authenticated call)."""
        raise UnsupportedError("this platform cannot be asked whether the account works")

    def _unsupported(self, capability: Capability) -> str:
        return str(
            self.channel_limitations(self.credentials).get(
                capability, f"{self.platform or 'this platform'} does not support {capability}"
            )
        )


class HttpConnector(Connector):
    """Shared HTTP plumbing: one request helper that classifies every failure."""

    def _headers(self) -> dict[str, str]:
        return {}

    def request(
        self,
        method: str,
        path: str,
        *,
        write: bool = False,
        expected: tuple[int, ...] = (200, 201, 202, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request and raise the right ConnectorError for anything but success.

        ``write`` marks a request that may change state on the platform: a timeout or a
        server error on it is an unknown outcome, not a retryable one.
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        headers = self._headers() | kwargs.pop("headers", {})
        try:
            response = self.client.request(method, url, headers=headers, **kwargs)
        except AddressRefused as exc:
            # Not a public address (core/outbound.py): trying again will not change that.
            raise RejectedError(str(exc)) from None
        except httpx.ConnectError as exc:
            # The connection was never made, so nothing reached the platform.
            raise RetryableError(f"could not connect: {exc}", retry_after=None) from exc
        except httpx.TimeoutException as exc:
            if write and not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise OutcomeUnknownError(f"timed out: {type(exc).__name__}") from exc
            raise RetryableError(f"timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            if write:
                raise OutcomeUnknownError(f"connection failed: {exc}") from exc
            raise RetryableError(f"connection failed: {exc}") from exc
        if response.status_code in expected:
            return response
        self.raise_for_response(response, write=write)
        return response  # pragma: no cover - raise_for_response always raises

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        status = response.status_code
        detail = error_detail(response)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429:
            raise RetryableError(f"rate limited: {detail}", status=status, retry_after=retry_after)
        if status == 401:
            raise AuthExpiredError(f"authorization refused: {detail}", status=status)
        if status in (400, 403, 404, 409, 413, 415, 422):
            raise RejectedError(f"rejected: {detail}", status=status)
        if status == 503 or (status >= 500 and not write):
            raise RetryableError(
                f"platform unavailable: {detail}", status=status, retry_after=retry_after
            )
        if status >= 500:
            raise OutcomeUnknownError(f"platform error: {detail}", status=status)
        raise RejectedError(f"unexpected response: {detail}", status=status)

    def json_of(self, response: httpx.Response, *, write: bool = False) -> Any:
        """Parse a JSON body; a malformed one after a write is an unknown outcome."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
            message = f"malformed JSON from the platform (HTTP {response.status_code})"
            if write:
                raise OutcomeUnknownError(message, status=response.status_code) from exc
            raise RetryableError(message, status=response.status_code) from exc


def error_detail(response: httpx.Response, limit: int = 300) -> str:
    """A short, safe description of an error response for the attempt ledger."""
    text = response.text[:limit] if response.content else ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error_description", "detail", "error", "message", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:limit]
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"][:limit]
    return text.strip() or response.reason_phrase or f"HTTP {response.status_code}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def parse_time(value: Any) -> datetime:
    """A platform timestamp (ISO 8601 or epoch seconds) as an aware UTC datetime."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        text = value.replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise RetryableError(f"malformed timestamp from the platform: {value[:40]!r}") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise RetryableError("missing timestamp in the platform's response")
