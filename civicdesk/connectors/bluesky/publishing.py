"""Writing posts to Bluesky: posts and threads, replies, deletes, and the check after an
unknown outcome, which also finishes a thread that stopped part-way.

Each post's record key comes from the publication's idempotency key (``shapes.record_key``,
with the part's number for a thread), so a retried create cannot make a second post and
the check is a lookup of those records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    ReplyTarget,
    RetryableError,
)
from civicdesk.connectors.bluesky import media, shapes
from civicdesk.connectors.bluesky.shapes import POST, ShapeError
from civicdesk.connectors.shapes import with_link
from civicdesk.rules import measure

if TYPE_CHECKING:
    from civicdesk.connectors.bluesky.connector import BlueskyConnector


def publish(api: BlueskyConnector, post: OutboundPost) -> PublishResult:
    text = with_link(post.text, post.link)
    embed, note = media.embed(api, post) if post.media else (None, "")
    # A later update answering our earlier post: it joins that post's thread.
    answering = _own_reply_refs(api, post.reply_to) if post.reply_to else None
    root = api._create_post(
        text,
        rkey=shapes.record_key(post.idempotency_key),
        language=post.language,
        embed=embed,
        reply=answering,
    )
    thread_root = answering["root"] if answering else root
    parts = _publish_parts(api, post, thread_root, start=1, parent=root)
    return PublishResult(
        remote_id=root["uri"],
        url=shapes.post_url(root["uri"], api.handle),
        published_at=datetime.now(UTC),
        thread_remote_ids=tuple(p["uri"] for p in parts),
        note=note,
    )


def _publish_parts(
    api: BlueskyConnector,
    post: OutboundPost,
    root: dict[str, str],
    *,
    start: int,
    parent: dict[str, str],
) -> list[dict[str, str]]:
    made = []
    for index, part in enumerate(post.thread[start - 1 :], start=start):
        parent = api._create_post(
            part,
            rkey=shapes.record_key(post.idempotency_key, index),
            language=post.language,
            reply={"root": root, "parent": parent},
        )
        made.append(parent)
    return made


def _answer(found: Mapping[str, Any], field: str) -> dict[str, dict[str, str]]:
    """The ``reply`` of a record answering ``found`` (a post's view or record, its content
    under ``field``): that post as the parent, its thread's first post as the root."""
    try:
        parent = shapes.strong_ref(found, "the post")
        record = shapes.obj(found.get(field), "the post's record")
        root = parent
        if record.get("reply") is not None:
            root = shapes.strong_ref(shapes.obj(record["reply"], "reply").get("root"), "reply.root")
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer: {exc}") from None
    return {"root": root, "parent": parent}


def _own_reply_refs(api: BlueskyConnector, remote_id: str) -> dict[str, dict[str, str]] | None:
    """The ``reply`` of a record answering our own post ``remote_id``, read from our own
    repository (the AppView may not have seen a post made a moment ago); None when that post
    was deleted meanwhile: the update then goes out on its own."""
    found = api._get_record(*_own_record(api, remote_id))
    return _answer(found, "value") if found is not None else None


def reply(
    api: BlueskyConnector, target: ReplyTarget, text: str, *, idempotency_key: str
) -> PublishResult:
    made = api._create_post(
        text,
        rkey=shapes.record_key(idempotency_key),
        reply=_answer(api._post_view(target.remote_id), "record"),
    )
    return PublishResult(
        remote_id=made["uri"],
        url=shapes.post_url(made["uri"], api.handle),
        published_at=datetime.now(UTC),
    )


def delete(api: BlueskyConnector, remote_id: str) -> None:
    repo, collection, rkey = _own_record(api, remote_id)
    api.xrpc(
        "POST",
        "com.atproto.repo.deleteRecord",
        write=True,
        json={"repo": repo, "collection": collection, "rkey": rkey},
    )


def create_post(
    api: BlueskyConnector,
    text: str,
    *,
    rkey: str,
    language: str = "",
    embed: dict[str, Any] | None = None,
    reply: dict[str, Any] | None = None,
) -> dict[str, str]:
    """One post record under the record key asked for; its {uri, cid} reference."""
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": shapes.now_iso()}
    if language:
        record["langs"] = [language]
    facets = _facets(api, text)
    if facets:
        record["facets"] = facets
    if embed:
        record["embed"] = embed
    if reply:
        record["reply"] = reply
    data = api.xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        write=True,
        json={
            "repo": api.did,
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


def check_publication(api: BlueskyConnector, post: OutboundPost) -> PublishResult | None:
    root = api._get_record(api.did, POST, shapes.record_key(post.idempotency_key))
    if root is None:
        return None
    parts: list[dict[str, str]] = []
    try:
        root_ref = shapes.strong_ref(root, "the post")
        for index in range(1, len(post.thread) + 1):
            found = api._get_record(api.did, POST, shapes.record_key(post.idempotency_key, index))
            if found is None:
                break
            parts.append(shapes.strong_ref(found, "a thread part"))
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer: {exc}") from None
    if len(parts) < len(post.thread):
        # The thread stopped part-way: finish it. The keys are fixed, so this
        # cannot double a part that went out meanwhile.
        answering = _own_reply_refs(api, post.reply_to) if post.reply_to else None
        thread_root = answering["root"] if answering else root_ref
        parts += _publish_parts(
            api, post, thread_root, start=len(parts) + 1, parent=parts[-1] if parts else root_ref
        )
    return PublishResult(
        remote_id=root_ref["uri"],
        url=shapes.post_url(root_ref["uri"], api.handle),
        thread_remote_ids=tuple(p["uri"] for p in parts),
    )


def _facets(api: BlueskyConnector, text: str) -> list[dict[str, Any]]:
    facets = []
    for facet in measure(text, "bluesky").facets:
        item = facet.as_record()
        if facet.feature.endswith("#mention"):
            did = _resolve_handle(api, facet.value)
            if not did:
                continue  # an unknown handle stays plain text
            item["features"][0]["did"] = did  # type: ignore[index]
        facets.append(item)
    return facets


def _resolve_handle(api: BlueskyConnector, handle: str) -> str:
    try:
        data = api.xrpc(
            "GET", "com.atproto.identity.resolveHandle", params={"handle": handle.lstrip("@")}
        )
    except RejectedError:
        return ""
    did = data.get("did") if isinstance(data, dict) else None
    return did if isinstance(did, str) and did.startswith("did:") else ""


def _own_record(api: BlueskyConnector, remote_id: str) -> tuple[str, str, str]:
    try:
        repo, collection, rkey = shapes.split_uri(remote_id)
    except ValueError as exc:
        raise RejectedError(str(exc)) from None
    if repo != api.did:
        raise RejectedError("that record belongs to another Bluesky account")
    return repo, collection, rkey
