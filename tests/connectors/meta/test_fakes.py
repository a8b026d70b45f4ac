"""The fake Graph itself: an error in a handler is answered, and raised in the test's thread.

A handler runs in the server's thread. Unguarded, a failed assertion there reaches the
client as a bare 500 and a pytest.skip (a BaseException) as a dropped connection; either
way the test would fail later, far from its cause, or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from .fakes import FakeGraph, answer


@pytest.fixture
def bare_graph(server: HTTPServer) -> Iterator[FakeGraph]:
    """A fake Graph whose handler errors the test inspects itself."""
    server.clear()
    fake = FakeGraph(server)
    server.expect_request(re.compile(".*")).respond_with_handler(fake.dispatch)
    yield fake
    server.clear()


def test_a_failed_assertion_in_a_route_is_answered_and_raised_here(
    bare_graph: FakeGraph,
) -> None:
    def strict(request: Request, match: re.Match[str]) -> Response:
        assert request.args.get("fields") == "id", "the fake wanted fields=id"
        return answer({"id": "1"})

    bare_graph.route("GET", "/me", strict)
    response = httpx.get(f"{bare_graph.url}/me", params={"fields": "name"})
    assert response.status_code == 500
    assert "the fake wanted fields=id" in response.json()["error"]["message"]
    with pytest.raises(AssertionError, match="the fake wanted fields=id"):
        bare_graph.raise_errors()
    bare_graph.raise_errors()  # raised once, then cleared
    assert httpx.get(f"{bare_graph.url}/me", params={"fields": "id"}).json() == {"id": "1"}


def test_a_skip_in_a_handler_does_not_drop_the_connection(bare_graph: FakeGraph) -> None:
    def skipping(request: Request) -> Response:
        pytest.skip("a recording is absent")

    bare_graph.serve(skipping)
    response = httpx.get(bare_graph.server.url_for("/oauth/access_token"))
    assert response.status_code == 500
    assert [call.path for call in bare_graph.calls] == ["/oauth/access_token"]
    with pytest.raises(pytest.skip.Exception, match="a recording is absent"):
        bare_graph.raise_errors()
