"""Connector for Mastodon, any instance, over its client API with plain httpx.

Every channel names its own instance (``api_base_url``). Publishing sends an
``Idempotency-Key`` header, which Mastodon honours for about an hour: a repeated request with
the same key returns the status created the first time instead of posting twice. After an
unknown outcome, ``check_publication`` looks for the text in the account's recent statuses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

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
    RemoteAuthor,
    RemoteMessage,
    ReplyTarget,
    RetryableError,
    error_detail,
    parse_retry_after,
)
from civicdesk.connectors.mastodon.shapes import (
    ShapeError,
    comparable,
    count,
    id_order,
    is_id,
    list_of,
    object_of,
    optional_snowflake,
    parse_reset,
    plain_text,
    snowflake,
    string,
    timestamp,
)
from civicdesk.rules import PlatformRules, mastodon_rules_from_instance, measure_with

METRICS = MetricTable(
    version="2026-11-21",
    names={
        "likes": "favourites_count",
        "reposts": "reblogs_count",
        "replies": "replies_count",
        "followers": "followers_count",
        "following": "following_count",
        "posts": "statuses_count",
    },
)

NOTIFICATION_PAGE = 80  # Mastodon's maximum for /api/v1/notifications
STATUS_PAGE = 40  # and for an account's statuses
METRICS_BATCH = 20
# How far back check_publication looks for a post whose outcome is unknown, and how many
# pages of the account's statuses it reads before saying it cannot tell.
CHECK_LOOKBACK = timedelta(hours=12)
CHECK_PAGES = 3
VISIBILITIES = ("public", "unlisted", "private", "direct")
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
        }
    )
    limitations: ClassVar[Mapping[Capability, str]] = {
        Capability.HIDE: (
            "Mastodon has no way to hide a reply to your post; you can only mute or block "
            "its author, or report it to the instance's moderators."
        ),
        Capability.POST_METRICS: (
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
        text = _with_link(post.text, post.link)
        self._check_length(text, *post.thread)
        payload: dict[str, Any] = {"status": text, "visibility": "public"}
        language = _language(post.language)
        if language:
            payload["language"] = language
        if post.media:
            payload["media_ids"] = [self._upload(item) for item in post.media]
        head = self._post_status(payload, idempotency_key=post.idempotency_key)
        if not post.thread:
            return head
        return self._continue_thread(post, head, [])

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        original = self._status(target.remote_id)
        try:
            author = object_of(original.get("account"), "account")
            handles = [string(author.get("acct"), "account.acct", optional=False)]
            for mention in list_of(original.get("mentions", []), "mentions"):
                mention = object_of(mention, "a mention")
                if str(mention.get("id")) != self._account_id():
                    handles.append(string(mention.get("acct"), "mention.acct", optional=False))
            visibility = string(original.get("visibility"), "visibility") or "public"
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer about the message: {exc}") from None
        if target.kind == MessageKind.DIRECT:
            visibility = "direct"
        elif visibility not in VISIBILITIES:
            visibility = "public"
        # Only mentioned accounts are notified, and a direct message reaches only them.
        own = self._account_id()
        if str(author.get("id")) == own:
            handles = handles[1:]
        prefix = " ".join(f"@{h}" for h in dict.fromkeys(handles) if f"@{h}" not in text)
        payload = {
            "status": f"{prefix} {text}" if prefix else text,
            "in_reply_to_id": _path_id(target.remote_id),
            "visibility": visibility,
        }
        return self._post_status(payload, idempotency_key=idempotency_key)

    def delete(self, remote_id: str) -> None:
        try:
            self.request("DELETE", f"/api/v1/statuses/{_path_id(remote_id)}", write=True)
        except RejectedError as exc:
            if exc.status != 404:
                raise
            # Already gone: deleting is done.

    def _post_status(self, payload: dict[str, Any], *, idempotency_key: str) -> PublishResult:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self.request(
            "POST", "/api/v1/statuses", write=True, json=payload, headers=headers, expected=(200,)
        )
        data = self.json_of(response, write=True)
        try:
            return _publish_result(data)
        except ShapeError as exc:
            raise OutcomeUnknownError(
                f"unexpected answer to a new status: {exc}", status=response.status_code
            ) from None

    def _continue_thread(
        self, post: OutboundPost, head: PublishResult, found: list[str]
    ) -> PublishResult:
        """Publish the thread's parts after those already out, each under its own key."""
        ids = list(found)
        previous = ids[-1] if ids else head.remote_id
        for number in range(len(ids) + 1, len(post.thread) + 1):
            payload = {
                "status": post.thread[number - 1],
                "in_reply_to_id": previous,
                "visibility": "public",
            }
            try:
                part = self._post_status(
                    payload, idempotency_key=f"{post.idempotency_key}:{number}"
                )
            except ConnectorError as exc:
                # The first part is public: never report the whole post as failed.
                raise OutcomeUnknownError(
                    f"the thread's first part is out, part {number + 1} is not: {exc}",
                    status=exc.status,
                ) from exc
            ids.append(part.remote_id)
            previous = part.remote_id
        return PublishResult(
            remote_id=head.remote_id,
            url=head.url,
            published_at=head.published_at,
            thread_remote_ids=tuple(ids),
        )

    def _upload(self, item: MediaItem) -> str:
        # Not a write in the publisher's sense: an unattached upload is never shown and the
        # instance removes it, so a lost answer is simply retried.
        files = {"file": (item.filename, item.data, item.content_type)}
        data = {"description": item.alt_text} if item.alt_text else {}
        response = self.request(
            "POST", "/api/v2/media", files=files, data=data, expected=(200, 202)
        )
        try:
            body = object_of(self.json_of(response), "the answer")
            media_id = snowflake(body.get("id"), "id")
            ready = body.get("url") is not None
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer to an upload: {exc}") from None
        for delay in self.media_poll_delays:
            if ready:
                return media_id
            time.sleep(delay)
            response = self.request("GET", f"/api/v1/media/{media_id}", expected=(200, 206))
            if response.status_code == 200:
                try:
                    body = object_of(self.json_of(response), "the answer")
                except ShapeError as exc:
                    raise RetryableError(f"unexpected answer about an upload: {exc}") from None
                ready = body.get("url") is not None
        if ready:
            return media_id
        raise RetryableError("the instance is still processing the media; try again shortly")

    def _check_length(self, *texts: str) -> None:
        rules = self.instance_rules()
        for text in texts:
            measured = measure_with(text, rules)
            if measured.length > measured.limit:
                raise RejectedError(
                    f"{measured.length} characters; this instance allows {measured.limit}"
                )

    # Reads

    def instance_rules(self) -> PlatformRules:
        """This instance's limits (characters, link length, media) from /api/v2/instance.

        When the instance cannot be asked, Mastodon's defaults apply and the instance
        itself refuses anything too long.
        """
        if self._rules is None:
            try:
                data = self.json_of(self.request("GET", "/api/v2/instance"))
            except ConnectorError:
                data = {}
            self._rules = mastodon_rules_from_instance(data if isinstance(data, dict) else {})
        return self._rules

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        wanted = comparable(_with_link(post.text, post.link))
        since = datetime.now(UTC) - CHECK_LOOKBACK
        seen: list[Mapping[str, Any]] = []
        head: Mapping[str, Any] | None = None
        max_id = ""
        for _ in range(CHECK_PAGES):
            params: dict[str, Any] = {"limit": STATUS_PAGE, "exclude_reblogs": "true"}
            if max_id:
                params["max_id"] = max_id
            response = self.request(
                "GET", f"/api/v1/accounts/{self._account_id()}/statuses", params=params
            )
            try:
                page = [
                    object_of(s, "a status") for s in list_of(self.json_of(response), "the answer")
                ]
                for status in page:
                    snowflake(status.get("id"), "id")
                    if timestamp(status.get("created_at"), "created_at") < since:
                        return self._found(post, head, seen)
                    seen.append(status)
                    if status.get("in_reply_to_id") is None and _text_of(status) == wanted:
                        head = status
                        return self._found(post, head, seen)
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer listing statuses: {exc}") from None
            if not page:
                return None
            max_id = _link_param(response, "next", "max_id") or str(page[-1]["id"])
        raise RetryableError(
            "too many recent statuses on the account to tell whether the post went out"
        )

    def _found(
        self, post: OutboundPost, head: Mapping[str, Any] | None, seen: list[Mapping[str, Any]]
    ) -> PublishResult | None:
        if head is None:
            return None
        try:
            result = _publish_result(head)
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer listing statuses: {exc}") from None
        if not post.thread:
            return result
        # Find the thread's parts already out (newer statuses answering the part before).
        ids: list[str] = []
        previous = result.remote_id
        for part in post.thread:
            match = next(
                (
                    str(s.get("id"))
                    for s in seen
                    if str(s.get("in_reply_to_id")) == previous and _text_of(s) == comparable(part)
                ),
                "",
            )
            if not match:
                break
            ids.append(match)
            previous = match
        try:
            return self._continue_thread(post, result, ids)
        except OutcomeUnknownError as exc:
            if isinstance(exc.__cause__, RejectedError):
                # The instance will not take the rest; the first part is out regardless.
                return PublishResult(result.remote_id, result.url, result.published_at, tuple(ids))
            raise

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        after = cursor or "0"
        if not is_id(after):
            raise RejectedError(f"not a Mastodon notification id: {after[:40]!r}")
        page_size = max(1, min(limit, NOTIFICATION_PAGE))
        # min_id pages forward from the cursor: the notifications right after it, oldest first.
        params = [("types[]", "mention"), ("limit", str(page_size)), ("min_id", after)]
        response = self.request("GET", "/api/v1/notifications", params=params)
        data = self.json_of(response)
        roots: dict[str, tuple[str, str]] = {}
        try:
            items = [object_of(n, "a notification") for n in list_of(data, "the answer")]
            ids = [snowflake(n.get("id"), "id") for n in items]
            if any(id_order(i) <= id_order(after) for i in ids):
                raise ShapeError("a notification older than the cursor")
            messages = []
            for notification in sorted(items, key=lambda n: id_order(str(n["id"]))):
                if notification.get("type") != "mention" or notification.get("status") is None:
                    continue  # not a mention, or its status was deleted since
                status = object_of(notification.get("status"), "status")
                messages.append(self._message(status, roots))
        except ShapeError as exc:
            # The whole page is refused, so the cursor stays put and nothing is skipped.
            raise RetryableError(
                f"unexpected notifications answer: {exc}", status=response.status_code
            ) from None
        if not ids:
            return InboundPage(messages=[], next_cursor=None, has_more=False)
        newest = max(ids, key=id_order)
        linked = _link_param(response, "prev", "min_id")
        if linked and id_order(linked) >= id_order(newest):
            newest = linked
        return InboundPage(messages=messages, next_cursor=newest, has_more=len(items) >= page_size)

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        ids = [_path_id(r) for r in remote_ids]
        statuses: list[Any] = []
        for start in range(0, len(ids), METRICS_BATCH):
            batch = ids[start : start + METRICS_BATCH]
            try:
                response = self.request(
                    "GET", "/api/v1/statuses", params=[("id[]", i) for i in batch]
                )
                statuses.extend(list_of(self.json_of(response), "the answer"))
            except RejectedError as exc:
                if exc.status != 404:
                    raise
                # Instances before 4.3 have no batch lookup: ask one status at a time.
                statuses.extend(s for s in (self._status_or_none(i) for i in batch) if s)
            except ShapeError as exc:
                raise RetryableError(f"unexpected metrics answer: {exc}") from None
        wanted = set(ids)
        results = []
        try:
            for status in statuses:
                status = object_of(status, "a status")
                remote_id = snowflake(status.get("id"), "id")
                if remote_id in wanted:
                    results.append(
                        PostMetrics(
                            remote_id=remote_id,
                            likes=count(status, "favourites_count"),
                            reposts=count(status, "reblogs_count"),
                            replies=count(status, "replies_count"),
                        )
                    )
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer: {exc}") from None
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        account = self._me()
        try:
            return AccountMetrics(
                followers=count(account, "followers_count"),
                following=count(account, "following_count"),
                posts=count(account, "statuses_count"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected account answer: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            acct = string(self._me().get("acct"), "acct", optional=False)
        except ConnectorError as exc:
            return ChannelHealth(ok=False, detail=str(exc))
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"signed in as @{acct}")

    # Helpers

    def _me(self) -> Mapping[str, Any]:
        data = self.json_of(self.request("GET", "/api/v1/accounts/verify_credentials"))
        try:
            account = object_of(data, "the answer")
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
        data = self.json_of(self.request("GET", f"/api/v1/statuses/{_path_id(remote_id)}"))
        try:
            return object_of(data, "the answer")
        except ShapeError as exc:
            raise RetryableError(f"unexpected status answer: {exc}") from None

    def _status_or_none(self, remote_id: str) -> Mapping[str, Any] | None:
        try:
            return self._status(remote_id)
        except RejectedError as exc:
            if exc.status == 404:
                return None  # deleted on the instance: no metrics any more
            raise

    def _thread_root(
        self, status_id: str, parent_id: str, parent_account: str, roots: dict[str, tuple[str, str]]
    ) -> tuple[str, str]:
        """(root status id, root author id) of the thread a status belongs to."""
        if parent_id in roots:
            return roots[parent_id]
        try:
            response = self.request("GET", f"/api/v1/statuses/{status_id}/context")
        except RejectedError as exc:
            if exc.status != 404:
                raise
            return parent_id, parent_account  # the status went away meanwhile
        context = object_of(self.json_of(response), "the context")
        ancestors = [
            object_of(a, "an ancestor") for a in list_of(context.get("ancestors"), "ancestors")
        ]
        if not ancestors:
            found = (parent_id, parent_account)  # the parent is not visible to us
        else:
            first = ancestors[0]
            author = first.get("account")
            author_id = str(author.get("id", "")) if isinstance(author, dict) else ""
            found = (snowflake(first.get("id"), "ancestor id"), author_id)
        for ancestor in ancestors:
            roots[str(ancestor.get("id"))] = found
        roots[status_id] = found
        return found

    def _message(
        self, status: Mapping[str, Any], roots: dict[str, tuple[str, str]]
    ) -> RemoteMessage:
        remote_id = snowflake(status.get("id"), "status id")
        author = object_of(status.get("account"), "account")
        author_id = snowflake(author.get("id"), "account id")
        parent = optional_snowflake(status.get("in_reply_to_id"), "in_reply_to_id")
        parent_account = optional_snowflake(
            status.get("in_reply_to_account_id"), "in_reply_to_account_id"
        )
        own = self._account_id()
        if parent:
            root, root_author = self._thread_root(remote_id, parent, parent_account, roots)
        else:
            root, root_author = remote_id, author_id
        roots.setdefault(remote_id, (root, root_author))
        if status.get("visibility") == "direct":
            kind = MessageKind.DIRECT
        elif parent and root_author == own and parent == root:
            kind = MessageKind.COMMENT
        elif parent and parent_account == own:
            kind = MessageKind.REPLY
        else:
            kind = MessageKind.MENTION
        followers = author.get("followers_count")
        if followers is not None and (
            isinstance(followers, bool) or not isinstance(followers, int)
        ):
            raise ShapeError("account.followers_count is not a count")
        return RemoteMessage(
            remote_id=remote_id,
            kind=kind,
            text=plain_text(string(status.get("content"), "content")),
            author=RemoteAuthor(
                remote_id=author_id,
                handle=string(author.get("acct"), "account.acct", optional=False),
                display_name=string(author.get("display_name"), "account.display_name"),
                followers=followers,
            ),
            created_at=timestamp(status.get("created_at"), "created_at"),
            in_reply_to_remote_id=parent,
            root_post_remote_id=root if root_author == own and root != remote_id else "",
            conversation_remote_id=root,
            url=string(status.get("url"), "url") or string(status.get("uri"), "uri"),
            raw=dict(status),
        )


def _publish_result(data: Any) -> PublishResult:
    body = object_of(data, "the answer")
    remote_id = snowflake(body.get("id"), "id")
    if "scheduled_at" in body and "params" in body:
        raise ShapeError("a scheduled status came back instead of a published one")
    created_at = body.get("created_at")
    return PublishResult(
        remote_id=remote_id,
        url=string(body.get("url"), "url") or string(body.get("uri"), "uri"),
        published_at=timestamp(created_at, "created_at") if created_at is not None else None,
    )


def _text_of(status: Mapping[str, Any]) -> str:
    content = status.get("content")
    return comparable(plain_text(content)) if isinstance(content, str) else ""


def _with_link(text: str, link: str) -> str:
    if link and link not in text:
        return f"{text}\n{link}" if text else link
    return text


def _language(language: str) -> str:
    code = language.split("-")[0].split("_")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else ""


def _path_id(remote_id: str) -> str:
    if not is_id(str(remote_id)):
        raise RejectedError(f"not a Mastodon status id: {str(remote_id)[:40]!r}")
    return str(remote_id)


def _link_param(response: httpx.Response, rel: str, name: str) -> str:
    """A parameter of a Link header target (Mastodon pages with max_id / min_id there)."""
    try:
        url = response.links.get(rel, {}).get("url", "")
    except (ValueError, AttributeError):
        return ""
    values = parse_qs(urlsplit(url).query).get(name) if url else None
    value = values[0] if values else ""
    return value if is_id(value) else ""
