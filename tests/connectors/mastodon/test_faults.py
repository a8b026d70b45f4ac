"""The fault matrix over real HTTP: each failure of the instance ends in the right error kind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    MediaItem,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    RetryableError,
)
from tests.connectors.holds import CLIENT_TIMEOUT, SHARED_TIMEOUT, Holds

from .conftest import connector_at

POST = OutboundPost(text="Ferry sailings resume at noon.", idempotency_key="key-1")
STATUS = {
    "id": "1100",
    "created_at": "2026-11-20T10:00:00.000Z",
    "url": "https://i.example/@a/1100",
}


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def reset_in(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


FAULTS: list[tuple[str, Response, type[ConnectorError]]] = [
    ("401", json_response({"error": "The access token is invalid"}, 401), AuthExpiredError),
    (
        "403-scope",
        json_response({"error": "This action is outside the authorized scopes"}, 403),
        AuthExpiredError,
    ),
    ("403-other", json_response({"error": "This action is not allowed"}, 403), RejectedError),
    ("422", json_response({"error": "Validation failed: Text can't be blank"}, 422), RejectedError),
    ("429-no-reset", json_response({"error": "Too many requests"}, 429), RetryableError),
    ("500", json_response({"error": "boom"}, 500), OutcomeUnknownError),
    ("502", Response("<html>Bad gateway</html>", status=502), OutcomeUnknownError),
    ("503", json_response({"error": "maintenance"}, 503), RetryableError),
    (
        "malformed",
        Response("{not json", status=200, content_type="application/json"),
        OutcomeUnknownError,
    ),
    ("no-id", json_response({"created_at": "2026-11-20T10:00:00Z"}), OutcomeUnknownError),
    ("id-wrong-type", json_response({"id": {"n": 1}}), OutcomeUnknownError),
    ("not-an-object", json_response(["1100"]), OutcomeUnknownError),
    ("bad-time", json_response({"id": "1100", "created_at": "yesterday"}), OutcomeUnknownError),
]


@pytest.mark.parametrize(("name", "answer", "kind"), FAULTS, ids=[f[0] for f in FAULTS])
def test_publish_fault(
    httpserver: HTTPServer, name: str, answer: Response, kind: type[ConnectorError]
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_response(answer)
    with pytest.raises(kind):
        connector_at(httpserver).publish(POST)


def test_rate_limit_waits_until_the_reset(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_response(
        json_response(
            {"error": "Too many requests"},
            429,
            **{
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset_in(120),
            },
        )
    )
    with pytest.raises(RetryableError) as caught:
        connector_at(httpserver).publish(POST)
    assert caught.value.retry_after is not None and 110 <= caught.value.retry_after <= 120


def test_rate_limit_on_a_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/notifications").respond_with_response(
        json_response({"error": "Too many requests"}, 429, **{"X-RateLimit-Reset": reset_in(30)})
    )
    with pytest.raises(RetryableError) as caught:
        connector_at(httpserver).fetch_inbound("5")
    assert caught.value.retry_after is not None and caught.value.retry_after > 20


def test_publish_timeout_is_an_unknown_outcome(httpserver: HTTPServer, holds: Holds) -> None:
    def late(request: Request) -> Response:
        holds.hold()  # until the client has given up
        return json_response(STATUS)

    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(late)
    with pytest.raises(OutcomeUnknownError):
        # The instance's limits are asked first, and answered.
        connector_at(httpserver, timeout=SHARED_TIMEOUT).publish(POST)
    holds.wait_reached(1)  # it was the status request that went unanswered


def test_read_timeout_is_retryable(httpserver: HTTPServer, holds: Holds) -> None:
    def late(request: Request) -> Response:
        holds.hold()
        return json_response([])

    httpserver.expect_request("/api/v1/notifications").respond_with_handler(late)
    with pytest.raises(RetryableError):
        connector_at(httpserver, timeout=CLIENT_TIMEOUT).fetch_inbound(None)


def test_nothing_listening_is_retryable() -> None:
    from civicdesk.connectors.mastodon.connector import MastodonConnector
    from tests.connectors.peers import free_port

    connector = MastodonConnector(
        base_url=f"http://127.0.0.1:{free_port()}",
        credentials={"access_token": "t", "account_id": "1"},
    )
    with pytest.raises(RetryableError):
        connector.publish(POST)


def test_missing_token_needs_reconnecting(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    connector = connector_at(httpserver)
    connector.credentials = {}
    with pytest.raises(AuthExpiredError):
        connector.publish(POST)


def test_too_long_for_this_instance_is_refused_before_sending(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        {"configuration": {"statuses": {"max_characters": 20, "characters_reserved_per_url": 23}}}
    )
    with pytest.raises(RejectedError, match="allows 20"):
        connector_at(httpserver).publish(POST)
    assert all(r.path != "/api/v1/statuses" for r, _ in httpserver.log)


def test_links_count_as_the_instance_says(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        {"configuration": {"statuses": {"max_characters": 40, "characters_reserved_per_url": 10}}}
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(STATUS)
    text = "See https://roads.example.org/" + "x" * 60
    assert connector_at(httpserver).publish(OutboundPost(text=text, idempotency_key="k"))


def test_idempotency_key_is_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request(
        "/api/v1/statuses", method="POST", headers={"Idempotency-Key": "key-1"}
    ).respond_with_json(STATUS)
    result = connector_at(httpserver).publish(POST)
    assert result.remote_id == "1100"
    assert result.url == "https://i.example/@a/1100"


def test_thread_part_failing_after_the_first_is_an_unknown_outcome(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_oneshot_request("/api/v1/statuses", method="POST").respond_with_json(STATUS)
    httpserver.expect_oneshot_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "Validation failed"}, status=422
    )
    post = OutboundPost(text="Part one.", idempotency_key="t", thread=("Part two.",))
    # The first part is public: a refusal of the second must not mark the post as failed.
    with pytest.raises(OutcomeUnknownError):
        connector_at(httpserver).publish(post)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(200, None), (202, None), (422, RejectedError), (500, RetryableError), (503, RetryableError)],
)
def test_media_upload(
    httpserver: HTTPServer, status: int, kind: type[ConnectorError] | None
) -> None:
    media = {"id": "77", "type": "image", "url": "https://i.example/m/77.png"}
    if status == 202:
        media = {**media, "url": None}
        httpserver.expect_oneshot_request("/api/v1/media/77").respond_with_json(
            {**media, "url": None}, status=206
        )
        httpserver.expect_oneshot_request("/api/v1/media/77").respond_with_json(
            {**media, "url": "https://i.example/m/77.png"}
        )
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request("/api/v2/media", method="POST").respond_with_json(
        media if status < 400 else {"error": "nope"}, status=status
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(STATUS)
    post = OutboundPost(
        text="Map.",
        idempotency_key="m",
        media=(MediaItem("map.png", "image/png", b"png", alt_text="A map"),),
    )
    if kind is not None:
        with pytest.raises(kind):
            connector_at(httpserver).publish(post)
        return
    connector_at(httpserver).publish(post)
    upload = next(r for r, _ in httpserver.log if r.path == "/api/v2/media")
    assert upload.form["description"] == "A map"
    assert upload.files["file"].filename == "map.png"
    sent = next(r for r, _ in httpserver.log if r.path == "/api/v1/statuses")
    assert sent.get_json()["media_ids"] == ["77"]


def test_media_still_processing_is_retryable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json({})
    httpserver.expect_request("/api/v2/media", method="POST").respond_with_json(
        {"id": "78", "url": None}, status=202
    )
    httpserver.expect_request("/api/v1/media/78").respond_with_json(
        {"id": "78", "url": None}, status=206
    )
    post = OutboundPost(
        text="Map.", idempotency_key="m", media=(MediaItem("v.mp4", "video/mp4", b"mp4"),)
    )
    with pytest.raises(RetryableError, match="processing"):
        connector_at(httpserver).publish(post)
    assert not any(r.path == "/api/v1/statuses" for r, _ in httpserver.log)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Response("{oops", status=200, content_type="application/json"), RetryableError),
        (json_response({"not": "a list"}), RetryableError),
        (json_response([{"id": "9", "type": "mention", "status": {"id": "x y"}}]), RetryableError),
        (json_response([{"id": "3", "type": "mention", "status": None}]), RetryableError),
        (json_response({"error": "boom"}, 500), RetryableError),
        (json_response({"error": "The access token is invalid"}, 401), AuthExpiredError),
    ],
)
def test_inbox_faults(httpserver: HTTPServer, answer: Response, kind: type[ConnectorError]) -> None:
    httpserver.expect_request("/api/v1/notifications").respond_with_response(answer)
    with pytest.raises(kind):
        connector_at(httpserver).fetch_inbound("5")


def test_delete_of_a_status_already_gone_is_done(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/statuses/1100", method="DELETE").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    connector_at(httpserver).delete("1100")


def test_delete_refuses_a_foreign_id() -> None:
    from civicdesk.connectors.mastodon.connector import MastodonConnector

    with pytest.raises(RejectedError):
        MastodonConnector(base_url="http://127.0.0.1:9", credentials={"access_token": "t"}).delete(
            "../admin"
        )
