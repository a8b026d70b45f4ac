"""Every call the connector makes, validated by Prism against Mastodon's API description."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.connectors.base import MediaItem, MessageKind, OutboundPost, ReplyTarget
from civicdesk.connectors.mastodon.auth import MastodonAuthFlow
from civicdesk.connectors.mastodon.connector import MastodonConnector
from civicdesk.connectors.mastodon.shapes import is_id

from .conftest import ContractLog

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_publish_text_link_and_language(
    prism_connector: MastodonConnector, contract_log: ContractLog
) -> None:
    result = prism_connector.publish(
        OutboundPost(
            text="Highway 1 is closed at Exit 12.",
            idempotency_key="pub-1",
            language="en-CA",
            link="https://roads.example.org/h1",
        )
    )
    assert result.remote_id.isdigit()
    assert result.published_at is not None
    contract_log.assert_clean()
    assert "GET /api/v2/instance" in contract_log.requests


def test_publish_media_and_thread(
    prism_connector: MastodonConnector, contract_log: ContractLog
) -> None:
    result = prism_connector.publish(
        OutboundPost(
            text="Detour map attached.",
            idempotency_key="pub-2",
            media=(MediaItem("map.png", "image/png", PNG, alt_text="Map of the detour"),),
            thread=("Second part.", "Third part."),
        )
    )
    assert len(result.thread_remote_ids) == 2
    assert "POST /api/v2/media" in contract_log.requests
    assert contract_log.requests.count("POST /api/v1/statuses") == 3
    contract_log.assert_clean()


def test_delete_check_and_metrics(
    prism_connector: MastodonConnector, contract_log: ContractLog
) -> None:
    prism_connector.delete("103270115826048975")
    # The mock's statuses are not ours, so the post is certainly not there.
    found = prism_connector.check_publication(
        OutboundPost(text="Nothing like the example status.", idempotency_key="k")
    )
    assert found is None
    metrics = prism_connector.fetch_post_metrics(["103270115826048975"])
    assert all(m.impressions is None for m in metrics)
    account = prism_connector.fetch_account_metrics()
    assert account.impressions is None
    contract_log.assert_clean()


def test_inbox_and_reply(prism_connector: MastodonConnector, contract_log: ContractLog) -> None:
    page = prism_connector.fetch_inbound(None, limit=40)
    assert page.next_cursor is None or is_id(page.next_cursor)
    for message in page.messages:
        assert message.kind in set(MessageKind)
    prism_connector.reply(
        ReplyTarget(remote_id="103270115826048975", kind=MessageKind.MENTION),
        "Thanks, we are on it.",
        idempotency_key="reply-1",
    )
    prism_connector.reply(
        ReplyTarget(remote_id="103270115826048975", kind=MessageKind.DIRECT),
        "Sent you the details.",
        idempotency_key="reply-2",
    )
    contract_log.assert_clean()


def test_instance_rules(prism_connector: MastodonConnector, contract_log: ContractLog) -> None:
    rules = prism_connector.instance_rules()
    assert rules.max_length > 0
    contract_log.assert_clean()


def test_auth_flow(mastodon_prism: str, prism_client: Any, contract_log: ContractLog) -> None:
    flow = MastodonAuthFlow(client=prism_client)
    start = flow.start(
        redirect_uri="https://desk.example.org/connect/mastodon",
        state="s1",
        instance=mastodon_prism,
    )
    assert "code_challenge_method=S256" in start.url
    accounts = flow.finish(
        redirect_uri="https://desk.example.org/connect/mastodon",
        params={"code": "c", "state": "s1"},
        pending=start.pending,
    )
    assert accounts[0].credentials["access_token"]
    assert accounts[0].api_base_url == mastodon_prism
    flow.revoke(accounts[0].credentials)
    contract_log.assert_clean()


@pytest.mark.parametrize("bad", [{"visibility": "everyone"}])
def test_the_contract_check_catches_a_bad_request(
    prism_connector: MastodonConnector, contract_log: ContractLog, bad: dict[str, str]
) -> None:
    # Proof that the peer validates: a request outside the contract is reported.
    prism_connector.client.post(
        f"{prism_connector.base_url}/api/v1/statuses",
        json=bad,
        headers={"Authorization": "Bearer t"},
    )
    assert contract_log.violations
