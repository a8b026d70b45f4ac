"""Hiding replies on Bluesky: the hidden list of the thread's threadgate record.

Only the author of a thread can hide replies in it, so this works under our own posts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import OutcomeUnknownError, RejectedError, RetryableError
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.shapes import THREADGATE, ShapeError

BLOCK = "app.bsky.graph.block"
# Blocks are looked for before one is made, so blocking twice leaves one record; an
# institution blocks few accounts, so a few pages are enough to see them all.
BLOCK_PAGES = 10

if TYPE_CHECKING:
    from civicdesk.connectors.bluesky.connector import BlueskyConnector


def hide(api: BlueskyConnector, remote_id: str, *, hidden: bool) -> None:
    view = api._post_view(remote_id)
    try:
        record = shapes.obj(view.get("record"), "the reply's record")
        reply = record.get("reply")
        if reply is None:
            raise RejectedError("only replies in a thread can be hidden on Bluesky")
        root_uri = shapes.strong_ref(shapes.obj(reply, "reply").get("root"), "reply.root")["uri"]
    except ShapeError as exc:
        raise RetryableError(f"unexpected answer: {exc}") from None
    repo, _, root_rkey = shapes.split_uri(root_uri)
    if repo != api.did:
        raise RejectedError(
            "this reply is in someone else's thread; only the thread's author can hide it"
        )
    current, swap = _threadgate(api, root_rkey)
    hidden_now = [u for u in current.get("hiddenReplies", []) if isinstance(u, str)]
    if hidden and remote_id not in hidden_now:
        hidden_now.append(remote_id)
    elif not hidden and remote_id in hidden_now:
        hidden_now.remove(remote_id)
    else:
        return  # already as asked
    gate = dict(current) | {"$type": THREADGATE, "post": root_uri, "hiddenReplies": hidden_now}
    gate.setdefault("createdAt", shapes.now_iso())
    body: dict[str, Any] = {
        "repo": api.did,
        "collection": THREADGATE,
        "rkey": root_rkey,
        "record": gate,
    }
    body["swapRecord"] = swap  # None: create only if nobody made one meanwhile
    api.xrpc("POST", "com.atproto.repo.putRecord", write=True, json=body)


def _threadgate(api: BlueskyConnector, rkey: str) -> tuple[dict[str, Any], str | None]:
    found = api._get_record(api.did, THREADGATE, rkey)
    if found is None:
        return {}, None
    try:
        value = dict(shapes.obj(found.get("value"), "the threadgate"))
        cid = shapes.text(found.get("cid"), "cid", optional=False)
    except ShapeError as exc:
        raise RetryableError(f"unexpected threadgate: {exc}") from None
    return value, cid


def block(api: BlueskyConnector, did: str) -> None:
    """Block the account ``did`` unless a block record for it is already in our repository."""
    if not did.startswith("did:"):
        raise RejectedError(f"not a Bluesky account id: {did[:60]!r}")
    if did == api.did:
        raise RejectedError("an account cannot block itself")
    if _block_record(api, did) is not None:
        return
    body = {
        "repo": api.did,
        "collection": BLOCK,
        "record": {"$type": BLOCK, "subject": did, "createdAt": shapes.now_iso()},
    }
    data = api.xrpc("POST", "com.atproto.repo.createRecord", write=True, json=body)
    try:
        shapes.text(shapes.obj(data, "the answer").get("uri"), "uri", optional=False)
    except ShapeError as exc:
        raise OutcomeUnknownError(f"unexpected answer to a block: {exc}") from None


def _block_record(api: BlueskyConnector, did: str) -> str | None:
    """The uri of our block record for ``did``, if there is one."""
    cursor: str | None = None
    for _page in range(BLOCK_PAGES):
        params: dict[str, Any] = {"repo": api.did, "collection": BLOCK, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        data = api.xrpc("GET", "com.atproto.repo.listRecords", params=params)
        try:
            body = shapes.obj(data, "the answer")
            records = body.get("records")
            if not isinstance(records, list):
                raise ShapeError("records is not a list")
            for record in records:
                value = shapes.obj(shapes.obj(record, "a record").get("value"), "its value")
                if value.get("subject") == did:
                    return shapes.text(record.get("uri"), "uri", optional=False)
            cursor = shapes.text(body.get("cursor"), "cursor") or None
        except ShapeError as exc:
            raise RetryableError(f"unexpected list of blocks: {exc}") from None
        if cursor is None or not records:
            return None
    return None
