"""Every failure YouTube can answer with ends in the right kind of error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    MessageKind,
    OutcomeUnknownError,
    RejectedError,
    ReplyTarget,
    RetryableError,
)
from civicdesk.connectors.youtube.connector import (
    YouTubeConnector,
    next_pacific_midnight,
    seconds_until_quota_reset,
)

from .conftest import Peer
from .fake import CHANNEL_ID, Fault, google_error

QUOTA = google_error(
    403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."
)


FAULTS = [
    ("unauthorized", Fault(status=401, body=google_error(401, "authError")), AuthExpiredError),
    (
        "scope",
        Fault(status=403, body=google_error(403, "insufficientPermissions")),
        AuthExpiredError,
    ),
    ("quota", Fault(status=403, body=QUOTA), RetryableError),
    ("rate", Fault(status=403, body=google_error(403, "rateLimitExceeded")), RetryableError),
    (
        "user-rate",
        Fault(status=403, body=google_error(403, "userRateLimitExceeded")),
        RetryableError,
    ),
    ("too-many", Fault(status=429, headers={"Retry-After": "7"}), RetryableError),
    ("forbidden", Fault(status=403, body=google_error(403, "forbidden")), RejectedError),
    ("bad", Fault(status=400, body=google_error(400, "invalidValue")), RejectedError),
    ("unavailable", Fault(status=503), RetryableError),
]
READ_ONLY = [
    ("server", Fault(status=500), RetryableError),
    ("timeout", Fault(hold=True), RetryableError),
    ("malformed", Fault(malformed=True), RetryableError),
    ("wrong-shape", Fault(body={"items": [{"id": 5}]}), RetryableError),
    ("no-items", Fault(body={"kind": "youtube#commentThreadListResponse"}), RetryableError),
]
WRITE_ONLY = [
    ("server", Fault(status=500), OutcomeUnknownError),
    ("timeout", Fault(hold=True), OutcomeUnknownError),
    ("malformed", Fault(malformed=True), OutcomeUnknownError),
    ("no-id", Fault(body={"kind": "youtube#comment", "snippet": {}}), OutcomeUnknownError),
]


@pytest.mark.parametrize(
    ("name", "fault", "kind"), FAULTS + READ_ONLY, ids=[f[0] for f in FAULTS + READ_ONLY]
)
def test_inbox_faults(
    youtube: Peer, connector: YouTubeConnector, name: str, fault: Fault, kind: type[ConnectorError]
) -> None:
    youtube.fake.add_thread("t1", "hi", published="2026-11-20T08:00:00Z")
    youtube.fake.fail("youtube.commentThreads.list", fault)
    with pytest.raises(kind):
        connector.fetch_inbound(None)
    if fault.hold:
        youtube.fake.holds.wait_reached(1)  # the fault is used up before the next read
    # The fault passed; the same cursor now brings the comment.
    assert [m.remote_id for m in connector.fetch_inbound(None).messages] == ["t1"]


@pytest.mark.parametrize(
    ("name", "fault", "kind"), FAULTS + WRITE_ONLY, ids=[f[0] for f in FAULTS + WRITE_ONLY]
)
def test_reply_faults(
    youtube: Peer, connector: YouTubeConnector, name: str, fault: Fault, kind: type[ConnectorError]
) -> None:
    youtube.fake.add_thread("t1", "hi", published="2026-11-20T08:00:00Z")
    youtube.fake.fail("youtube.comments.insert", fault)
    with pytest.raises(kind):
        connector.reply(
            ReplyTarget(remote_id="t1", kind=MessageKind.COMMENT), "hello", idempotency_key="k"
        )


def test_quota_waits_until_midnight_pacific(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.fail("youtube.comments.insert", Fault(status=403, body=QUOTA))
    before = seconds_until_quota_reset()
    with pytest.raises(RetryableError) as caught:
        connector.reply(
            ReplyTarget(remote_id="t1", kind=MessageKind.COMMENT), "x", idempotency_key="k"
        )
    error = caught.value
    assert error.platform_code == "quotaExceeded" and error.status == 403
    assert error.retry_after is not None and abs(error.retry_after - before) < 5
    assert "midnight Pacific" in str(error)


def test_rate_limits_use_retry_after_or_a_short_default(
    youtube: Peer, connector: YouTubeConnector
) -> None:
    youtube.fake.fail(
        "youtube.videos.list", Fault(status=403, body=google_error(403, "rateLimitExceeded"))
    )
    with pytest.raises(RetryableError) as caught:
        connector.fetch_post_metrics(["v"])
    assert caught.value.retry_after == 60
    youtube.fake.fail("youtube.videos.list", Fault(status=429, headers={"Retry-After": "7"}))
    with pytest.raises(RetryableError) as caught:
        connector.fetch_post_metrics(["v"])
    assert caught.value.retry_after == 7


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        # Winter (PST, UTC-8) and summer (PDT, UTC-7), and the evening before.
        (datetime(2026, 1, 10, 12, 0, tzinfo=UTC), datetime(2026, 1, 11, 8, 0, tzinfo=UTC)),
        (datetime(2026, 7, 10, 12, 0, tzinfo=UTC), datetime(2026, 7, 11, 7, 0, tzinfo=UTC)),
        (datetime(2026, 7, 11, 6, 59, tzinfo=UTC), datetime(2026, 7, 11, 7, 0, tzinfo=UTC)),
        # The day daylight saving time ends in California.
        (datetime(2026, 11, 1, 12, 0, tzinfo=UTC), datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
    ],
)
def test_next_pacific_midnight(now: datetime, reset: datetime) -> None:
    assert next_pacific_midnight(now) == reset
    assert seconds_until_quota_reset(now) == (reset - now).total_seconds()


def test_expired_token_and_missing_credentials(youtube: Peer) -> None:
    with YouTubeConnector(
        base_url=youtube.url, credentials={"access_token": "expired", "channel_id": CHANNEL_ID}
    ) as api:
        with pytest.raises(AuthExpiredError):
            api.fetch_account_metrics()
    with YouTubeConnector(base_url=youtube.url, credentials={}) as api:
        with pytest.raises(AuthExpiredError):
            api.fetch_inbound(None)


def test_unreachable_platform_is_retryable() -> None:
    with YouTubeConnector(
        base_url="http://127.0.0.1:9",
        timeout=0.5,
        credentials={"access_token": "a", "channel_id": CHANNEL_ID},
    ) as api:
        with pytest.raises(RetryableError):
            api.fetch_inbound(None)
        with pytest.raises(RetryableError):
            api.reply(
                ReplyTarget(remote_id="t1", kind=MessageKind.COMMENT), "x", idempotency_key="k"
            )


def test_health(youtube: Peer, connector: YouTubeConnector) -> None:
    health = connector.check_health()
    assert health.ok and "Road Watch" in health.detail
    youtube.fake.fail("youtube.channels.list", Fault(status=401))
    assert not connector.check_health().ok
