"""Connector for Bluesky: XRPC calls to the account's own PDS over plain httpx.

Posts are records in the account's repository. We choose each post's record key from
the publication's idempotency key (``shapes.record_key``), so a retried create cannot
make a second post and ``check_publication`` is a lookup of that one record.
Reads of the social graph (posts with counts, threads, notifications, profiles) go
through the same PDS, which forwards them to Bluesky's AppView.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
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
    error_detail,
    parse_retry_after,
)
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.shapes import POST, THREADGATE, ShapeError
from civicdesk.rules import measure

logger = logging.getLogger(__name__)

METRICS = MetricTable(
    version="2025-06-01",
    names={
        "likes": "likeCount",
        "reposts": "repostCount",
        "replies": "replyCount",
        "followers": "followersCount",
        "following": "followsCount",
        "posts": "postsCount",
    },
    retired={
        "impressions": "never reported: Bluesky has no view or impression counts",
        "reach": "never reported: Bluesky has no reach counts",
        "clicks": "never reported: Bluesky has no link click counts",
    },
)

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
INBOX_REASONS = ("reply", "mention", "quote")
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images: maxSize of an image blob
NOTIFICATION_PAGE = 100
# How far back in the notification list one fetch may walk to reach what it saw last.
MAX_WALK_PAGES = 25
# Notifications are sorted by the post's own creation time, which can be a little older
# than the moment the notification appears; look back this far for late arrivals.
LATE_WINDOW = timedelta(minutes=15)


class BlueskyConnector(HttpConnector):
    platform: ClassVar[str] = "bluesky"
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
            Capability.THREADS,
            Capability.HIDE,
        }
    )
    limitations: ClassVar[Mapping[Capability, str]] = {
        Capability.DIRECT_MESSAGES: (
            "Bluesky direct messages live on a separate chat service that Civic Desk "
            "does not read yet; answer them in the Bluesky app."
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

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the channel has no Bluesky session: reconnect it")
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

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
        text = post.text
        if post.link and post.link not in text:
            text = f"{text}\n{post.link}" if text else post.link
        embed = self._images_embed(post) if post.media else None
        root = self._create_post(
            text,
            rkey=shapes.record_key(post.idempotency_key),
            language=post.language,
            embed=embed,
        )
        parts = self._publish_parts(post, root, start=1, parent=root)
        return PublishResult(
            remote_id=root["uri"],
            url=shapes.post_url(root["uri"], self.handle),
            published_at=datetime.now(UTC),
            thread_remote_ids=tuple(p["uri"] for p in parts),
        )

    def _publish_parts(
        self, post: OutboundPost, root: dict[str, str], *, start: int, parent: dict[str, str]
    ) -> list[dict[str, str]]:
        made = []
        for index, part in enumerate(post.thread[start - 1 :], start=start):
            parent = self._create_post(
                part,
                rkey=shapes.record_key(post.idempotency_key, index),
                language=post.language,
                reply={"root": root, "parent": parent},
            )
            made.append(parent)
        return made

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            raise UnsupportedDirect(self._unsupported(Capability.DIRECT_MESSAGES))
        parent_view = self._post_view(target.remote_id)
        try:
            parent = shapes.strong_ref(parent_view, "the post")
            record = shapes.obj(parent_view.get("record"), "the post's record")
            root = parent
            if record.get("reply") is not None:
                root = shapes.strong_ref(
                    shapes.obj(record["reply"], "reply").get("root"), "reply.root"
                )
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer: {exc}") from None
        made = self._create_post(
            text, rkey=shapes.record_key(idempotency_key), reply={"root": root, "parent": parent}
        )
        return PublishResult(
            remote_id=made["uri"],
            url=shapes.post_url(made["uri"], self.handle),
            published_at=datetime.now(UTC),
        )

    def delete(self, remote_id: str) -> None:
        repo, collection, rkey = self._own_record(remote_id)
        self.xrpc(
            "POST",
            "com.atproto.repo.deleteRecord",
            write=True,
            json={"repo": repo, "collection": collection, "rkey": rkey},
        )

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        """Hide a reply under one of our threads with the thread's threadgate record."""
        view = self._post_view(remote_id)
        try:
            record = shapes.obj(view.get("record"), "the reply's record")
            reply = record.get("reply")
            if reply is None:
                raise RejectedError("only replies in a thread can be hidden on Bluesky")
            root_uri = shapes.strong_ref(shapes.obj(reply, "reply").get("root"), "reply.root")[
                "uri"
            ]
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer: {exc}") from None
        repo, _, root_rkey = shapes.split_uri(root_uri)
        if repo != self.did:
            raise RejectedError(
                "this reply is in someone else's thread; only the thread's author can hide it"
            )
        current, swap = self._threadgate(root_rkey)
        hidden_now = [u for u in current.get("hiddenReplies", []) if isinstance(u, str)]
        if hidden and remote_id not in hidden_now:
            hidden_now.append(remote_id)
        elif not hidden and remote_id in hidden_now:
            hidden_now.remove(remote_id)
        else:
            return  # already as asked
        gate = dict(current) | {"$type": THREADGATE, "post": root_uri, "hiddenReplies": hidden_now}
        gate.setdefault("createdAt", _now_iso())
        body: dict[str, Any] = {
            "repo": self.did,
            "collection": THREADGATE,
            "rkey": root_rkey,
            "record": gate,
        }
        body["swapRecord"] = swap  # None: create only if nobody made one meanwhile
        self.xrpc("POST", "com.atproto.repo.putRecord", write=True, json=body)

    def _threadgate(self, rkey: str) -> tuple[dict[str, Any], str | None]:
        found = self._get_record(self.did, THREADGATE, rkey)
        if found is None:
            return {}, None
        try:
            value = dict(shapes.obj(found.get("value"), "the threadgate"))
            cid = shapes.text(found.get("cid"), "cid", optional=False)
        except ShapeError as exc:
            raise RetryableError(f"unexpected threadgate: {exc}") from None
        return value, cid

    def _create_post(
        self,
        text: str,
        *,
        rkey: str,
        language: str = "",
        embed: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now_iso()}
        if language:
            record["langs"] = [language]
        facets = self._facets(text)
        if facets:
            record["facets"] = facets
        if embed:
            record["embed"] = embed
        if reply:
            record["reply"] = reply
        data = self.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            write=True,
            json={
                "repo": self.did,
                "collection": POST,
                "rkey": rkey,
                "record": record,
            },
        )
        try:
            made = shapes.strong_ref(data, "the answer")
            if shapes.split_uri(made["uri"])[2] != rkey:
                raise ShapeError("the new record has another key than asked")
        except ShapeError as exc:
            raise OutcomeUnknownError(f"unexpected answer to a write: {exc}") from None
        return made

    def _facets(self, text: str) -> list[dict[str, Any]]:
        facets = []
        for facet in measure(text, "bluesky").facets:
            item = facet.as_record()
            if facet.feature.endswith("#mention"):
                did = self._resolve_handle(facet.value)
                if not did:
                    continue  # an unknown handle stays plain text
                item["features"][0]["did"] = did  # type: ignore[index]
            facets.append(item)
        return facets

    def _resolve_handle(self, handle: str) -> str:
        try:
            data = self.xrpc(
                "GET", "com.atproto.identity.resolveHandle", params={"handle": handle.lstrip("@")}
            )
        except RejectedError:
            return ""
        did = data.get("did") if isinstance(data, dict) else None
        return did if isinstance(did, str) and did.startswith("did:") else ""

    def _images_embed(self, post: OutboundPost) -> dict[str, Any]:
        if len(post.media) > MAX_IMAGES:
            raise RejectedError(f"Bluesky takes at most {MAX_IMAGES} images a post")
        images = []
        for item in post.media:
            if not item.content_type.startswith("image/"):
                raise RejectedError("Civic Desk posts only images to Bluesky, not video")
            if len(item.data) > MAX_IMAGE_BYTES:
                raise RejectedError("Bluesky takes images of at most 1 MB; make it smaller")
            # Uploading is not a post: a blob nobody links to is dropped by the PDS.
            data = self.xrpc(
                "POST",
                "com.atproto.repo.uploadBlob",
                content=item.data,
                headers={"Content-Type": item.content_type},
            )
            try:
                blob = shapes.obj(shapes.obj(data, "the answer").get("blob"), "blob")
                shapes.obj(blob.get("ref"), "blob.ref")
            except ShapeError as exc:
                raise RetryableError(f"unexpected upload answer: {exc}") from None
            images.append({"alt": item.alt_text, "image": dict(blob)})
        return {"$type": "app.bsky.embed.images", "images": images}

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        root = self._get_record(self.did, POST, shapes.record_key(post.idempotency_key))
        if root is None:
            return None
        parts: list[dict[str, str]] = []
        try:
            root_ref = shapes.strong_ref(root, "the post")
            for index in range(1, len(post.thread) + 1):
                found = self._get_record(
                    self.did, POST, shapes.record_key(post.idempotency_key, index)
                )
                if found is None:
                    break
                parts.append(shapes.strong_ref(found, "a thread part"))
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer: {exc}") from None
        if len(parts) < len(post.thread):
            # The thread stopped part-way: finish it. The keys are fixed, so this
            # cannot double a part that went out meanwhile.
            parts += self._publish_parts(
                post, root_ref, start=len(parts) + 1, parent=parts[-1] if parts else root_ref
            )
        return PublishResult(
            remote_id=root_ref["uri"],
            url=shapes.post_url(root_ref["uri"], self.handle),
            thread_remote_ids=tuple(p["uri"] for p in parts),
        )

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

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        """Inbox notifications, oldest first, from our own cursor.

        Bluesky's notification cursor only walks back in time, so we walk from the newest
        down to what we saw last and keep our own "seen up to" time. Notifications sort by
        the post's creation time, so one can appear late with a time we have passed:
        the cursor also keeps how many notifications each minute of the last quarter
        hour held, and a minute that has grown is delivered again (the inbox keeps
        one copy of a message, so nothing is doubled there).
        """
        since, counts = parse_cursor(cursor)
        walked = self._walk_notifications(since)
        try:
            items = sorted(
                ((shapes.when(n.get("indexedAt"), "indexedAt"), n) for n in walked),
                key=lambda pair: (pair[0], str(pair[1].get("uri"))),
            )
            fresh = [(t, n) for t, n in items if since is None or t > since]
            old = (
                [
                    (t, n)
                    for t, n in items
                    if t <= since and _minute(t) >= _minute(since - LATE_WINDOW)
                ]
                if since is not None
                else []
            )
            observed = Counter(_minute(t) for t, _ in old)
            late = [(t, n) for t, n in old if observed[_minute(t)] > counts.get(_minute(t), 0)]
            batch = fresh[: max(1, limit)]
            messages = [self._message(n) for _, n in late + batch]
        except ShapeError as exc:
            # The whole page is refused, so the cursor stays put and nothing is skipped.
            raise RetryableError(f"unexpected notifications: {exc}") from None
        if not late and not batch:
            return InboundPage(messages=[], next_cursor=None, has_more=False)
        new_since = batch[-1][0] if batch else since
        assert new_since is not None
        kept = Counter(_minute(t) for t, _ in old + batch)
        floor = _minute(new_since - LATE_WINDOW)
        return InboundPage(
            messages=messages,
            next_cursor=make_cursor(new_since, {m: c for m, c in kept.items() if m >= floor}),
            has_more=len(fresh) > len(batch),
        )

    def _walk_notifications(self, since: datetime | None) -> list[Mapping[str, Any]]:
        """Notifications newer than ``since`` minus the late window, newest first."""
        found: list[Mapping[str, Any]] = []
        api_cursor: str | None = None
        for _ in range(MAX_WALK_PAGES):
            params: dict[str, Any] = {"limit": NOTIFICATION_PAGE, "reasons": list(INBOX_REASONS)}
            if api_cursor:
                params["cursor"] = api_cursor
            data = self.xrpc("GET", "app.bsky.notification.listNotifications", params=params)
            try:
                body = shapes.obj(data, "the answer")
                page = body.get("notifications")
                if not isinstance(page, list):
                    raise ShapeError("notifications is not a list")
                next_cursor = shapes.text(body.get("cursor"), "cursor")
                oldest = None
                for item in page:
                    item = shapes.obj(item, "a notification")
                    oldest = shapes.when(item.get("indexedAt"), "indexedAt")
                    if item.get("reason") in INBOX_REASONS:
                        found.append(item)
            except ShapeError as exc:
                raise RetryableError(f"unexpected notifications: {exc}") from None
            reached = (
                since is not None
                and oldest is not None
                and _minute(oldest) < _minute(since - LATE_WINDOW)
            )
            if reached or not page or not next_cursor or next_cursor == api_cursor:
                return found
            api_cursor = next_cursor
        if since is not None:
            logger.warning(
                "bluesky %s: more notifications than one fetch can walk; the oldest may be missed",
                self.handle,
            )
        return found

    def _message(self, item: Mapping[str, Any]) -> RemoteMessage:
        post_uri = shapes.uri(item.get("uri"), "uri")
        reason = item.get("reason")
        record = shapes.obj(item.get("record"), "record")
        author = shapes.obj(item.get("author"), "author")
        reply = record.get("reply")
        parent_uri = root_uri = ""
        if reply is not None:
            reply = shapes.obj(reply, "record.reply")
            parent_uri = shapes.strong_ref(reply.get("parent"), "reply.parent")["uri"]
            root_uri = shapes.strong_ref(reply.get("root"), "reply.root")["uri"]
        conversation = root_uri or post_uri
        kind = {
            "reply": MessageKind.REPLY,
            "mention": MessageKind.MENTION,
            "quote": MessageKind.MENTION,
        }.get(str(reason), MessageKind.MENTION)
        mine = self.credentials.get("did", "")
        handle = shapes.text(author.get("handle"), "author.handle", optional=False)
        return RemoteMessage(
            remote_id=post_uri,
            kind=kind,
            text=shapes.text(record.get("text"), "record.text"),
            author=RemoteAuthor(
                remote_id=shapes.text(author.get("did"), "author.did", optional=False),
                handle=handle,
                display_name=shapes.text(author.get("displayName"), "author.displayName"),
            ),
            created_at=shapes.when(record.get("createdAt") or item.get("indexedAt"), "createdAt"),
            in_reply_to_remote_id=parent_uri,
            root_post_remote_id=root_uri if root_uri and _repo(root_uri) == mine else "",
            conversation_remote_id=conversation,
            url=shapes.post_url(post_uri, handle),
            raw=dict(item),
        )

    def fetch_thread(self, remote_id: str, *, depth: int = 10) -> Mapping[str, Any]:
        """The thread under a post, as the AppView shows it (for the conversation view)."""
        data = self.xrpc(
            "GET", "app.bsky.feed.getPostThread", params={"uri": remote_id, "depth": depth}
        )
        try:
            return shapes.obj(shapes.obj(data, "the answer").get("thread"), "thread")
        except ShapeError as exc:
            raise RetryableError(f"unexpected thread: {exc}") from None

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        wanted = [r for r in remote_ids if _is_uri(r)]
        views = self._post_views(wanted)
        results = []
        for remote_id in wanted:
            view = views.get(remote_id)
            if view is None:
                continue  # deleted on the platform: no metrics any more
            try:
                results.append(
                    PostMetrics(
                        remote_id=remote_id,
                        likes=shapes.count(view, "likeCount"),
                        reposts=shapes.count(view, "repostCount"),
                        replies=shapes.count(view, "replyCount"),
                    )
                )
            except ShapeError as exc:
                raise RetryableError(f"unexpected metrics answer: {exc}") from None
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        data = self.xrpc("GET", "app.bsky.actor.getProfile", params={"actor": self.did})
        try:
            body = shapes.obj(data, "the answer")
            return AccountMetrics(
                followers=shapes.count(body, "followersCount"),
                following=shapes.count(body, "followsCount"),
                posts=shapes.count(body, "postsCount"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected profile: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            data = self.xrpc("GET", "com.atproto.server.getSession")
            handle = shapes.text(
                shapes.obj(data, "the answer").get("handle"), "handle", optional=False
            )
        except ConnectorError as exc:
            return ChannelHealth(ok=False, detail=str(exc))
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"signed in as @{handle}")

    def _own_record(self, remote_id: str) -> tuple[str, str, str]:
        try:
            repo, collection, rkey = shapes.split_uri(remote_id)
        except ValueError as exc:
            raise RejectedError(str(exc)) from None
        if repo != self.did:
            raise RejectedError("that record belongs to another Bluesky account")
        return repo, collection, rkey


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


def parse_cursor(cursor: str | None) -> tuple[datetime | None, dict[int, int]]:
    """Our inbox cursor: "<newest time seen> <minute>:<count>,..." for the late window."""
    if not cursor:
        return None, {}
    stamp, _, rest = cursor.partition(" ")
    try:
        since = datetime.fromisoformat(stamp)
        counts = {int(m): int(c) for m, c in (pair.split(":") for pair in rest.split(",") if pair)}
    except ValueError:
        raise RejectedError(f"not a Bluesky inbox cursor: {cursor[:40]!r}") from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since, counts


def make_cursor(since: datetime, counts: Mapping[int, int]) -> str:
    pairs = ",".join(f"{m}:{c}" for m, c in sorted(counts.items()))
    return f"{since.astimezone(UTC).isoformat()} {pairs}".strip()


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def _repo(uri: str) -> str:
    try:
        return shapes.split_uri(uri)[0]
    except ValueError:
        return ""


def _is_uri(value: str) -> bool:
    return bool(_repo(value))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
