"""Blocking on Bluesky, against a local network (PLC, PDS, AppView): a block record in the
institution's repository, made once however often it is asked; deleting another account's
post is refused in plain words."""

from __future__ import annotations

import httpx
import pytest

from civicdesk.connectors.base import (
    Capability,
    RejectedError,
    RemoteAuthor,
    UnsupportedError,
)
from civicdesk.connectors.bluesky.connector import BlueskyConnector
from civicdesk.connectors.bluesky.moderation import BLOCK

from .conftest import Account, Network, new_account


def _blocks(network: Network, account: Account) -> list[str]:
    response = httpx.get(
        f"{network.pds}/xrpc/com.atproto.repo.listRecords",
        params={"repo": account.did, "collection": BLOCK, "limit": 100},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    return [r["value"]["subject"] for r in response.json()["records"]]


def test_block_writes_one_block_record(
    bsky_network: Network, connector: BlueskyConnector, institution: Account
) -> None:
    troll = new_account(bsky_network, "troll")
    author = RemoteAuthor(remote_id=troll.did, handle=troll.handle)
    connector.block(author)
    connector.block(author)  # twice: still one record
    assert _blocks(bsky_network, institution).count(troll.did) == 1
    with pytest.raises(RejectedError):
        connector.block(RemoteAuthor(remote_id="not-a-did", handle="x"))
    with pytest.raises(RejectedError):
        connector.block(RemoteAuthor(remote_id=institution.did, handle=institution.handle))


def test_deleting_another_accounts_post_is_refused_in_plain_words(
    connector: BlueskyConnector,
) -> None:
    assert connector.supports(Capability.BLOCK)
    assert not connector.supports(Capability.DELETE_COMMENT)
    with pytest.raises(UnsupportedError, match="hide the reply"):
        connector.delete_comment("at://did:plc:abc/app.bsky.feed.post/3k")
