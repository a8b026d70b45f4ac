"""Connector for the built-in exercise network, reached over HTTP like any platform.

Every response is checked for shape before use: a write whose answer lacks what we expect is
an unknown outcome (ask ``check_publication``), a read with a bad answer is retryable.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

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
    MessageNow,
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
)
from civicdesk.connectors.shapes import ShapeError, count, obj, timestamp

MAX_PAGE = 200
MAX_SEARCH_PAGE = 100


def _id(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ShapeError(f"{what} is missing or not an id")
    return str(value)


def _str(value: Any, what: str, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise ShapeError(f"{what} is not a string")
    return value


class ExnetConnector(HttpConnector):
    platform: ClassVar[str] = "exnet"
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
            Capability.DELETE_COMMENT,
            Capability.BLOCK,
            Capability.LISTEN_KEYWORDS,
            Capability.LISTEN_HASHTAGS,
            Capability.LISTEN_ACCOUNTS,
        }
    )

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("token", "")
        if not token:
            raise AuthExpiredError("the channel has no exercise network token")
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    # Writes

    def publish(self, post: OutboundPost) -> PublishResult:
        text = post.text
        if post.link and post.link not in text:
            text = f"{text}\n{post.link}" if text else post.link
        payload: dict[str, Any] = {"text": text}
        if post.reply_to:
            payload["in_reply_to"] = post.reply_to
        if post.media:
            payload["media"] = [
                {
                    "content_type": item.content_type,
                    "data_base64": base64.b64encode(item.data).decode("ascii"),
                    "alt_text": item.alt_text,
                }
                | ({"captions_vtt": item.captions} if item.captions else {})
                for item in post.media
            ]
        first = self._create("/posts", payload, idempotency_key=post.idempotency_key)
        return self._continue_thread(post, first)

    def _continue_thread(self, post: OutboundPost, first: PublishResult) -> PublishResult:
        """Send a thread's later parts, each answering the one before.

        Every part has its own idempotency key, so finishing a thread after an interruption
        never repeats a part. A failure after the first part is an unknown outcome: the
        check completes the thread.
        """
        if not post.thread:
            return first
        previous, ids = first.remote_id, []
        for number, part in enumerate(post.thread, start=2):
            try:
                result = self._create(
                    "/posts",
                    {"text": part, "in_reply_to": previous},
                    idempotency_key=f"{post.idempotency_key}:{number}",
                )
            except ConnectorError as error:
                raise OutcomeUnknownError(
                    f"the thread stopped after part {number - 1}: {error}"
                ) from error
            previous = result.remote_id
            ids.append(result.remote_id)
        return PublishResult(
            remote_id=first.remote_id,
            url=first.url,
            published_at=first.published_at,
            thread_remote_ids=tuple(ids),
        )

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        if target.kind == MessageKind.DIRECT:
            recipient = target.author_remote_id or self._dm_partner(target.conversation_remote_id)
            if not recipient:
                raise RejectedError("cannot tell whom to answer: the message has no author id")
            return self._create(
                "/dms", {"to_id": recipient, "text": text}, idempotency_key=idempotency_key
            )
        return self._create(
            "/posts",
            {"text": text, "in_reply_to": target.remote_id},
            idempotency_key=idempotency_key,
        )

    def delete(self, remote_id: str) -> None:
        self.request("DELETE", f"/posts/{self._path_id(remote_id)}", write=True)

    # Moderation: the network lets a thread's owner hide or delete the replies in it, and
    # any account block another.

    def hide(self, remote_id: str, *, hidden: bool = True) -> None:
        response = self.request(
            "POST",
            f"/posts/{self._path_id(remote_id)}/hide",
            write=True,
            json={"hidden": hidden},
        )
        data = self.json_of(response, write=True)
        if not isinstance(data, dict) or data.get("hidden") is not hidden:
            raise OutcomeUnknownError("the network did not say whether the reply is hidden")

    def delete_comment(self, remote_id: str) -> None:
        try:
            self.delete(remote_id)
        except RejectedError as exc:
            if exc.status != 404:
                raise  # 404: already gone, which is what was asked

    def block(self, author: RemoteAuthor, *, message_remote_id: str = "") -> None:
        if not str(author.remote_id).isdigit():
            raise RejectedError(f"not an exercise network account id: {author.remote_id[:40]!r}")
        response = self.request(
            "POST",
            "/blocks",
            write=True,
            json={"account_id": author.remote_id},
            expected=(200, 201),
        )
        data = self.json_of(response, write=True)
        try:
            blocked = obj(obj(data, "the answer").get("blocked"), "blocked")
            if _id(blocked.get("id"), "blocked.id") != str(author.remote_id):
                raise ShapeError("the network blocked another account")
        except ShapeError as exc:
            raise OutcomeUnknownError(f"unexpected answer to a block: {exc}") from None

    def _create(self, path: str, payload: dict[str, Any], *, idempotency_key: str) -> PublishResult:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self.request(
            "POST", path, write=True, json=payload, headers=headers, expected=(200, 201)
        )
        data = self.json_of(response, write=True)
        try:
            return self._publish_result(data)
        except ShapeError as exc:
            raise OutcomeUnknownError(
                f"unexpected answer to a write: {exc}", status=response.status_code
            ) from None

    # Reads

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        response = self.request("GET", "/posts", params={"client_ref": post.idempotency_key})
        data = self.json_of(response)
        try:
            found = obj(data, "the answer").get("posts")
            if not isinstance(found, list):
                raise ShapeError("posts is not a list")
            first = self._publish_result(found[0]) if found else None
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer: {exc}", status=response.status_code) from None
        return self._continue_thread(post, first) if first is not None else None

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        after = cursor or "0"
        if not after.isdigit():
            raise RejectedError(f"not an exercise network cursor: {after[:40]!r}")
        response = self.request(
            "GET", "/inbox", params={"after": after, "limit": max(1, min(limit, MAX_PAGE))}
        )
        data = self.json_of(response)
        try:
            body = obj(data, "the answer")
            events = body.get("events")
            if not isinstance(events, list):
                raise ShapeError("events is not a list")
            messages = [self._message(obj(event, "an event")) for event in events]
            next_after = body.get("next_after")
            if isinstance(next_after, bool) or not isinstance(next_after, int):
                raise ShapeError("next_after is not a number")
            has_more = body.get("has_more")
            if not isinstance(has_more, bool):
                raise ShapeError("has_more is not true or false")
            if next_after < int(after) or (events and next_after == int(after)):
                raise ShapeError("next_after went backwards")
        except ShapeError as exc:
            # The whole page is refused, so the cursor stays put and nothing is skipped.
            raise RetryableError(
                f"unexpected inbox answer: {exc}", status=response.status_code
            ) from None
        next_cursor = str(next_after) if next_after != int(after) else None
        return InboundPage(messages=messages, next_cursor=next_cursor, has_more=has_more)

    def fetch_listening(
        self, query: ListenQuery, cursor: str | None, *, limit: int = 100
    ) -> InboundPage:
        after = cursor or "0"
        if not after.isdigit():
            raise RejectedError(f"not an exercise network cursor: {after[:40]!r}")
        params: dict[str, str | int] = {
            "q": query.value,
            "type": str(query.kind),
            "after": after,
            "limit": max(1, min(limit, MAX_SEARCH_PAGE)),
        }
        response = self.request("GET", "/search", params=params)
        data = self.json_of(response)
        try:
            body = obj(data, "the answer")
            posts = body.get("posts")
            if not isinstance(posts, list):
                raise ShapeError("posts is not a list")
            messages = [self._found(obj(post, "a post")) for post in posts]
            next_after = body.get("next_after")
            if isinstance(next_after, bool) or not isinstance(next_after, int):
                raise ShapeError("next_after is not a number")
            has_more = body.get("has_more")
            if not isinstance(has_more, bool):
                raise ShapeError("has_more is not true or false")
            if next_after < int(after):
                raise ShapeError("next_after went backwards")
        except ShapeError as exc:
            raise RetryableError(
                f"unexpected search answer: {exc}", status=response.status_code
            ) from None
        next_cursor = str(next_after) if next_after != int(after) else None
        return InboundPage(messages=messages, next_cursor=next_cursor, has_more=has_more)

    def _found(self, post: Mapping[str, Any]) -> RemoteMessage:
        """A post a search found: a mention of what is followed, or a reply carrying it."""
        author = obj(post.get("author"), "author")
        followers = author.get("followers")
        if followers is not None and (
            isinstance(followers, bool) or not isinstance(followers, int)
        ):
            raise ShapeError("author.followers is not a count")
        parent = _optional_id(post.get("in_reply_to"), "in_reply_to")
        return RemoteMessage(
            remote_id=_id(post.get("id"), "id"),
            kind=MessageKind.REPLY if parent else MessageKind.MENTION,
            text=_str(post.get("text"), "text"),
            author=RemoteAuthor(
                remote_id=_id(author.get("id"), "author.id"),
                handle=_str(author.get("handle"), "author.handle", optional=False),
                display_name=_str(author.get("display_name"), "author.display_name"),
                followers=followers,
            ),
            created_at=timestamp(post.get("created_at"), "created_at"),
            in_reply_to_remote_id=parent,
            conversation_remote_id=_str(post.get("conversation"), "conversation"),
            url=_str(post.get("url"), "url"),
            raw=dict(post),
        )

    def fetch_message(self, remote_id: str) -> MessageNow:
        if not str(remote_id).isdigit():
            # Direct messages cannot be read again one by one.
            raise UnsupportedError("the exercise network cannot read a direct message again")
        try:
            response = self.request("GET", f"/posts/{remote_id}")
        except RejectedError as exc:
            if exc.status == 404:
                return MessageNow(remote_id=remote_id, deleted=True)
            raise
        data = self.json_of(response)
        try:
            body = obj(data, "the answer")
            edited = body.get("edited_at")
            return MessageNow(
                remote_id=remote_id,
                deleted=False,
                text=_str(body.get("text"), "text"),
                edited_at=timestamp(edited, "edited_at") if edited is not None else None,
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected answer: {exc}", status=response.status_code) from None

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> list[PostMetrics]:
        results = []
        for remote_id in remote_ids:
            try:
                response = self.request("GET", f"/posts/{self._path_id(remote_id)}/metrics")
            except RejectedError as exc:
                if exc.status == 404:
                    continue  # deleted on the platform: no metrics any more
                raise
            data = self.json_of(response)
            try:
                body = obj(data, "the answer")
                results.append(
                    PostMetrics(
                        remote_id=remote_id,
                        impressions=count(body, "impressions"),
                        engagements=count(body, "engagements"),
                        likes=count(body, "likes"),
                        reposts=count(body, "reposts"),
                        replies=count(body, "replies"),
                    )
                )
            except ShapeError as exc:
                raise RetryableError(f"unexpected metrics answer: {exc}") from None
        return results

    def fetch_account_metrics(self) -> AccountMetrics:
        data = self.json_of(self.request("GET", "/me/metrics"))
        try:
            body = obj(data, "the answer")
            return AccountMetrics(
                followers=count(body, "followers"),
                following=count(body, "following"),
                impressions=count(body, "impressions"),
                engagements=count(body, "engagements"),
                posts=count(body, "posts"),
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer: {exc}") from None

    def check_health(self) -> ChannelHealth:
        try:
            data = self.json_of(self.request("GET", "/me"))
            handle = _str(obj(data, "the answer").get("handle"), "handle", optional=False)
        except ConnectorError as exc:
            return ChannelHealth.failed(exc)
        except ShapeError as exc:
            return ChannelHealth(ok=False, detail=f"unexpected answer: {exc}")
        return ChannelHealth(ok=True, detail=f"signed in as @{handle}")

    # Shapes

    def _publish_result(self, data: Any) -> PublishResult:
        body = obj(data, "the answer")
        remote_id = _id(body.get("id"), "id")
        created_at = body.get("created_at")
        return PublishResult(
            remote_id=remote_id,
            url=_str(body.get("url"), "url"),
            published_at=timestamp(created_at, "created_at") if created_at is not None else None,
        )

    def _message(self, event: Mapping[str, Any]) -> RemoteMessage:
        try:
            kind = MessageKind(str(event.get("kind")))
        except ValueError:
            raise ShapeError(f"unknown event kind {str(event.get('kind'))[:20]!r}") from None
        author = obj(event.get("author"), "author")
        followers = author.get("followers")
        if followers is not None and (
            isinstance(followers, bool) or not isinstance(followers, int)
        ):
            raise ShapeError("author.followers is not a count")
        return RemoteMessage(
            remote_id=_id(event.get("id"), "id"),
            kind=kind,
            text=_str(event.get("text"), "text"),
            author=RemoteAuthor(
                remote_id=_id(author.get("id"), "author.id"),
                handle=_str(author.get("handle"), "author.handle", optional=False),
                display_name=_str(author.get("display_name"), "author.display_name"),
                followers=followers,
            ),
            created_at=timestamp(event.get("created_at"), "created_at"),
            in_reply_to_remote_id=_optional_id(event.get("in_reply_to"), "in_reply_to"),
            root_post_remote_id=(
                _optional_id(event.get("root_post"), "root_post")
                if event.get("root_post_is_mine") is True
                else ""
            ),
            conversation_remote_id=_str(event.get("conversation"), "conversation"),
            url=_str(event.get("url"), "url"),
            raw=dict(event),
        )

    @staticmethod
    def _path_id(remote_id: str) -> str:
        if not str(remote_id).isdigit():
            raise RejectedError(f"not an exercise network post id: {str(remote_id)[:40]!r}")
        return str(remote_id)

    def _dm_partner(self, conversation: str) -> str:
        # "dm:<a>:<b>" names both sides; without our own id we cannot pick, so ask.
        parts = conversation.split(":")
        if len(parts) != 3 or parts[0] != "dm":
            return ""
        data = self.json_of(self.request("GET", "/me"))
        own = str(data.get("id")) if isinstance(data, dict) else ""
        others = [p for p in parts[1:] if p != own]
        return others[0] if len(others) == 1 else ""


def _optional_id(value: Any, what: str) -> str:
    return "" if value is None else _id(value, what)
