"""Every fault kind, through the connector over real HTTP: the right error, then the truth.

After any failed write, ``check_publication`` followed by a retry when needed must leave
exactly one post: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from civicdesk.connectors.base import (
    OutboundPost,
    OutcomeUnknownError,
    RetryableError,
)
from civicdesk.connectors.exnet.connector import ExnetConnector
from civicdesk.exnet.faults import clear_faults, inject_fault
from civicdesk.exnet.models import NetFault, NetPost
from civicdesk.exnet.services import create_post

from .conftest import AccountFactory, ConnectorFactory

pytestmark = pytest.mark.django_db(transaction=True)

POST = OutboundPost(text="Bridge closed tonight 22:00-05:00.", idempotency_key="pub-1")


def recover(connector: ExnetConnector, post: OutboundPost) -> str:
    """What the publisher does after an unknown outcome: ask, and publish only if absent."""
    found = connector.check_publication(post)
    if found is not None:
        return found.remote_id
    return connector.publish(post).remote_id


def assert_exactly_one(remote_id: str) -> None:
    posts = list(NetPost.objects.filter(client_ref=POST.idempotency_key))
    assert [str(p.pk) for p in posts] == [remote_id]


def test_rate_limit_is_retryable_with_retry_after(
    ministry: tuple, connect: ConnectorFactory
) -> None:
    _, token = ministry
    with pytest.raises(RetryableError) as caught:
        connect(token, fault="rate_limit;retry_after=7").publish(POST)
    assert caught.value.status == 429 and caught.value.retry_after == 7
    assert not NetPost.objects.exists()
    assert_exactly_one(recover(connect(token), POST))


def test_server_error_on_a_write_is_unknown_and_nothing_happened(
    ministry: tuple, connect: ConnectorFactory
) -> None:
    _, token = ministry
    with pytest.raises(OutcomeUnknownError) as caught:
        connect(token, fault="server_error").publish(POST)
    assert caught.value.status == 500
    assert connect(token).check_publication(POST) is None
    assert_exactly_one(recover(connect(token), POST))


def test_server_error_503_and_on_reads_is_retryable(
    ministry: tuple, connect: ConnectorFactory
) -> None:
    _, token = ministry
    with pytest.raises(RetryableError):
        connect(token, fault="server_error;status=503").publish(POST)
    with pytest.raises(RetryableError):
        connect(token, fault="server_error").fetch_inbound(None)
    with pytest.raises(RetryableError):
        connect(token, fault="server_error;status=502").fetch_account_metrics()


def test_timeout_before_the_action(ministry: tuple, connect: ConnectorFactory) -> None:
    account, token = ministry
    inject_fault(account, "timeout", operation="create_post")
    with pytest.raises(OutcomeUnknownError):
        connect(token).publish(POST)
    # The server did nothing, and says so.
    assert connect(token).check_publication(POST) is None
    assert_exactly_one(recover(connect(token), POST))
    # On a read, a timeout is simply retryable.
    with pytest.raises(RetryableError):
        connect(token, fault="timeout").fetch_inbound(None)


def test_accepted_but_response_held(ministry: tuple, connect: ConnectorFactory) -> None:
    account, token = ministry
    inject_fault(account, "accepted_lost", operation="create_post")
    with pytest.raises(OutcomeUnknownError):
        connect(token).publish(POST)
    found = connect(token).check_publication(POST)
    assert found is not None
    assert_exactly_one(recover(connect(token), POST))
    # A blind retry with the same key is harmless too.
    assert connect(token).publish(POST).remote_id == found.remote_id
    assert_exactly_one(found.remote_id)


def test_accepted_but_connection_closed(ministry: tuple, connect: ConnectorFactory) -> None:
    _, token = ministry
    with pytest.raises(OutcomeUnknownError):
        connect(token, fault="accepted_lost;mode=close").publish(POST)
    found = connect(token).check_publication(POST)
    assert found is not None
    assert_exactly_one(recover(connect(token), POST))


def test_malformed_json_after_a_create(ministry: tuple, connect: ConnectorFactory) -> None:
    _, token = ministry
    with pytest.raises(OutcomeUnknownError):
        connect(token, fault="malformed").publish(POST)
    assert connect(token).check_publication(POST) is not None
    assert_exactly_one(recover(connect(token), POST))
    with pytest.raises(RetryableError):
        connect(token, fault="malformed").fetch_inbound(None)


def test_latency_slows_but_succeeds_unless_past_the_timeout(
    ministry: tuple, connect: ConnectorFactory
) -> None:
    _, token = ministry
    assert connect(token, fault="latency;seconds=0.05").publish(POST).remote_id
    with pytest.raises(RetryableError):
        connect(token, fault="latency;seconds=0.8").fetch_account_metrics()
    time.sleep(0.5)  # let the slow server thread finish its read before the test ends


def test_account_faults_are_used_up_and_filtered_by_operation(
    ministry: tuple, connect: ConnectorFactory
) -> None:
    account, token = ministry
    inject_fault(account, "rate_limit", operation="inbox", count=2, retry_after=3)
    connector = connect(token)
    assert connector.publish(POST).remote_id  # another operation: untouched
    for _ in range(2):
        with pytest.raises(RetryableError):
            connector.fetch_inbound(None)
    assert connector.fetch_inbound(None).messages == []
    assert not NetFault.objects.exists()
    inject_fault(account, "server_error", count=None, probability=1.0)
    with pytest.raises(RetryableError):
        connector.fetch_account_metrics()
    assert clear_faults(account) == 1
    assert connector.fetch_account_metrics().posts == 1


def test_inbox_under_faults_loses_and_repeats_nothing(
    make_account: AccountFactory, connect: ConnectorFactory
) -> None:
    gov, token = make_account("transport_gov")
    fan, _ = make_account("fan")
    post = create_post(account=gov, text="Snow plan").obj
    for n in range(12):
        create_post(account=fan, text=f"m{n}", in_reply_to=post.pk)
    kinds = ["rate_limit", "server_error", "malformed", "timeout", "accepted_lost", "latency"]
    connector = connect(token)
    seen: list[str] = []
    cursor = None
    failures = 0
    for attempt in range(40):
        if attempt % 2 == 0 and kinds:
            kind = kinds.pop(0)
            params: dict[str, Any] = {"seconds": 0.2} if kind == "latency" else {}
            inject_fault(gov, kind, operation="inbox", **params)
        if attempt == 5:
            # New messages arrive while the reader is part-way through.
            for n in range(12, 17):
                create_post(account=fan, text=f"m{n}", in_reply_to=post.pk)
        try:
            page = connector.fetch_inbound(cursor, limit=4)
        except RetryableError:
            failures += 1
            continue
        seen += [m.text for m in page.messages]
        cursor = page.next_cursor or cursor
        if not page.has_more and not kinds and attempt > 5:
            break
    assert failures == 5  # latency under the client's timeout is only slow
    assert seen == [f"m{n}" for n in range(17)]
