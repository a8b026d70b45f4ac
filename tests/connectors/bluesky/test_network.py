"""The Bluesky connector against a real local Bluesky network (PLC, PDS, AppView)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from civicdesk.connectors.base import (
    AuthExpiredError,
    FollowKind,
    ListenQuery,
    MediaItem,
    MessageKind,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    ReplyTarget,
)
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.auth import BlueskyAuthFlow
from civicdesk.connectors.bluesky.connector import BlueskyConnector

from .conftest import PNG, Account, Network, eventually, new_account, xrpc


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def get_record(network: Network, uri: str) -> dict[str, Any] | None:
    repo, collection, rkey = shapes.split_uri(uri)
    response = httpx.get(
        f"{network.pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
    )
    return response.json() if response.status_code == 200 else None


def resident_post(
    network: Network,
    account: Account,
    text: str,
    *,
    reply_to: dict[str, str] | None = None,
    root: dict[str, str] | None = None,
    facets: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": now_iso()}
    if reply_to:
        record["reply"] = {"root": root or reply_to, "parent": reply_to}
    if facets:
        record["facets"] = facets
    made = xrpc(
        network,
        "POST",
        "com.atproto.repo.createRecord",
        account,
        json={"repo": account.did, "collection": "app.bsky.feed.post", "record": record},
    )
    return {"uri": made["uri"], "cid": made["cid"]}


def key() -> str:
    return f"pub-{secrets.token_hex(8)}"


def test_connect_with_an_app_password(
    bsky_network: Network, institution: Account, institution_credentials: dict[str, str]
) -> None:
    creds = institution_credentials
    assert creds["did"] == institution.did and creds["handle"] == institution.handle
    assert creds["access_token"] and creds["refresh_token"] and creds["expires_at"]
    # The PDS was found from the handle through the PLC directory.
    assert creds["pds"].rsplit(":", 1)[-1] == bsky_network.pds.rsplit(":", 1)[-1]
    # The default (OAuth) flow refreshes app-password credentials the app-password way.
    flow = BlueskyAuthFlow(base_url=bsky_network.pds, app={"plc_url": bsky_network.plc})
    try:
        fresh = flow.refresh(creds)
        assert fresh["access_token"] and fresh["did"] == institution.did
        assert fresh["refresh_token"] != creds["refresh_token"]  # rotated
        with pytest.raises(RejectedError, match="own password"):
            flow.finish(
                redirect_uri="",
                pending={},
                params={
                    "identifier": institution.handle,
                    "app_password": institution.password,
                    "server": bsky_network.pds,
                },
            )
        with pytest.raises(RejectedError):
            flow.finish(
                redirect_uri="",
                pending={},
                params={
                    "identifier": institution.handle,
                    "app_password": "nope-nope-nope-nope",
                    "server": bsky_network.pds,
                },
            )
        assert BlueskyConnector(base_url=creds["pds"], credentials=fresh).check_health().ok
        flow.revoke(fresh)
        with pytest.raises(AuthExpiredError):
            flow.refresh(fresh)  # the revoked session cannot be renewed
    finally:
        flow.close()


def test_publish_with_facets_image_and_thread(
    bsky_network: Network, connector: BlueskyConnector, resident: Account
) -> None:
    text = f"Road works ✨ on Main St: https://example.org/works?x=1 @{resident.handle} #roads"
    post = OutboundPost(
        text=text,
        idempotency_key=key(),
        language="en",
        media=(MediaItem("map.png", "image/png", PNG, alt_text="Map of the closure"),),
        thread=("Part two of the notice.", "Part three, the last."),
    )
    result = connector.publish(post)
    assert result.remote_id.endswith(shapes.record_key(post.idempotency_key))
    assert len(result.thread_remote_ids) == 2
    assert result.url.startswith("https://bsky.app/profile/")
    record = get_record(bsky_network, result.remote_id)
    assert record is not None
    value = record["value"]
    assert value["langs"] == ["en"]
    features = {f["features"][0]["$type"].rpartition("#")[2]: f for f in value["facets"]}
    link = features["link"]
    raw = text.encode()
    assert raw[link["index"]["byteStart"] : link["index"]["byteEnd"]] == (
        b"https://example.org/works?x=1"
    )
    assert features["mention"]["features"][0]["did"] == resident.did
    assert features["tag"]["features"][0]["tag"] == "roads"
    [image] = value["embed"]["images"]
    assert image["alt"] == "Map of the closure" and image["image"]["mimeType"] == "image/png"
    second = get_record(bsky_network, result.thread_remote_ids[0])
    third = get_record(bsky_network, result.thread_remote_ids[1])
    assert second and third
    assert second["value"]["reply"]["root"]["uri"] == result.remote_id
    assert third["value"]["reply"]["parent"]["uri"] == result.thread_remote_ids[0]
    assert third["value"]["reply"]["root"]["uri"] == result.remote_id

    # A second attempt of the same post cannot make a second record...
    with pytest.raises(OutcomeUnknownError):
        connector.publish(post)
    # ... and asking about it finds the one that exists.
    found = connector.check_publication(post)
    assert found is not None and found.remote_id == result.remote_id
    assert found.thread_remote_ids == result.thread_remote_ids
    assert connector.check_publication(OutboundPost(text="x", idempotency_key=key())) is None


def test_check_publication_finishes_a_broken_thread(
    bsky_network: Network, connector: BlueskyConnector
) -> None:
    post = OutboundPost(
        text="Notice, part one.", idempotency_key=key(), thread=("Part two.", "Part three.")
    )
    # As if the first part went out and the connection died before the rest.
    connector.publish(OutboundPost(text=post.text, idempotency_key=post.idempotency_key))
    found = connector.check_publication(post)
    assert found is not None and len(found.thread_remote_ids) == 2
    last = get_record(bsky_network, found.thread_remote_ids[1])
    assert last and last["value"]["text"] == "Part three."


def test_a_later_update_continues_our_first_posts_thread(
    bsky_network: Network, connector: BlueskyConnector
) -> None:
    first = connector.publish(
        OutboundPost(text="Update 1: the bridge is closed.", idempotency_key=key())
    )
    second = connector.publish(
        OutboundPost(
            text="Update 2: still closed.",
            idempotency_key=key(),
            reply_to=first.remote_id,
            thread=("Detours are signed.",),
        )
    )
    third = connector.publish(
        OutboundPost(text="Update 3: open again.", idempotency_key=key(), reply_to=second.remote_id)
    )
    answer = get_record(bsky_network, second.remote_id)
    part = get_record(bsky_network, second.thread_remote_ids[0])
    last = get_record(bsky_network, third.remote_id)
    assert answer and part and last
    assert answer["value"]["reply"]["parent"]["uri"] == first.remote_id
    assert answer["value"]["reply"]["root"]["uri"] == first.remote_id
    # The update's own thread parts and the next update stay in the first post's thread.
    assert part["value"]["reply"]["root"]["uri"] == first.remote_id
    assert part["value"]["reply"]["parent"]["uri"] == second.remote_id
    assert last["value"]["reply"]["root"]["uri"] == first.remote_id
    assert last["value"]["reply"]["parent"]["uri"] == second.remote_id


def test_inbox_reply_metrics_hide_and_delete(
    bsky_network: Network, connector: BlueskyConnector, institution: Account, resident: Account
) -> None:
    ours = connector.publish(OutboundPost(text="Consultation opens today.", idempotency_key=key()))
    root = {"uri": ours.remote_id, "cid": get_record(bsky_network, ours.remote_id)["cid"]}  # type: ignore[index]
    other = new_account(bsky_network, "neighbour")
    xrpc(
        bsky_network,
        "POST",
        "com.atproto.repo.createRecord",
        resident,
        json={
            "repo": resident.did,
            "collection": "app.bsky.graph.follow",
            "record": {
                "$type": "app.bsky.graph.follow",
                "subject": institution.did,
                "createdAt": now_iso(),
            },
        },
    )
    xrpc(
        bsky_network,
        "POST",
        "com.atproto.repo.createRecord",
        other,
        json={
            "repo": other.did,
            "collection": "app.bsky.feed.like",
            "record": {"$type": "app.bsky.feed.like", "subject": root, "createdAt": now_iso()},
        },
    )

    first = connector.fetch_inbound(None)
    cursor = first.next_cursor  # whatever was there before this test
    comment = resident_post(bsky_network, resident, "When does it close?", reply_to=root)
    mention_text = f"Ask @{institution.handle} about it"
    resident_post(
        bsky_network,
        other,
        mention_text,
        facets=[
            {
                "index": {"byteStart": 4, "byteEnd": 5 + len(institution.handle)},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": institution.did}],
            }
        ],
    )

    def two_new() -> Any:
        page = connector.fetch_inbound(cursor)
        return page if len(page.messages) >= 2 else None

    page = eventually(two_new)
    by_kind = {m.kind: m for m in page.messages}
    reply = by_kind[MessageKind.REPLY]
    assert reply.remote_id == comment["uri"] and reply.text == "When does it close?"
    assert reply.author.remote_id == resident.did and reply.author.handle == resident.handle
    assert reply.conversation_remote_id == ours.remote_id
    assert reply.root_post_remote_id == ours.remote_id
    assert reply.in_reply_to_remote_id == ours.remote_id
    mention = by_kind[MessageKind.MENTION]
    assert mention.text == mention_text and mention.root_post_remote_id == ""
    assert mention.conversation_remote_id == mention.remote_id
    # Nothing is returned twice once the cursor is stored.
    assert page.next_cursor
    again = connector.fetch_inbound(page.next_cursor)
    assert again.messages == [] and again.next_cursor is None

    thread = connector.fetch_thread(ours.remote_id)
    assert thread["replies"][0]["post"]["uri"] == comment["uri"]

    answer = connector.reply(
        ReplyTarget(remote_id=comment["uri"], kind=MessageKind.REPLY),
        "It closes on the 30th.",
        idempotency_key=key(),
    )
    answer_record = get_record(bsky_network, answer.remote_id)
    assert answer_record is not None
    assert answer_record["value"]["reply"]["parent"]["uri"] == comment["uri"]
    assert answer_record["value"]["reply"]["root"]["uri"] == ours.remote_id

    def counted() -> Any:
        [m] = connector.fetch_post_metrics([ours.remote_id])
        return m if m.likes == 1 and m.replies == 1 else None

    metrics = eventually(counted)
    assert metrics.reposts == 0 and metrics.impressions is None and metrics.clicks is None
    account = eventually(
        lambda: (lambda a: a if a.followers == 1 else None)(connector.fetch_account_metrics())
    )
    assert account.posts and account.posts >= 2 and account.impressions is None

    connector.hide(comment["uri"])
    gate = get_record(
        bsky_network, ours.remote_id.replace("app.bsky.feed.post", "app.bsky.feed.threadgate")
    )
    assert gate is not None and gate["value"]["hiddenReplies"] == [comment["uri"]]
    connector.hide(comment["uri"], hidden=False)
    gate = get_record(bsky_network, gate["uri"])
    assert gate is not None and gate["value"]["hiddenReplies"] == []
    with pytest.raises(RejectedError):
        connector.hide(ours.remote_id)  # not a reply

    connector.delete(ours.remote_id)
    assert get_record(bsky_network, ours.remote_id) is None
    eventually(lambda: connector.fetch_post_metrics([ours.remote_id]) == [])
    with pytest.raises(RejectedError):
        connector.delete(comment["uri"])  # someone else's record


def test_listening_follows_a_keyword_a_hashtag_and_an_account(
    bsky_network: Network, connector: BlueskyConnector, resident: Account
) -> None:
    word = f"sinkhole{secrets.token_hex(3)}"
    first = resident_post(bsky_network, resident, f"A {word} opened on Elm St #{word}")
    keyword = ListenQuery(FollowKind.KEYWORD, word)
    page = eventually(lambda: connector.fetch_listening(keyword, None).messages or None)
    assert [m.remote_id for m in page] == [first["uri"]]
    assert page[0].author.handle == resident.handle
    cursor = connector.fetch_listening(keyword, None).next_cursor
    assert cursor
    # Later reads bring only what is new, oldest first; a reply reads as a reply.
    second = resident_post(bsky_network, resident, f"The {word} is growing", reply_to=first)
    third = resident_post(bsky_network, resident, f"Crews at the {word} now")
    newer = eventually(
        lambda: (found := connector.fetch_listening(keyword, cursor)).messages[1:] and found
    )
    assert [m.remote_id for m in newer.messages] == [second["uri"], third["uri"]]
    assert newer.messages[0].kind == MessageKind.REPLY
    assert newer.next_cursor and newer.next_cursor > cursor
    hashtag = ListenQuery(FollowKind.HASHTAG, f"#{word}")
    tagged = eventually(lambda: connector.fetch_listening(hashtag, None).messages or None)
    assert first["uri"] in [m.remote_id for m in tagged]
    account = ListenQuery(FollowKind.ACCOUNT, f"@{resident.handle}")
    theirs = eventually(lambda: connector.fetch_listening(account, None).messages or None)
    assert third["uri"] in [m.remote_id for m in theirs]
    with pytest.raises(RejectedError):
        connector.fetch_listening(ListenQuery(FollowKind.KEYWORD, '"()"'), None)
