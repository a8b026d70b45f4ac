"""Every call the X connector makes, checked against X's own OpenAPI contract by Prism.

Prism invents the answers from the contract's schemas (random but schema-shaped), so these
tests also show that whatever shape the contract allows, the connector either reads it or
ends in one of the four error kinds: never a KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.connectors.base import (
    ConnectorError,
    FollowKind,
    ListenQuery,
    MediaItem,
    MessageKind,
    OutboundPost,
    ReplyTarget,
)
from civicdesk.connectors.x.connector import XConnector
from civicdesk.connectors.x.inbox import InboxCursor

from .conftest import Violations

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def settle(call: Callable[[], Any]) -> Any:
    """Run one call; a clean ConnectorError is an acceptable answer to random data."""
    try:
        return call()
    except ConnectorError as exc:
        return exc


def test_publish_post_matches_contract(prism_connector: XConnector) -> None:
    result = prism_connector.publish(
        OutboundPost(text="Road 7 is open again.", idempotency_key="k1")
    )
    # The contract gives new post ids a digits pattern, so Prism's invention is readable.
    assert result.remote_id.isdigit()
    assert result.url.endswith(f"/civicdesk/status/{result.remote_id}")


def test_thread_parts_reply_to_the_part_before(
    prism_connector: XConnector, violations: Violations
) -> None:
    result = prism_connector.publish(
        OutboundPost(
            text="1/3 Storm update.",
            idempotency_key="k2",
            link="https://gov.example/storm",
            thread=("2/3 Shelters are open.", "3/3 Call 311 for help."),
        )
    )
    assert len(result.thread_remote_ids) == 2
    assert violations.requests.count("POST /2/tweets") == 3


def test_post_with_media_and_reply_match_contract(prism_connector: XConnector) -> None:
    assert prism_connector._create_post("Look", media_ids=["1880028106020515840"]).isdigit()
    target = ReplyTarget(remote_id="1880028106020515841", kind=MessageKind.COMMENT)
    assert prism_connector.reply(target, "Thanks", idempotency_key="r").remote_id.isdigit()


def test_media_upload_and_alt_text_match_contract(
    prism_connector: XConnector, violations: Violations
) -> None:
    image = MediaItem(
        filename="map.png", content_type="image/png", data=PNG, alt_text="Map of the closed roads"
    )
    settle(lambda: prism_connector._upload(image))
    assert "POST /2/media/upload" in violations.requests
    # Prism's media ids are random words, which X never sends: the upload then stops
    # cleanly, so the alt-text call is checked on its own.
    prism_connector.request(
        "POST",
        "/2/media/metadata",
        json={"id": "1880028106020515840", "metadata": {"alt_text": {"text": "Map"}}},
    )


def test_delete_and_hide_match_contract(prism_connector: XConnector) -> None:
    # Random answers may say "not deleted": a clean refusal is a fine answer to that.
    settle(lambda: prism_connector.delete("1880028106020515840"))
    settle(lambda: prism_connector.hide("1880028106020515841"))
    settle(lambda: prism_connector.hide("1880028106020515841", hidden=False))


def test_direct_message_replies_match_contract(prism_connector: XConnector) -> None:
    by_conversation = ReplyTarget(
        remote_id="1", kind=MessageKind.DIRECT, conversation_remote_id="123-2244994945"
    )
    by_author = ReplyTarget(remote_id="1", kind=MessageKind.DIRECT, author_remote_id="123")
    for target in (by_conversation, by_author):
        settle(lambda t=target: prism_connector.reply(t, "We are on it.", idempotency_key="d"))


@pytest.mark.parametrize("round_", range(6))
def test_inbox_reads_match_contract(
    prism_connector: XConnector, violations: Violations, round_: int
) -> None:
    settle(lambda: prism_connector.fetch_inbound(None, limit=20))
    walking = InboxCursor(
        p="m", ms="1880028106020515840", mt="7140dibdnow9c7btw4232poeq0wa", mn="1880028106020515849"
    )
    settle(lambda: prism_connector.fetch_inbound(walking.dump(), limit=20))
    dms = InboxCursor(p="d", ms="1", ds="1880028106020515840", dt="18LAA5G1SL0NR5OG0G00ZZZZ")
    settle(lambda: prism_connector.fetch_inbound(dms.dump(), limit=20))
    assert {"GET /2/users/2244994945/mentions", "GET /2/dm_events"} <= set(violations.requests)


@pytest.mark.parametrize("round_", range(3))
def test_listening_reads_match_contract(
    prism_connector: XConnector, violations: Violations, round_: int
) -> None:
    for query in (
        ListenQuery(FollowKind.KEYWORD, "boil water"),
        ListenQuery(FollowKind.HASHTAG, "flood"),
        ListenQuery(FollowKind.ACCOUNT, "CityOfOttawa"),
    ):
        settle(lambda query=query: prism_connector.fetch_listening(query, None, limit=20))
        settle(
            lambda query=query: prism_connector.fetch_listening(
                query, "1880028106020515840", limit=20
            )
        )
    assert "GET /2/tweets/search/recent" in violations.requests


@pytest.mark.parametrize("round_", range(6))
def test_metric_and_check_reads_match_contract(
    prism_connector: XConnector, violations: Violations, round_: int
) -> None:
    settle(
        lambda: prism_connector.fetch_post_metrics(["1880028106020515840", "1880028106020515841"])
    )
    settle(prism_connector.fetch_account_metrics)
    settle(
        lambda: prism_connector.check_publication(
            OutboundPost(text="Road 7 is open again.", idempotency_key="k1")
        )
    )
    assert prism_connector.check_health() is not None
    assert {"GET /2/tweets", "GET /2/users/me", "GET /2/users/2244994945/tweets"} <= set(
        violations.requests
    )


def test_a_request_outside_the_contract_is_caught(
    prism_connector: XConnector, violations: Violations
) -> None:
    settle(lambda: prism_connector.request("POST", "/2/tweets", json={"txt": "typo"}))
    settle(
        lambda: prism_connector.request("GET", "/2/dm_events", params={"event_types": "Nonsense"})
    )
    assert len(violations.found) == 2, violations.found
    violations.found.clear()  # caught: the fixture's own check must not fail this test
