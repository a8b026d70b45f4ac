"""Moderation on Mastodon: an account can block another (checked against a real instance's
recorded answer and against the API description); it cannot delete other people's posts and
says so."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors.base import (
    Capability,
    OutcomeUnknownError,
    RemoteAuthor,
    UnsupportedError,
)
from civicdesk.connectors.mastodon.connector import MastodonConnector

from .conftest import ContractLog, connector_at, replay

BLOCKED = RemoteAuthor(remote_id="117020457624302809", handle="admin")


def test_block_reads_a_real_instance_answer(httpserver: HTTPServer) -> None:
    replay(httpserver, "test_account_block_unblock.yaml", skip=("verify_credentials", "unblock"))
    connector_at(httpserver).block(BLOCKED)
    assert [(r.method, r.path) for r, _ in httpserver.log] == [
        ("POST", "/api/v1/accounts/117020457624302809/block")
    ]


def test_an_answer_that_does_not_say_blocked_is_an_unknown_outcome(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(
        "/api/v1/accounts/117020457624302809/block", method="POST"
    ).respond_with_json({"id": "117020457624302809", "blocking": False})
    with pytest.raises(OutcomeUnknownError):
        connector_at(httpserver).block(BLOCKED)


def test_block_follows_the_contract(
    prism_connector: MastodonConnector, contract_log: ContractLog
) -> None:
    # The mock answers from the schema; only the request's validity is in question here.
    try:
        prism_connector.block(BLOCKED)
    except OutcomeUnknownError:
        pass
    assert "POST /api/v1/accounts/117020457624302809/block" in contract_log.requests
    contract_log.assert_clean()


def test_deleting_someone_elses_reply_is_refused_in_plain_words(httpserver: HTTPServer) -> None:
    connector = connector_at(httpserver)
    assert not connector.supports(Capability.DELETE_COMMENT)
    assert connector.supports(Capability.BLOCK)
    with pytest.raises(UnsupportedError, match="does not let an account delete other people"):
        connector.delete_comment("103270115826048975")
    assert httpserver.log == []
