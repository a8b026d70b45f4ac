"""The fault matrix over real HTTP, the same for Facebook, Instagram and Threads.

Every failure of the publishing call ends in the right kind of error: Graph codes in a
400 body decide (rate limits read the usage headers), then the HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from werkzeug import Response

from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.meta.graph import next_page_params, usage_retry_after
from tests.connectors.holds import SHARED_TIMEOUT

from .conftest import JPEG, fb_connector, ig_connector, th_connector
from .fakes import (
    HELD,
    FacebookFake,
    FakeGraph,
    Held,
    InstagramFake,
    ThreadsFake,
    answer,
    graph_error,
)

BUC = json.dumps(
    {
        "2121008874780932": [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 30,
                "estimated_time_to_regain_access": 7,
            }
        ]
    }
)
APP = json.dumps({"call_count": 100, "total_time": 40, "total_cputime": 20})

FAULTS: list[tuple[str, Held | Response, type[ConnectorError], float | None]] = [
    (
        "app-limit-4",
        graph_error(4, "Application request limit reached", headers={"x-app-usage": APP}),
        RetryableError,
        60,
    ),
    ("user-limit-17", graph_error(17, "User request limit reached"), RetryableError, 60),
    (
        "page-limit-32-buc",
        graph_error(32, "Page request limit reached", headers={"x-business-use-case-usage": BUC}),
        RetryableError,
        420,
    ),
    (
        "custom-613",
        graph_error(
            613, "Calls to this api have exceeded the rate limit", headers={"retry-after": "90"}
        ),
        RetryableError,
        90,
    ),
    (
        "buc-80001",
        graph_error(
            80001,
            "There have been too many calls to this Page",
            headers={"x-business-use-case-usage": BUC},
        ),
        RetryableError,
        420,
    ),
    (
        "ig-publish-quota",
        graph_error(9, "Application request limit reached", subcode=2207042, status=403),
        RetryableError,
        3600,
    ),
    (
        "http-429",
        answer({"message": "slow down"}, status=429, headers={"retry-after": "30"}),
        RetryableError,
        30,
    ),
    ("http-429-no-reset", answer({}, status=429), RetryableError, None),
    (
        "token-190",
        graph_error(190, "Error validating access token", subcode=463),
        AuthExpiredError,
        None,
    ),
    ("token-102", graph_error(102, "Session key invalid", status=401), AuthExpiredError, None),
    ("http-401", answer({}, status=401), AuthExpiredError, None),
    ("permission-10", graph_error(10, "Application does not have permission"), RejectedError, None),
    (
        "permission-200",
        graph_error(200, "Requires pages_manage_posts permission", status=403),
        RejectedError,
        None,
    ),
    ("http-403", answer({}, status=403), RejectedError, None),
    ("invalid-100", graph_error(100, "Invalid parameter"), RejectedError, None),
    (
        "unknown-1-write",
        graph_error(1, "An unknown error occurred", status=500),
        OutcomeUnknownError,
        None,
    ),
    (
        "service-2-write",
        graph_error(2, "Service temporarily unavailable", status=503),
        OutcomeUnknownError,
        None,
    ),
    ("http-500", Response("oops", status=500), OutcomeUnknownError, None),
    ("http-503", Response("busy", status=503), RetryableError, None),
    (
        "malformed",
        Response("{not json", status=200, content_type="application/json"),
        OutcomeUnknownError,
        None,
    ),
    ("no-id", answer({"success": True}), OutcomeUnknownError, None),
    ("id-wrong-type", answer({"id": True}), OutcomeUnknownError, None),
    ("not-an-object", answer([1, 2]), OutcomeUnknownError, None),
    ("timeout", HELD, OutcomeUnknownError, None),
]


def _setup(platform: str, graph: FakeGraph, timeout: float = 0.4) -> tuple[Any, str, OutboundPost]:
    """(connector, the publishing call's path pattern, a post) for each platform."""
    if platform == "facebook":
        fake = FacebookFake(graph)
        return (
            fb_connector(graph, fake, timeout=timeout),
            f"/{fake.page_id}/feed",
            OutboundPost(text="Road update.", idempotency_key="k"),
        )
    if platform == "instagram":
        ig = InstagramFake(graph)
        return (
            ig_connector(graph, ig, timeout=timeout),
            f"/{ig.ig_id}/media_publish",
            OutboundPost(text="Road update.", idempotency_key="k", media=(JPEG,)),
        )
    th = ThreadsFake(graph)
    return (
        th_connector(graph, th, timeout=timeout),
        f"/{th.USER}/threads_publish",
        OutboundPost(text="Road update.", idempotency_key="k"),
    )


@pytest.mark.parametrize("platform", ["facebook", "instagram", "threads"])
@pytest.mark.parametrize(
    ("name", "fault", "kind", "retry_after"), FAULTS, ids=[f[0] for f in FAULTS]
)
def test_publish_fault(
    graph: FakeGraph,
    platform: str,
    name: str,
    fault: Any,
    kind: type[ConnectorError],
    retry_after: float | None,
) -> None:
    # Instagram and Threads make containers first: those answers are waited for.
    connector, path, post = _setup(platform, graph, SHARED_TIMEOUT if fault is HELD else 0.4)
    graph.fault("POST", path, fault)
    with pytest.raises(kind) as caught:
        connector.publish(post)
    assert type(caught.value) is kind or issubclass(type(caught.value), kind)
    if retry_after is not None:
        assert caught.value.retry_after == pytest.approx(retry_after)
    if kind is RejectedError and name.startswith("permission"):
        assert "permission" in caught.value.message


@pytest.mark.parametrize("platform", ["facebook", "instagram", "threads"])
def test_service_error_on_a_read_is_retryable(graph: FakeGraph, platform: str) -> None:
    connector, _, post = _setup(platform, graph)
    graph.fault(
        "GET", r"/.*", graph_error(2, "Service temporarily unavailable", transient=True), times=5
    )
    with pytest.raises(RetryableError):
        connector.check_publication(post)


@pytest.mark.parametrize("platform", ["instagram", "threads"])
def test_container_failures_publish_nothing_and_retry(graph: FakeGraph, platform: str) -> None:
    """Creating a container publishes nothing: its timeout is retryable, not unknown."""
    connector, path, post = _setup(platform, graph, SHARED_TIMEOUT)
    create = path.replace("_publish", "").replace("media_publish", "media")
    graph.fault("POST", create, HELD)
    with pytest.raises(RetryableError):
        connector.publish(post)
    assert not graph.made("POST", path)


def test_messaging_window_is_explained(graph: FakeGraph) -> None:
    from civicdesk.connectors.base import MessageKind, ReplyTarget

    fake = FacebookFake(graph)
    graph.fault(
        "POST",
        f"/{fake.page_id}/messages",
        graph_error(10, "This message is sent outside of allowed window.", subcode=2018278),
    )
    with pytest.raises(RejectedError, match="within 24 hours"):
        fb_connector(graph, fake).reply(
            ReplyTarget(remote_id="m", kind=MessageKind.DIRECT, author_remote_id="42"),
            "Hi",
            idempotency_key="k",
        )


def test_connection_refused_is_retryable() -> None:
    from civicdesk.connectors.facebook.connector import FacebookConnector

    connector = FacebookConnector(
        base_url="http://127.0.0.1:9/v24.0",
        timeout=0.5,
        credentials={"access_token": "t", "page_id": "1"},
    )
    with pytest.raises(RetryableError):
        connector.publish(OutboundPost(text="x", idempotency_key="k"))


def test_usage_headers() -> None:
    headers = httpx.Headers({"x-business-use-case-usage": BUC, "x-app-usage": APP})
    assert usage_retry_after(headers) == 420
    assert usage_retry_after(httpx.Headers({"x-app-usage": APP})) == 60
    assert usage_retry_after(httpx.Headers({"x-app-usage": '{"call_count": 20}'})) is None
    assert usage_retry_after(httpx.Headers({"x-page-usage": "not json"})) is None


def test_next_page_params_keep_the_query_but_not_the_token() -> None:
    body = {
        "paging": {
            "next": "https://graph.facebook.com/v11.0/1/comments?access_token=SECRET"
            "&limit=10&after=QVFI"
        }
    }
    assert next_page_params(body) == {"limit": "10", "after": "QVFI"}
    assert next_page_params({"paging": {"cursors": {"after": "x"}}}) is None
