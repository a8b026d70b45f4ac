"""The connector checks every answer's shape: a bad write is unknown, a bad read retryable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from civicdesk.connectors.base import (
    AuthExpiredError,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.exnet.connector import ExnetConnector

POST = OutboundPost(text="hello", idempotency_key="k")


def connector(
    answer: Callable[[httpx.Request], httpx.Response], token: str = "t"
) -> ExnetConnector:
    client = httpx.Client(transport=httpx.MockTransport(answer))
    return ExnetConnector(
        base_url="http://exnet.test/api", credentials={"token": token}, client=client
    )


def body(data: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=json.dumps(data).encode())


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"id": None},
        {"id": True},
        {"id": ["1"]},
        [],
        "x",
        {"id": "1", "url": 5},
        {"id": "1", "created_at": "yesterday"},
    ],
)
def test_bad_answers_to_writes_are_unknown_outcomes(data: Any) -> None:
    with pytest.raises(OutcomeUnknownError):
        connector(body(data, 201)).publish(POST)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"events": "x", "next_after": 0, "has_more": False},
        {"events": [], "next_after": "1", "has_more": False},
        {"events": [], "next_after": 0, "has_more": "no"},
        {"events": [{"kind": "comment"}], "next_after": 1, "has_more": False},
        {"events": [{"kind": "shout", "id": "1"}], "next_after": 1, "has_more": False},
        {
            "events": [
                {
                    "kind": "comment",
                    "id": "1",
                    "text": "x",
                    "created_at": "2025-01-01T00:00:00Z",
                    "author": {"id": "2"},
                }
            ],
            "next_after": 1,
            "has_more": False,
        },
    ],
)
def test_bad_inbox_answers_are_retryable(data: Any) -> None:
    with pytest.raises(RetryableError):
        connector(body(data)).fetch_inbound(None)


def test_bad_reads_elsewhere_are_retryable() -> None:
    with pytest.raises(RetryableError):
        connector(body({"posts": [{"no": "id"}]})).check_publication(POST)
    with pytest.raises(RetryableError):
        connector(body({"posts": {}})).check_publication(POST)
    with pytest.raises(RetryableError):
        connector(body({"followers": "many"})).fetch_account_metrics()
    with pytest.raises(RetryableError):
        connector(body({"likes": -1})).fetch_post_metrics(["1"])


def test_auth_and_rejections() -> None:
    with pytest.raises(AuthExpiredError):
        connector(body({"error": "unauthorized"}, 401)).fetch_inbound(None)
    with pytest.raises(AuthExpiredError):
        connector(body({}), token="").publish(POST)
    with pytest.raises(RejectedError):
        connector(body({"detail": "too long"}, 400)).publish(POST)
    with pytest.raises(RejectedError):
        connector(body({})).fetch_inbound("not-a-number")
    assert connector(body({}, 404)).fetch_post_metrics(["7"]) == []
    assert not connector(body({}, 500)).check_health().ok
