"""A status published as a reply to the account's own earlier status (an incident's later
update continuing the first one's thread)."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from civicdesk.connectors.base import OutboundPost
from tests.connectors.holds import SHARED_TIMEOUT, Holds

from .conftest import connector_at
from .test_publisher import FakeInstance


def test_a_status_answers_our_earlier_status(httpserver: HTTPServer, holds: Holds) -> None:
    instance = FakeInstance(httpserver, holds)
    connector = connector_at(httpserver, timeout=SHARED_TIMEOUT)
    first = connector.publish(OutboundPost(text="Update 1: bridge closed.", idempotency_key="u1"))
    connector.publish(
        OutboundPost(text="Update 2: still closed.", idempotency_key="u2", reply_to=first.remote_id)
    )
    assert [s["in_reply_to_id"] for s in instance.statuses] == [None, first.remote_id]
