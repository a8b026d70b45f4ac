"""Peers for the Mastodon connector tests.

- Prism serving a patched copy of the community OpenAPI description of Mastodon's API
  (tests/contracts/mastodon/schema.json). The copy is made here, in a temporary folder;
  the file itself is never changed. Prism runs without ``--errors`` so that the spec's own
  faulty examples are still served, and every request's validation result is read from the
  ``sl-violations`` header instead: a test fails if any request the connector made broke
  the contract.
- Mastodon.py's recordings of a real instance (vcrpy cassettes), replayed from a local
  pytest-httpserver for the exact shapes Mastodon answers with.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Response

from civicdesk.connectors.mastodon.connector import MastodonConnector
from tests.connectors.holds import FakePlatformServer, Holds
from tests.connectors.peers import MODULES, contract, free_port, node22, run_peer
from tests.core.conftest import Desk, approved_post, desk  # noqa: F401 - fixtures

TOKEN = "token-for-tests"
ACCOUNT_ID = "117020565693913441"


def patch_spec(source: Path, target: Path) -> Path:
    """A copy of the Mastodon spec with its known faults corrected.

    - The Idempotency-Key header is declared as an object; it is a string.
    - Request bodies are declared JSON-only, but Mastodon (and every client) also takes
      form and multipart bodies, as the OAuth endpoints require: both are added.
    - ``oneOf`` between text and media statuses fails for a status with both text and
      media (it matches both); ``anyOf`` is what is meant.
    - Response examples beside a schema often fail that schema; they are dropped so Prism
      answers from the schema's own examples.
    """
    spec = json.loads(source.read_text())

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("in") == "header" and str(node.get("name", "")).lower() == (
                "idempotency-key"
            ):
                node["schema"] = {"type": "string"}
            if "schema" in node:
                node.pop("example", None)
                node.pop("examples", None)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["paths"])
    for operations in spec["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            content = body.get("content", {}) if isinstance(body, dict) else {}
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            if "oneOf" in schema:
                schema["anyOf"] = schema.pop("oneOf")
            for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                content.setdefault(media_type, {"schema": schema})
    target.write_text(json.dumps(spec))
    return target


class ContractLog:
    """Collects Prism's verdict on every request a client sent."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.violations: list[str] = []

    def hook(self, response: httpx.Response) -> None:
        request = response.request
        self.requests.append(f"{request.method} {request.url.path}")
        raw = response.headers.get("sl-violations", "")
        if not raw:
            return
        try:
            found = json.loads(raw[raw.index("[") :])
        except ValueError:
            self.violations.append(f"{request.method} {request.url.path}: {raw[:300]}")
            return
        for violation in found:
            if violation.get("location", [""])[0] == "request":
                self.violations.append(
                    f"{request.method} {request.url.path}: {violation.get('message')}"
                )

    def assert_clean(self) -> None:
        assert self.requests, "no request reached the contract peer"
        assert not self.violations, "\n".join(self.violations)


@pytest.fixture(scope="session")
def threaded_server() -> Iterator[FakePlatformServer]:
    server = FakePlatformServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def httpserver(threaded_server: FakePlatformServer) -> Iterator[FakePlatformServer]:
    """A fake instance that answers requests in parallel, as a real one does: a held answer
    to one request (a simulated lost answer) must not hold up the next."""
    threaded_server.clear()
    yield threaded_server
    # Every answer, held ones included, is finished before the next test sees the server.
    threaded_server.wait_idle()
    threaded_server.clear()


@pytest.fixture
def holds(httpserver: FakePlatformServer) -> Iterator[Holds]:
    """Gates for answers the fake keeps back; all opened when the test ends."""
    made = Holds()
    yield made
    made.close()


@pytest.fixture(scope="session")
def mastodon_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = contract("mastodon", "schema.json")
    folder = tmp_path_factory.mktemp("mastodon-prism")
    patched = patch_spec(spec, folder / "schema.json")
    binary = MODULES / "@stoplight" / "prism-cli" / "dist" / "index.js"
    if not binary.exists():
        pytest.skip("Prism is not installed (run scripts/setup --test with Node.js present)")
    port = free_port()
    args = [node22(), str(binary), "mock", str(patched), "-h", "127.0.0.1", "-p", str(port)]
    with run_peer(
        args, ready_url=f"http://127.0.0.1:{port}/__civicdesk_ready", log=folder / "prism.log"
    ):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def contract_log() -> ContractLog:
    return ContractLog()


@pytest.fixture
def prism_client(contract_log: ContractLog) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, event_hooks={"response": [contract_log.hook]}) as client:
        yield client


@pytest.fixture
def prism_connector(mastodon_prism: str, prism_client: httpx.Client) -> MastodonConnector:
    connector = MastodonConnector(
        base_url=mastodon_prism,
        credentials={"access_token": TOKEN, "account_id": ACCOUNT_ID},
        client=prism_client,
    )
    connector.media_poll_delays = (0.01,) * 3
    return connector


def connector_at(
    server: HTTPServer, *, timeout: float = 2.0, **credentials: str
) -> MastodonConnector:
    connector = MastodonConnector(
        base_url=server.url_for("").rstrip("/"),
        credentials={"access_token": TOKEN, "account_id": ACCOUNT_ID, **credentials},
        timeout=timeout,
    )
    connector.media_poll_delays = (0.01,) * 5
    return connector


# Recorded responses

CASSETTES = ("fixtures", "mastodon_py_cassettes")


def cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of one Mastodon.py recording (read with yaml.safe_load)."""
    data = yaml.safe_load(contract(*CASSETTES, name).read_text())
    return list(data["interactions"])


def recorded_body(interaction: dict[str, Any]) -> str:
    body = interaction["response"]["body"].get("string", "")
    return body.decode() if isinstance(body, bytes) else str(body)


def recorded_json(name: str, method: str, path: str, index: int = 0) -> Any:
    """The JSON of the ``index``-th recorded answer to ``method path`` in a cassette."""
    matches = [
        i
        for i in cassette(name)
        if i["request"]["method"] == method and httpx.URL(i["request"]["uri"]).path == path
    ]
    return json.loads(recorded_body(matches[index]))


def replay(server: HTTPServer, name: str, *, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Serve a cassette's answers in order from ``server``, as the real instance gave them.

    Requests are matched by method and path; answers to the same path are given in the
    order they were recorded. ``skip`` leaves out requests whose path contains a marker.
    """
    interactions = [i for i in cassette(name) if not any(m in i["request"]["uri"] for m in skip)]
    for interaction in interactions:
        request, response = interaction["request"], interaction["response"]
        headers = {
            key: value[0] if isinstance(value, list) else value
            for key, value in response["headers"].items()
            if key.lower()
            in (
                "content-type",
                "link",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            )
        }
        link = headers.get("link") or headers.get("Link")
        if link:
            # Point the recorded links at this server instead of the recording's.
            headers = {k: v for k, v in headers.items() if k.lower() != "link"}
            headers["Link"] = link.replace("http://localhost:3000", server.url_for("").rstrip("/"))
        server.expect_oneshot_request(
            httpx.URL(request["uri"]).path, method=request["method"]
        ).respond_with_response(
            Response(recorded_body(interaction), status=response["status"]["code"], headers=headers)
        )
    return interactions
