"""The X connector under every fault, over real HTTP, and through the publisher.

Each fault must end in the right error kind: the publisher retries only what certainly did
not happen, and asks X (never blindly re-sends) when a post may have gone out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from werkzeug import Request, Response

from civicdesk.connectors.base import (
    AuthExpiredError,
    Capability,
    ConnectorError,
    MessageKind,
    OutboundPost,
    OutcomeUnknownError,
    RejectedError,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
)
from civicdesk.connectors.x.connector import DEFAULT_RETRY_AFTER, TIER_SENTENCE, rate_limit_wait
from tests.connectors.holds import CLIENT_TIMEOUT, SHARED_TIMEOUT, Holds

from .conftest import make_connector

POST = OutboundPost(text="Bridge inspection tonight, expect delays.", idempotency_key="k")
JSON = "application/json"


def reply(status: int, body: Any = None, **headers: str) -> Response:
    raw = body if isinstance(body, str) else json.dumps(body or {})
    return Response(raw, status=status, headers=headers, content_type=JSON)


def forbidden(kind: str, detail: str) -> Response:
    return reply(
        403,
        {
            "title": "Forbidden",
            "detail": detail,
            "status": 403,
            "type": f"https://api.twitter.com/2/problems/{kind}",
        },
    )


def held(holds: Holds) -> Callable[[Request], Response]:
    """X takes the post, but answers only once the client has given up."""

    def respond(_: Request) -> Response:
        holds.hold()
        return reply(201, {"data": {"id": "1880028106020515840", "text": POST.text}})

    return respond


FAULTS = [
    (
        "unauthorized",
        lambda _: reply(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}),
        AuthExpiredError,
    ),
    (
        "client-forbidden",
        lambda _: forbidden(
            "client-forbidden",
            "When authenticating requests to the Twitter API v2 endpoints, "
            "you must use keys and tokens from a Twitter developer App that is attached to a "
            "Project.",
        ),
        UnsupportedError,
    ),
    (
        "duplicate",
        lambda _: forbidden(
            "about:blank", "You are not allowed to create a Tweet with duplicate content."
        ),
        RejectedError,
    ),
    (
        "invalid",
        lambda _: reply(
            400,
            {
                "title": "Invalid Request",
                "detail": "text too long",
                "type": "https://api.x.com/2/problems/invalid-request",
            },
        ),
        RejectedError,
    ),
    (
        "rate-limited",
        lambda _: reply(
            429,
            {"title": "Too Many Requests"},
            **{
                "x-rate-limit-limit": "200",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(time.time()) + 420),
            },
        ),
        RetryableError,
    ),
    ("rate-limited-bare", lambda _: reply(429, {"title": "Too Many Requests"}), RetryableError),
    ("rate-limited-retry-after", lambda _: reply(429, "", **{"retry-after": "30"}), RetryableError),
    ("server-error", lambda _: reply(500, {"title": "Internal Error"}), OutcomeUnknownError),
    ("unavailable", lambda _: reply(503, {"title": "Service Unavailable"}), RetryableError),
    ("timeout", held, OutcomeUnknownError),
    ("malformed-json", lambda _: reply(201, '{"data": {"id": "18800'), OutcomeUnknownError),
    ("no-id", lambda _: reply(201, {"data": {"text": POST.text}}), OutcomeUnknownError),
    (
        "id-not-a-string",
        lambda _: reply(201, {"data": {"id": 1880028106020515840}}),
        OutcomeUnknownError,
    ),
    (
        "errors-only",
        lambda _: reply(200, {"errors": [{"title": "x", "detail": "y"}]}),
        OutcomeUnknownError,
    ),
]


@pytest.mark.parametrize(("name", "handler", "kind"), FAULTS, ids=[f[0] for f in FAULTS])
def test_publish_fault_ends_in_the_right_kind(
    xserver: Any, holds: Holds, name: str, handler: Any, kind: type[ConnectorError]
) -> None:
    timeout = 0.5
    if handler is held:
        handler, timeout = held(holds), CLIENT_TIMEOUT
    xserver.expect_request("/2/tweets", method="POST").respond_with_handler(handler)
    with make_connector(xserver.url_for(""), timeout=timeout) as connector:
        with pytest.raises(ConnectorError) as caught:
            connector.publish(POST)
    assert type(caught.value) is kind, caught.value
    if name == "rate-limited":
        assert 400 <= (caught.value.retry_after or 0) <= 421
    if name == "rate-limited-bare":
        assert caught.value.retry_after == DEFAULT_RETRY_AFTER
    if name == "rate-limited-retry-after":
        assert caught.value.retry_after == 30
    if name == "duplicate":
        assert caught.value.platform_code == "duplicate-content"


def test_unreachable_x_is_retryable() -> None:
    with make_connector("http://127.0.0.1:9", timeout=0.5) as connector:
        with pytest.raises(RetryableError):
            connector.publish(POST)


def test_the_24_hour_posting_limit_outlasts_the_window() -> None:
    now = 1_700_000_000
    headers = {
        "x-rate-limit-remaining": "180",
        "x-rate-limit-reset": str(now + 600),
        "x-user-limit-24hour-limit": "100",
        "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(now + 20_000),
    }
    import httpx

    assert rate_limit_wait(httpx.Headers(headers), now=now) == 20_000


def test_thread_interrupted_after_the_first_part_is_unknown_not_retryable(xserver: Any) -> None:
    answers = iter(
        [
            reply(201, {"data": {"id": "1880028106020515840", "text": "1/2"}}),
            reply(503, {"title": "Service Unavailable"}),
        ]
    )
    xserver.expect_request("/2/tweets", method="POST").respond_with_handler(lambda _: next(answers))
    with make_connector(xserver.url_for("")) as connector:
        with pytest.raises(OutcomeUnknownError, match="part 2 of 2"):
            connector.publish(OutboundPost(text="1/2", idempotency_key="t", thread=("2/2",)))


@pytest.mark.parametrize("path", ["/2/users/2244994945/mentions"])
def test_inbox_refused_for_the_tier_says_so_plainly(xserver: Any, path: str) -> None:
    xserver.expect_request(path).respond_with_handler(
        lambda _: forbidden("client-forbidden", "client-not-enrolled")
    )
    with make_connector(xserver.url_for("")) as connector:
        with pytest.raises(UnsupportedError) as caught:
            connector.fetch_inbound(None)
    assert caught.value.message == TIER_SENTENCE


def test_free_tier_has_no_inbox_without_asking(xserver: Any) -> None:
    with make_connector(xserver.url_for(""), tier="free") as connector:
        assert not connector.supports(Capability.INBOX)
        assert connector.supports(Capability.PUBLISH)
        with pytest.raises(UnsupportedError, match="paid tier"):
            connector.fetch_inbound(None)
        with pytest.raises(UnsupportedError, match="paid tier"):
            connector.reply(
                ReplyTarget(remote_id="1", kind=MessageKind.DIRECT, author_remote_id="5"),
                "hi",
                idempotency_key="k",
            )
    assert not xserver.log  # nothing was asked of X


@pytest.mark.parametrize(
    ("handler", "kind"),
    [
        (lambda _: reply(500, {"title": "Internal Error"}), RetryableError),
        (lambda _: reply(200, "<html>"), RetryableError),
        (
            lambda _: reply(
                200, {"data": [{"id": "1880028106020515840", "text": "@civicdesk hi"}]}
            ),
            RetryableError,
        ),  # no author_id: the whole page is refused, the cursor stays put
        (lambda _: reply(401, {"title": "Unauthorized"}), AuthExpiredError),
        (
            lambda _: reply(
                429,
                {},
                **{"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(time.time()) + 60)},
            ),
            RetryableError,
        ),
    ],
    ids=["5xx", "malformed", "missing-author", "401", "429"],
)
def test_inbox_read_faults_are_retryable_or_auth(
    xserver: Any, handler: Any, kind: type[ConnectorError]
) -> None:
    xserver.expect_request("/2/users/2244994945/mentions").respond_with_handler(handler)
    with make_connector(xserver.url_for("")) as connector:
        with pytest.raises(kind):
            connector.fetch_inbound(None)


# Through the publisher: an unknown outcome is checked against X, not re-sent.


@pytest.fixture
def x_channel(db: Any, xserver: Any, settings: Any) -> Any:
    from civicdesk.organizations import services as org_services

    settings.CONNECTOR_TIMEOUT_SECONDS = SHARED_TIMEOUT
    org = org_services.organization_create(
        name="Ministry of Roads", time_zone="UTC", official_languages=["en"]
    )
    brand = org_services.brand_create(organization=org, name="Road Watch", purpose="Roads.")
    channel = org_services.channel_create(
        brand=brand,
        platform="x",
        handle="roadwatch",
        credentials={"access_token": "t", "user_id": "2244994945"},
    )
    channel.api_base_url = xserver.url_for("").rstrip("/")
    channel.save()
    return channel


class FakeX:
    """Just enough of X for one post: create (maybe lost) and list the account's posts."""

    def __init__(self, holds: Holds, lose_first: bool, lost_request_lands: bool) -> None:
        self.holds = holds
        self.lose_first, self.lands = lose_first, lost_request_lands
        self.posts: list[dict[str, str]] = []
        self.creates = 0

    def create(self, request: Request) -> Response:
        self.creates += 1
        text = json.loads(request.data)["text"]
        tweet = {"id": str(1880028106020515840 + self.creates), "text": text}
        if self.creates == 1 and self.lose_first:
            if self.lands:
                self.posts.append(tweet)
            self.holds.hold()  # the answer never reaches the client in time
        else:
            self.posts.append(tweet)
        return reply(201, {"data": tweet})

    def timeline(self, request: Request) -> Response:
        assert request.args["start_time"].endswith("Z")
        shown = [dict(t, text=t["text"].replace("&", "&amp;")) for t in self.posts]
        return reply(
            200,
            {"data": shown, "meta": {"result_count": len(shown)}}
            if shown
            else {"meta": {"result_count": 0}},
        )


def publish_and_settle(channel: Any, fake: FakeX, text: str) -> Any:
    from django.contrib.auth.models import User

    from civicdesk.organizations import services as org_services
    from civicdesk.organizations.models import Role
    from civicdesk.publishing import publisher
    from civicdesk.publishing import services as pub_services
    from civicdesk.publishing.models import Publication
    from civicdesk.publishing.models import PublicationState as S

    people = {}
    for role in (Role.AUTHOR, Role.APPROVER):
        people[role] = User.objects.create_user(f"x-{role}", password="x")
        org_services.membership_grant(
            user=people[role],
            organization=channel.brand.organization,
            role=role,
            brand=channel.brand,
        )
    draft = pub_services.Draft(
        title="Bridge",
        texts={"en": text},
        channels=[channel],
        scheduled_at=timezone.now() - timedelta(seconds=1),
    )
    post = pub_services.post_create(brand=channel.brand, actor=people[Role.AUTHOR], draft=draft)
    pub_services.post_submit(post=post, actor=people[Role.AUTHOR])
    pub_services.post_approve(post=post, actor=people[Role.APPROVER])
    for _ in range(6):
        later = timezone.now() + timedelta(seconds=60)
        publisher.publish_due(worker="w", now=later)
        if fake.lose_first:
            # The client gave up; the check must not overtake the lost request.
            fake.holds.wait_reached(1)
            fake.holds.release()
        publisher.check_unconfirmed(worker="w", now=later)
        if not Publication.objects.filter(state__in=[S.SCHEDULED, S.UNCONFIRMED]).exists():
            break
    return post.publications.get()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lands", [True, False], ids=["post-landed", "post-lost"])
def test_lost_answer_is_checked_on_x_then_settled_once(
    x_channel: Any, xserver: Any, holds: Holds, lands: bool
) -> None:
    from civicdesk.publishing.models import AttemptOutcome
    from civicdesk.publishing.models import PublicationState as S

    fake = FakeX(holds, lose_first=True, lost_request_lands=lands)
    xserver.expect_request("/2/tweets", method="POST").respond_with_handler(fake.create)
    xserver.expect_request("/2/users/2244994945/tweets").respond_with_handler(fake.timeline)
    pub = publish_and_settle(
        x_channel, fake, "Bridge inspection tonight & tomorrow, expect delays."
    )
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert len(fake.posts) == 1  # on X exactly once
    assert pub.remote_id == fake.posts[0]["id"]
    outcomes = list(pub.attempts_log.order_by("pk").values_list("outcome", flat=True))
    if lands:
        assert outcomes == [AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND]
        assert fake.creates == 1  # never sent again
    else:
        assert outcomes == [
            AttemptOutcome.OUTCOME_UNKNOWN,
            AttemptOutcome.CHECK_NOT_FOUND,
            AttemptOutcome.PUBLISHED,
        ]
        assert fake.creates == 2
