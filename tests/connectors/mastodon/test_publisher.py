"""Publishing through the real publisher to a fake instance over HTTP, under lost answers.

The fake honours ``Idempotency-Key`` as Mastodon does. Whatever happens to an answer, the
publication ends published with exactly one status on the instance. A lost answer is held
by the fake until the client has given up, then let go (see tests/connectors/holds.py).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from civicdesk.connectors.base import OutboundPost, OutcomeUnknownError
from civicdesk.publishing import publisher
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.connectors.holds import SHARED_TIMEOUT, Holds

from .conftest import ACCOUNT_ID, TOKEN, Desk, approved_post, connector_at

LOST = ("lost_before", "lost_after")


class FakeInstance:
    """Just enough of Mastodon: create statuses (idempotently) and list the account's."""

    def __init__(self, server: HTTPServer, holds: Holds) -> None:
        self.holds = holds
        self.statuses: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.faults: list[str] = []
        self.ids = count(117000000000000001)
        server.expect_request("/api/v2/instance").respond_with_json({})
        server.expect_request("/api/v1/statuses", method="POST").respond_with_handler(self.create)
        server.expect_request(f"/api/v1/accounts/{ACCOUNT_ID}/statuses").respond_with_handler(
            self.list
        )

    def create(self, request: Request) -> Response:
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}"
        fault = self.faults.pop(0) if self.faults else ""
        if fault == "lost_before":
            self.holds.hold()  # the client gives up; nothing was created
            return Response("", status=503)
        key = request.headers.get("Idempotency-Key", "")
        status = self.keys.get(key)
        if status is None:
            body = request.get_json()
            status = {
                "id": str(next(self.ids)),
                "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "in_reply_to_id": body.get("in_reply_to_id"),
                "visibility": body.get("visibility", "public"),
                "content": "<p>" + html.escape(body["status"]).replace("\n", "<br />") + "</p>",
                "url": "https://i.example/@roadwatch/x",
                "account": {"id": ACCOUNT_ID, "acct": "roadwatch"},
                "favourites_count": 0,
                "reblogs_count": 0,
                "replies_count": 0,
            }
            status["url"] = f"https://i.example/@roadwatch/{status['id']}"
            self.statuses.append(status)
            if key:
                self.keys[key] = status
        if fault == "lost_after":
            self.holds.hold()  # created, but the answer never arrives in time
        if fault == "error_after":
            return Response(json.dumps({"error": "boom"}), status=500)
        return Response(json.dumps(status), content_type="application/json")

    def lost_answers_reached(self, count: int) -> None:
        """Once the client has given up: wait until the instance has done its part of the
        ``count`` lost answers, then let them go (nobody is listening any more)."""
        self.holds.wait_reached(count)
        self.holds.release()

    def list(self, request: Request) -> Response:
        newest_first = sorted(self.statuses, key=lambda s: int(s["id"]), reverse=True)
        max_id = request.args.get("max_id")
        if max_id:
            newest_first = [s for s in newest_first if int(s["id"]) < int(max_id)]
        limit = int(request.args.get("limit", 20))
        return Response(json.dumps(newest_first[:limit]), content_type="application/json")


@pytest.fixture
def instance(desk: Desk, httpserver: HTTPServer, settings: Any, holds: Holds) -> FakeInstance:
    settings.CONNECTOR_TIMEOUT_SECONDS = SHARED_TIMEOUT
    desk.channel.platform = "mastodon"
    desk.channel.api_base_url = httpserver.url_for("").rstrip("/")
    desk.channel.set_credentials({"access_token": TOKEN, "account_id": ACCOUNT_ID})
    desk.channel.save()
    return FakeInstance(httpserver, holds)


def settle(instance: FakeInstance) -> None:
    lost = sum(1 for fault in instance.faults if fault in LOST)
    for _ in range(8):
        later = timezone.now() + timedelta(seconds=120)
        publisher.publish_due(worker="w", now=later)
        # The check must not overtake the request whose answer was lost.
        instance.lost_answers_reached(lost)
        publisher.check_unconfirmed(worker="w", now=later)
        if not Publication.objects.filter(state__in=[S.SCHEDULED, S.UNCONFIRMED]).exists():
            return


CASES = [
    ("none", {AttemptOutcome.PUBLISHED}),
    ("lost_after", {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND}),
    ("error_after", {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND}),
    (
        "lost_before",
        {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_NOT_FOUND, AttemptOutcome.PUBLISHED},
    ),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("fault", "expected"), CASES, ids=[c[0] for c in CASES])
def test_unknown_outcome_is_checked_and_never_posts_twice(
    desk: Desk, instance: FakeInstance, fault: str, expected: set[str]
) -> None:
    instance.faults = [fault]
    post = approved_post(desk, texts={"en": f"Bridge closed tonight & tomorrow ({fault})."})
    settle(instance)
    pub = post.publications.get()
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert len(instance.statuses) == 1
    assert pub.remote_id == instance.statuses[0]["id"]
    outcomes = set(pub.attempts_log.values_list("outcome", flat=True))
    assert expected <= outcomes, outcomes


def test_retrying_with_the_same_key_returns_the_same_status(
    httpserver: HTTPServer, holds: Holds
) -> None:
    instance = FakeInstance(httpserver, holds)
    instance.faults = ["lost_after"]
    connector = connector_at(httpserver, timeout=SHARED_TIMEOUT)
    post = OutboundPost(text="Ferry delayed.", idempotency_key="same-key")
    with pytest.raises(OutcomeUnknownError):
        connector.publish(post)
    instance.lost_answers_reached(1)
    again = connector.publish(post)
    assert len(instance.statuses) == 1
    assert again.remote_id == instance.statuses[0]["id"]


def test_check_finds_a_thread_and_completes_it(httpserver: HTTPServer, holds: Holds) -> None:
    instance = FakeInstance(httpserver, holds)
    connector = connector_at(httpserver, timeout=SHARED_TIMEOUT)
    instance.faults = ["none", "lost_before"]
    post = OutboundPost(text="Part one.", idempotency_key="thread", thread=("Part two.",))
    with pytest.raises(OutcomeUnknownError):
        connector.publish(post)
    instance.lost_answers_reached(1)
    found = connector.check_publication(post)
    assert found is not None
    assert len(found.thread_remote_ids) == 1
    assert [s["in_reply_to_id"] for s in instance.statuses] == [None, found.remote_id]


def test_check_ignores_old_statuses_and_replies(httpserver: HTTPServer, holds: Holds) -> None:
    instance = FakeInstance(httpserver, holds)
    connector = connector_at(httpserver)
    connector.publish(OutboundPost(text="Road open.", idempotency_key="a"))
    instance.statuses[0]["created_at"] = "2020-01-01T00:00:00Z"
    assert connector.check_publication(OutboundPost(text="Road open.", idempotency_key="b")) is None
    assert (
        connector.check_publication(OutboundPost(text="Something else.", idempotency_key="c"))
        is None
    )
