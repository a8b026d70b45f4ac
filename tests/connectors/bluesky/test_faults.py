"""Every way a PDS can fail, over real HTTP from a local fake, ends in the right error kind."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    MediaItem,
    MessageKind,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    ReplyTarget,
    RetryableError,
)
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.app_password import BlueskyAppPasswordFlow
from civicdesk.connectors.bluesky.connector import (
    METRICS,
    BlueskyConnector,
    parse_cursor,
)
from tests.connectors.holds import SHARED_TIMEOUT, Holds

from .conftest import FAKE_DID, fake_connector

POST = OutboundPost(text="Water main repaired on Elm St.", idempotency_key="pub-42")
RKEY = shapes.record_key("pub-42")
URI = f"at://{FAKE_DID}/app.bsky.feed.post/{RKEY}"
CREATE = "/xrpc/com.atproto.repo.createRecord"


def xrpc_error(
    status: int, error: str, message: str = "", headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps({"error": error, "message": message or error}),
        status=status,
        content_type="application/json",
        headers=headers or {},
    )


def created(uri: str = URI) -> dict[str, Any]:
    return {"uri": uri, "cid": "bafyreicid", "commit": {"cid": "bafyc", "rev": "3l"}}


RESET = str(int(time.time()) + 120)
PUBLISH_FAULTS: list[tuple[str, Any, type[ConnectorError]]] = [
    ("401", xrpc_error(401, "AuthenticationRequired"), AuthExpiredError),
    ("expired token", xrpc_error(400, "ExpiredToken", "Token has expired"), AuthExpiredError),
    ("invalid token", xrpc_error(400, "InvalidToken"), AuthExpiredError),
    ("taken down", xrpc_error(400, "AccountTakedown"), AuthExpiredError),
    ("403", xrpc_error(403, "Forbidden"), RejectedError),
    (
        "invalid record",
        xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post"),
        RejectedError,
    ),
    ("too large", xrpc_error(413, "PayloadTooLarge"), RejectedError),
    (
        "429 with reset",
        xrpc_error(
            429,
            "RateLimitExceeded",
            headers={
                "RateLimit-Limit": "5000",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": RESET,
                "RateLimit-Policy": "5000;w=3600",
            },
        ),
        RetryableError,
    ),
    ("429 without reset", xrpc_error(429, "RateLimitExceeded"), RetryableError),
    ("500", xrpc_error(500, "InternalServerError"), OutcomeUnknownError),
    ("502", xrpc_error(502, "UpstreamFailure"), OutcomeUnknownError),
    ("503", xrpc_error(503, "NotEnoughResources"), RetryableError),
    (
        "malformed json",
        Response("{not json", status=200, content_type="application/json"),
        OutcomeUnknownError,
    ),
    (
        "no uri",
        Response(json.dumps({"cid": "bafy"}), status=200, content_type="application/json"),
        OutcomeUnknownError,
    ),
    (
        "uri of another record",
        Response(
            json.dumps(created(URI.replace(RKEY, "3jzfcijpj2z2a"))),
            status=200,
            content_type="application/json",
        ),
        OutcomeUnknownError,
    ),
    (
        "uri not a string",
        Response(json.dumps({"uri": 7, "cid": "x"}), status=200, content_type="application/json"),
        OutcomeUnknownError,
    ),
]


@pytest.mark.parametrize(
    ("name", "answer", "kind"), PUBLISH_FAULTS, ids=[f[0] for f in PUBLISH_FAULTS]
)
def test_publish_faults(
    httpserver: HTTPServer, name: str, answer: Response, kind: type[ConnectorError]
) -> None:
    if name == "429 with reset":
        # The reset is two minutes from now, whenever the test runs.
        answer.headers["RateLimit-Reset"] = str(int(time.time()) + 120)
    httpserver.expect_request(CREATE, method="POST").respond_with_response(answer)
    with fake_connector(httpserver.url_for("")) as connector, pytest.raises(kind) as caught:
        connector.publish(POST)
    assert type(caught.value) is kind or isinstance(caught.value, kind)
    if name == "429 with reset":
        assert caught.value.retry_after is not None
        assert 100 < caught.value.retry_after <= 120
        assert caught.value.platform_code == "RateLimitExceeded"
    if name == "429 without reset":
        assert caught.value.retry_after is None


def test_publish_timeout_is_an_unknown_outcome(httpserver: HTTPServer, holds: Holds) -> None:
    def late(request: Request) -> Response:
        holds.hold()  # until the client has given up
        return Response(json.dumps(created()), content_type="application/json")

    httpserver.expect_request(CREATE).respond_with_handler(late)
    with fake_connector(httpserver.url_for(""), timeout=SHARED_TIMEOUT) as connector:
        with pytest.raises(OutcomeUnknownError):
            connector.publish(POST)
    holds.wait_reached(1)  # it was the create request that went unanswered


def test_publish_asks_for_the_derived_record_key(httpserver: HTTPServer) -> None:
    seen: list[dict[str, Any]] = []

    def record(request: Request) -> Response:
        seen.append(request.get_json())
        return Response(json.dumps(created()), content_type="application/json")

    httpserver.expect_request(CREATE).respond_with_handler(record)
    with fake_connector(httpserver.url_for("")) as connector:
        result = connector.publish(POST)
        assert connector.publish(POST).remote_id == result.remote_id == URI
    assert seen[0]["rkey"] == seen[1]["rkey"] == RKEY
    assert seen[0]["repo"] == FAKE_DID and seen[0]["record"]["text"] == POST.text
    assert result.url == f"https://bsky.app/profile/cityhall.example/post/{RKEY}"


def test_record_keys_are_valid_stable_tids() -> None:
    keys = {shapes.record_key(f"k{n}", part) for n in range(200) for part in (0, 1)}
    assert len(keys) == 400
    for key in keys:
        assert len(key) == 13 and key[0] in "234567abcdefghij"
        assert set(key) <= set(shapes.TID_ALPHABET)
    assert shapes.record_key("same") == shapes.record_key("same")
    assert shapes.record_key("same", 1) != shapes.record_key("same")


def test_check_publication(httpserver: HTTPServer) -> None:
    path = "/xrpc/com.atproto.repo.getRecord"
    httpserver.expect_oneshot_request(
        path,
        query_string={
            "repo": FAKE_DID,
            "collection": "app.bsky.feed.post",
            "rkey": RKEY,
        },
    ).respond_with_json({"uri": URI, "cid": "bafy", "value": {"text": POST.text}})
    httpserver.expect_oneshot_request(path).respond_with_response(
        xrpc_error(400, "RecordNotFound", "Could not locate record")
    )
    httpserver.expect_oneshot_request(path).respond_with_response(xrpc_error(500, "Internal"))
    httpserver.expect_oneshot_request(path).respond_with_json({"uri": "nope", "cid": "x"})
    with fake_connector(httpserver.url_for("")) as connector:
        found = connector.check_publication(POST)
        assert found is not None and found.remote_id == URI
        assert connector.check_publication(POST) is None
        with pytest.raises(RetryableError):
            connector.check_publication(POST)
        with pytest.raises(RetryableError):
            connector.check_publication(POST)


def test_missing_session_needs_reconnecting() -> None:
    with BlueskyConnector(base_url="http://127.0.0.1:9", credentials={}) as connector:
        with pytest.raises(AuthExpiredError):
            connector.publish(POST)


def test_images_and_video_are_checked_before_anything_is_sent() -> None:
    big = MediaItem("big.png", "image/png", b"0" * 1_000_001)
    video = MediaItem("clip.mp4", "video/mp4", b"0")
    other = MediaItem("clip.webm", "video/webm", b"0")
    huge = MediaItem("clip.mp4", "video/mp4", b"0" * 100_000_001)
    with fake_connector("http://127.0.0.1:9") as connector:
        for media in ((big,), (video, big), (video,) * 5, (other,), (huge,)):
            with pytest.raises(RejectedError):
                connector.publish(OutboundPost(text="x", idempotency_key="k", media=media))


def test_direct_messages_are_refused_plainly() -> None:
    with fake_connector("http://127.0.0.1:9") as connector:
        with pytest.raises(RejectedError, match="chat service"):
            connector.reply(
                ReplyTarget(remote_id="convo", kind=MessageKind.DIRECT), "hi", idempotency_key="k"
            )


# Inbox mapping and paging


def notification(n: int, at: datetime, *, reason: str = "reply", root: str = URI) -> dict[str, Any]:
    uri = f"at://did:plc:resident{n:04d}aaaaaaaaaaaa/app.bsky.feed.post/3kx{n:010d}"
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": f"message {n}",
        "createdAt": at.isoformat().replace("+00:00", "Z"),
    }
    if reason == "reply":
        record["reply"] = {"root": {"uri": root, "cid": "c"}, "parent": {"uri": root, "cid": "c"}}
    return {
        "uri": uri,
        "cid": f"cid{n}",
        "reason": reason,
        "record": record,
        "author": {
            "did": f"did:plc:resident{n:04d}aaaaaaaaaaaa",
            "handle": f"r{n}.test",
            "displayName": f"Resident {n}",
        },
        "isRead": False,
        "indexedAt": at.isoformat().replace("+00:00", "Z"),
        "labels": [],
    }


class FakeNotifications:
    """listNotifications as the AppView pages it: newest first, cursor going back in time."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.calls = 0

    def handle(self, request: Request) -> Response:
        self.calls += 1
        limit = int(request.args.get("limit", 50))
        ordered = sorted(self.items, key=lambda i: i["indexedAt"], reverse=True)
        if request.args.get("cursor"):
            ordered = [i for i in ordered if i["indexedAt"] < request.args["cursor"]]
        page = ordered[:limit]
        body: dict[str, Any] = {"notifications": page}
        if len(ordered) > limit:
            body["cursor"] = page[-1]["indexedAt"]
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def inbox(httpserver: HTTPServer) -> FakeNotifications:
    fake = FakeNotifications()
    httpserver.expect_request("/xrpc/app.bsky.notification.listNotifications").respond_with_handler(
        fake.handle
    )
    return fake


def test_inbox_pages_oldest_first_without_loss_or_doubles(
    httpserver: HTTPServer, inbox: FakeNotifications
) -> None:
    start = datetime.now(UTC) - timedelta(hours=2)
    inbox.items = [notification(n, start + timedelta(seconds=n)) for n in range(250)]
    inbox.items.append(notification(999, start, reason="like"))  # not for the inbox
    got: list[str] = []
    cursor: str | None = None
    with fake_connector(httpserver.url_for("")) as connector:
        for _ in range(10):
            page = connector.fetch_inbound(cursor, limit=100)
            got += [m.remote_id for m in page.messages]
            if page.next_cursor is not None:
                cursor = page.next_cursor
                assert len(cursor) <= 500
            if not page.has_more:
                break
        assert len(got) == len(set(got)) == 250
        assert got == sorted(got)  # oldest first, in order
        # New messages, including one that shows up late with an older time.
        late = notification(500, start - timedelta(minutes=5))
        inbox.items += [notification(300, datetime.now(UTC)), late]
        page = connector.fetch_inbound(cursor)
        assert {m.remote_id for m in page.messages} == {late["uri"], inbox.items[-2]["uri"]}
        assert page.next_cursor is not None
        quiet = connector.fetch_inbound(page.next_cursor)
        assert quiet.messages == [] and quiet.next_cursor is None


def test_inbox_mapping(httpserver: HTTPServer, inbox: FakeNotifications) -> None:
    at = datetime.now(UTC) - timedelta(minutes=1)
    other_root = "at://did:plc:someoneelseaaaaaaaaaaaa/app.bsky.feed.post/3kabc"
    inbox.items = [
        notification(1, at),
        notification(2, at, reason="mention"),
        notification(3, at, reason="quote"),
        notification(4, at, root=other_root),
    ]
    with fake_connector(httpserver.url_for("")) as connector:
        page = connector.fetch_inbound(None)
    by_id = {m.remote_id: m for m in page.messages}
    reply = by_id[inbox.items[0]["uri"]]
    assert reply.kind == MessageKind.REPLY and reply.text == "message 1"
    assert reply.author.handle == "r1.test" and reply.author.display_name == "Resident 1"
    assert reply.root_post_remote_id == URI == reply.conversation_remote_id
    assert reply.url.startswith("https://bsky.app/profile/r1.test/post/")
    assert by_id[inbox.items[1]["uri"]].kind == MessageKind.MENTION
    assert by_id[inbox.items[2]["uri"]].kind == MessageKind.MENTION
    foreign = by_id[inbox.items[3]["uri"]]
    assert foreign.root_post_remote_id == "" and foreign.conversation_remote_id == other_root


@pytest.mark.parametrize(
    "broken",
    [
        {"notifications": "nope"},
        {"notifications": [{"uri": "x", "reason": "reply"}]},
        {
            "notifications": [
                {
                    "reason": "reply",
                    "indexedAt": "2025-01-01T00:00:00Z",
                    "uri": URI,
                    "record": {},
                    "author": {"did": "d"},
                }
            ]
        },
        [],
    ],
)
def test_inbox_bad_shapes_are_retryable(httpserver: HTTPServer, broken: Any) -> None:
    httpserver.expect_request("/xrpc/app.bsky.notification.listNotifications").respond_with_json(
        broken
    )
    with fake_connector(httpserver.url_for("")) as connector, pytest.raises(RetryableError):
        connector.fetch_inbound(None)


def test_inbox_cursor_is_ours() -> None:
    with pytest.raises(RejectedError):
        parse_cursor("not-a-time")
    since, counts = parse_cursor("2025-01-01T00:00:00+00:00 29000000:3,29000001:1")
    assert since == datetime(2025, 1, 1, tzinfo=UTC) and counts == {29000000: 3, 29000001: 1}
    with pytest.raises(RejectedError):
        parse_cursor("2025-01-01T00:00:00+00:00 x:y")


# Metrics


def test_metrics_mapping_missing_is_none(httpserver: HTTPServer) -> None:
    gone = URI.replace(RKEY, "3jzfcijpj2z2a")
    httpserver.expect_request("/xrpc/app.bsky.feed.getPosts").respond_with_json(
        {
            "posts": [
                {"uri": URI, "cid": "c", "likeCount": 4, "repostCount": 1, "quoteCount": 2},
            ]
        }
    )
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_json(
        {"did": FAKE_DID, "handle": "cityhall.example", "followersCount": 12}
    )
    with fake_connector(httpserver.url_for("")) as connector:
        [metrics] = connector.fetch_post_metrics([URI, gone, "not-a-uri"])
        account = connector.fetch_account_metrics()
    assert (metrics.likes, metrics.reposts, metrics.replies) == (4, 1, None)
    assert metrics.impressions is None and metrics.reach is None and metrics.clicks is None
    assert account.followers == 12 and account.posts is None and account.following is None
    assert METRICS.reports("likes") and not METRICS.reports("impressions")


def test_metrics_bad_shape_is_retryable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/xrpc/app.bsky.feed.getPosts").respond_with_json(
        {"posts": [{"uri": URI, "likeCount": "many"}]}
    )
    with fake_connector(httpserver.url_for("")) as connector, pytest.raises(RetryableError):
        connector.fetch_post_metrics([URI])


# Authorization


def session(**extra: Any) -> dict[str, Any]:
    exp = int(time.time()) + 7200
    claims = json.dumps({"scope": "com.atproto.appPass", "sub": FAKE_DID, "exp": exp}).encode()
    import base64

    payload = base64.urlsafe_b64encode(claims).rstrip(b"=").decode()
    return {
        "accessJwt": f"e30.{payload}.sig",
        "refreshJwt": "refresh-2",
        "did": FAKE_DID,
        "handle": "cityhall.example",
        **extra,
    }


def test_sign_in_finds_the_pds_in_the_session_did_document(httpserver: HTTPServer) -> None:
    pds = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(
        "/xrpc/com.atproto.server.createSession",
        method="POST",
        json={"identifier": "press@example.org", "password": "abcd-efgh-ijkl-mnop"},
    ).respond_with_json(
        session(
            didDoc={
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": pds + "/",
                    }
                ]
            }
        )
    )
    flow = BlueskyAppPasswordFlow(base_url="https://entryway.invalid")
    [account] = flow.finish(
        redirect_uri="",
        pending={},
        params={
            "identifier": "press@example.org",
            "app_password": "abcd-efgh-ijkl-mnop",
            "server": pds,
        },
    )
    assert account.api_base_url == pds and account.remote_id == FAKE_DID
    assert account.credentials["refresh_token"] == "refresh-2"
    assert account.expires_at is not None and account.expires_at > datetime.now(UTC)


def test_refresh_keeps_the_stored_refresh_token(httpserver: HTTPServer) -> None:
    without = session()
    without.pop("refreshJwt")
    httpserver.expect_oneshot_request(
        "/xrpc/com.atproto.server.refreshSession",
        method="POST",
        headers={"Authorization": "Bearer refresh-1"},
    ).respond_with_json(without)
    httpserver.expect_oneshot_request(
        "/xrpc/com.atproto.server.refreshSession"
    ).respond_with_response(xrpc_error(400, "ExpiredToken", "Token has been revoked"))
    stored = {
        "access_token": "old",
        "refresh_token": "refresh-1",
        "did": FAKE_DID,
        "pds": httpserver.url_for("").rstrip("/"),
    }
    flow = BlueskyAppPasswordFlow()
    fresh = flow.refresh(stored)
    assert fresh["refresh_token"] == "refresh-1" and fresh["access_token"] != "old"
    assert fresh["expires_at"]
    with pytest.raises(AuthExpiredError):
        flow.refresh(stored)


def test_sign_in_refuses_bad_input_and_wrong_passwords(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
    )
    flow = BlueskyAppPasswordFlow()
    with pytest.raises(RejectedError):
        flow.finish(redirect_uri="", pending={}, params={"identifier": "", "app_password": ""})
    with pytest.raises(RejectedError, match="wrong handle or app password"):
        flow.finish(
            redirect_uri="",
            pending={},
            params={
                "identifier": "a.example",
                "app_password": "x",
                "server": httpserver.url_for(""),
            },
        )
