"""Every fault kind, through the connector over real HTTP: the right error, then the truth.

After any failed write, ``check_publication`` followed by a retry when needed must leave
exactly one post: nothing lost, nothing duplicated. The network's holds wait on an event
here, not the clock: a held answer lasts until the client has given up and the test lets
it go, and every request has been answered before the test ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started

from civicdesk.connectors.base import (
    OutboundPost,
    OutcomeUnknownError,
    RetryableError,
)
from civicdesk.connectors.exnet.connector import ExnetConnector
from civicdesk.exnet import faults
from civicdesk.exnet.faults import clear_faults, inject_fault
from civicdesk.exnet.models import NetFault, NetPost
from civicdesk.exnet.services import create_post
from tests.connectors.holds import CLIENT_TIMEOUT, LIMIT_SECONDS, Holds

from .conftest import AccountFactory, ConnectorFactory

pytestmark = pytest.mark.django_db(transaction=True)

POST = OutboundPost(text="Bridge closed tonight 22:00-05:00.", idempotency_key="pub-1")


class OpenRequests:
    """Counts the live server's requests from start to the end of their answer."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.open = 0

    def started(self, **_: Any) -> None:
        with self._changed:
            self.open += 1

    def finished(self, **_: Any) -> None:
        with self._changed:
            self.open -= 1
            self._changed.notify_all()

    def wait_idle(self) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.open <= 0, LIMIT_SECONDS):
                raise AssertionError("the exercise network is still answering a request")


# For the answers a test waits for: as long as a busy machine needs. Only a request whose
# answer is held is given up on quickly (timeout=CLIENT_TIMEOUT).
ANSWER_TIMEOUT = 10.0
HELD_KINDS = ("timeout", "accepted_lost")


@pytest.fixture
def connect(connect: ConnectorFactory) -> ConnectorFactory:
    def make(token: str, *, fault: str = "", timeout: float = ANSWER_TIMEOUT) -> ExnetConnector:
        return connect(token, fault=fault, timeout=timeout)

    return make


@pytest.fixture(autouse=True)
def holds(
    monkeypatch: pytest.MonkeyPatch, transactional_db: None, live_server: object
) -> Iterator[Holds]:
    """A fault's pause waits at a gate (at most its own seconds) instead of sleeping; at
    the end every gate opens and every request is answered before the database is reset
    (this fixture depends on the database and the server, so it is torn down first)."""
    made, requests = Holds(), OpenRequests()
    monkeypatch.setattr(faults, "pause", made.hold)
    request_started.connect(requests.started)
    request_finished.connect(requests.finished)
    yield made
    made.close()
    requests.wait_idle()
    request_started.disconnect(requests.started)
    request_finished.disconnect(requests.finished)


def given_up_on(holds: Holds, count: int = 1) -> None:
    """After the client gave up: wait until the network reached ``count`` holds in all (so
    it did, or certainly did not, act), then let them go."""
    holds.wait_reached(count)
    holds.release()


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


def test_timeout_before_the_action(
    ministry: tuple, connect: ConnectorFactory, holds: Holds
) -> None:
    account, token = ministry
    inject_fault(account, "timeout", operation="create_post")
    with pytest.raises(OutcomeUnknownError):
        connect(token, timeout=CLIENT_TIMEOUT).publish(POST)
    given_up_on(holds)
    # The server did nothing, and says so.
    assert connect(token).check_publication(POST) is None
    assert_exactly_one(recover(connect(token), POST))
    # On a read, a timeout is simply retryable.
    with pytest.raises(RetryableError):
        connect(token, fault="timeout", timeout=CLIENT_TIMEOUT).fetch_inbound(None)


def test_accepted_but_response_held(
    ministry: tuple, connect: ConnectorFactory, holds: Holds
) -> None:
    account, token = ministry
    inject_fault(account, "accepted_lost", operation="create_post")
    with pytest.raises(OutcomeUnknownError):
        connect(token, timeout=CLIENT_TIMEOUT).publish(POST)
    given_up_on(holds)  # the post was made before the answer was held
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
        # Past the timeout: the network waits up to 0.8 s, or until the test ends.
        connect(token, fault="latency;seconds=0.8", timeout=CLIENT_TIMEOUT).fetch_account_metrics()


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
    make_account: AccountFactory, connect: ConnectorFactory, holds: Holds
) -> None:
    gov, token = make_account("transport_gov")
    fan, _ = make_account("fan")
    post = create_post(account=gov, text="Snow plan").obj
    for n in range(12):
        create_post(account=fan, text=f"m{n}", in_reply_to=post.pk)
    kinds = ["rate_limit", "server_error", "malformed", "timeout", "accepted_lost", "latency"]
    patient, quick = connect(token), connect(token, timeout=CLIENT_TIMEOUT)
    seen: list[str] = []
    cursor = None
    failures = 0
    paused = 0  # faults that pause the answer, injected so far
    for attempt in range(40):
        connector = patient
        if attempt % 2 == 0 and kinds:
            kind = kinds.pop(0)
            params: dict[str, Any] = {"seconds": 0.05} if kind == "latency" else {}
            inject_fault(gov, kind, operation="inbox", **params)
            paused += kind in (*HELD_KINDS, "latency")
            if kind in HELD_KINDS:
                connector = quick  # its answer is held: no use waiting long
        if attempt == 5:
            # New messages arrive while the reader is part-way through.
            for n in range(12, 17):
                create_post(account=fan, text=f"m{n}", in_reply_to=post.pk)
        try:
            page = connector.fetch_inbound(cursor, limit=4)
        except RetryableError:
            failures += 1
            # A held read must have used up its fault before the next read is made.
            given_up_on(holds, paused)
            continue
        seen += [m.text for m in page.messages]
        cursor = page.next_cursor or cursor
        if not page.has_more and not kinds and attempt > 5:
            break
    assert failures == 5  # latency under the client's timeout is only slow
    assert seen == [f"m{n}" for n in range(17)]
