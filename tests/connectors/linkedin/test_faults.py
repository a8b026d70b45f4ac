"""Every failure LinkedIn can answer with ends in the right kind of error."""

from __future__ import annotations

import httpx
import pytest

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
from civicdesk.connectors.linkedin.connector import (
    RATE_LIMIT_BACKOFF_SECONDS,
    LinkedInConnector,
)

from .conftest import Peer
from .fake import ORG, Fault

RATE = {
    "status": 429,
    "serviceErrorCode": 101,
    "code": "TOO_MANY_REQUESTS",
    "message": "Resource level throttle APPLICATION DAY limit for calls to this resource "
    "is reached.",
}


DENIED = {
    "status": 403,
    "serviceErrorCode": 100,
    "code": "ACCESS_DENIED",
    "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE",
}


BOTH = [
    ("unauthorized", Fault(status=401), AuthExpiredError),
    ("denied", Fault(status=403, body=DENIED), RejectedError),
    ("invalid", Fault(status=422, body={"status": 422, "message": "bad field"}), RejectedError),
    ("rate", Fault(status=429, body=RATE), RetryableError),
    (
        "rate-with-header",
        Fault(status=429, body=RATE, headers={"Retry-After": "30"}),
        RetryableError,
    ),
    (
        "sunset-version",
        Fault(
            status=426,
            body={
                "status": 426,
                "code": "NONEXISTENT_VERSION",
                "message": "Requested version is not active",
            },
        ),
        RejectedError,
    ),
    ("unavailable", Fault(status=503), RetryableError),
]
PUBLISH = BOTH + [
    ("server", Fault(status=500), OutcomeUnknownError),
    ("timeout", Fault(hold=True), OutcomeUnknownError),
    ("no-restli-id", Fault(drop_id=True), OutcomeUnknownError),
]
READS = BOTH + [
    ("server", Fault(status=500), RetryableError),
    ("timeout", Fault(hold=True), RetryableError),
    ("malformed", Fault(malformed=True), RetryableError),
    ("wrong-shape", Fault(body={"elements": [{"id": 12}]}), RetryableError),
    ("no-elements", Fault(body={"paging": {}}), RetryableError),
]


@pytest.mark.parametrize(("name", "fault", "kind"), PUBLISH, ids=[f[0] for f in PUBLISH])
def test_publish_faults(
    linkedin: Peer,
    connector: LinkedInConnector,
    name: str,
    fault: Fault,
    kind: type[ConnectorError],
) -> None:
    linkedin.fake.fail("create_post", fault)
    with pytest.raises(kind):
        connector.publish(OutboundPost(text=f"Under {name}", idempotency_key="k"))


def test_rate_limit_without_reset_backs_off_a_default(
    linkedin: Peer, connector: LinkedInConnector
) -> None:
    linkedin.fake.fail("create_post", Fault(status=429, body=RATE))
    with pytest.raises(RetryableError) as caught:
        connector.publish(OutboundPost(text="x", idempotency_key="k"))
    assert caught.value.retry_after == RATE_LIMIT_BACKOFF_SECONDS
    assert "no reset time" in str(caught.value)
    assert caught.value.platform_code == "TOO_MANY_REQUESTS"
    linkedin.fake.fail("create_post", Fault(status=429, body=RATE, headers={"Retry-After": "30"}))
    with pytest.raises(RetryableError) as caught:
        connector.publish(OutboundPost(text="x", idempotency_key="k"))
    assert caught.value.retry_after == 30


@pytest.mark.parametrize("step", ["init_image", "upload"])
@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(status=500), RetryableError),
        (Fault(hold=True), RetryableError),
        (Fault(status=401), AuthExpiredError),
        (Fault(status=400), RejectedError),
    ],
)
def test_image_upload_faults_publish_nothing(
    linkedin: Peer,
    connector: LinkedInConnector,
    step: str,
    fault: Fault,
    kind: type[ConnectorError],
) -> None:
    # Nothing is public before the post itself: a lost image step is safe to retry.
    linkedin.fake.fail(step, fault)
    with pytest.raises(kind):
        connector.publish(
            OutboundPost(
                text="photo",
                idempotency_key="k",
                media=(
                    MediaItem(
                        filename="a.png", content_type="image/png", data=b"png", alt_text="a"
                    ),
                ),
            )
        )
    assert linkedin.fake.posts == []


def test_image_initialize_without_upload_url(linkedin: Peer, connector: LinkedInConnector) -> None:
    linkedin.fake.fail("init_image", Fault(body={"value": {"image": "urn:li:image:x"}}))
    with pytest.raises(RetryableError):
        connector.publish(
            OutboundPost(
                text="photo",
                idempotency_key="k",
                media=(MediaItem(filename="a.png", content_type="image/png", data=b"png"),),
            )
        )


@pytest.mark.parametrize(("name", "fault", "kind"), READS, ids=[f[0] for f in READS])
def test_inbox_faults(
    linkedin: Peer,
    connector: LinkedInConnector,
    name: str,
    fault: Fault,
    kind: type[ConnectorError],
) -> None:
    post = linkedin.fake.add_post("hello")
    linkedin.fake.add_comment(post, "hi there")
    linkedin.fake.fail("list_comments", fault)
    with pytest.raises(kind):
        connector.fetch_inbound(None)
    if fault.hold:
        linkedin.fake.holds.wait_reached(1)  # the fault is used up before the next read
    assert len(connector.fetch_inbound(None).messages) == 1


@pytest.mark.parametrize(("name", "fault", "kind"), READS, ids=[f[0] for f in READS])
def test_check_publication_faults(
    linkedin: Peer,
    connector: LinkedInConnector,
    name: str,
    fault: Fault,
    kind: type[ConnectorError],
) -> None:
    linkedin.fake.fail("find_posts", fault)
    with pytest.raises(kind):
        connector.check_publication(OutboundPost(text="x", idempotency_key="k"))


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(status=500), OutcomeUnknownError),
        (Fault(hold=True), OutcomeUnknownError),
        (Fault(status=429, body=RATE), RetryableError),
        (Fault(status=403), RejectedError),
        (Fault(body={"unexpected": True}), OutcomeUnknownError),
    ],
)
def test_reply_faults(
    linkedin: Peer, connector: LinkedInConnector, fault: Fault, kind: type[ConnectorError]
) -> None:
    post = linkedin.fake.add_post("hello")
    first = linkedin.fake.add_comment(post, "hi")
    linkedin.fake.fail("create_comment", fault)
    with pytest.raises(kind):
        connector.reply(
            ReplyTarget(remote_id=first, kind=MessageKind.COMMENT, conversation_remote_id=first),
            "hello",
            idempotency_key="k",
        )


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(status=500), RetryableError),
        (Fault(malformed=True), RetryableError),
        (
            Fault(
                body={
                    "elements": [
                        {
                            "share": "urn:li:share:1",
                            "totalShareStatistics": {"impressionCount": "many"},
                        }
                    ]
                }
            ),
            RetryableError,
        ),
        (Fault(status=401), AuthExpiredError),
    ],
)
def test_metrics_faults(
    linkedin: Peer, connector: LinkedInConnector, fault: Fault, kind: type[ConnectorError]
) -> None:
    linkedin.fake.fail("statistics", fault)
    with pytest.raises(kind):
        connector.fetch_post_metrics(["urn:li:share:1"])


def test_missing_credentials_need_reconnecting(linkedin: Peer) -> None:
    for credentials in (
        {},
        {"access_token": "li-at"},
        {"access_token": "expired", "organization_urn": ORG},
    ):
        with LinkedInConnector(base_url=linkedin.api, credentials=credentials) as api:
            with pytest.raises(AuthExpiredError):
                api.publish(OutboundPost(text="x", idempotency_key="k"))


def test_the_fake_enforces_linkedins_headers(linkedin: Peer) -> None:
    response = httpx.get(
        f"{linkedin.api}/organizations/2414183", headers={"Authorization": "Bearer li-at"}
    )
    assert response.status_code == 400
    assert any("LinkedIn-Version" in v for v in linkedin.fake.violations)
    linkedin.fake.violations.clear()
