"""The guarded client: typed addresses never reach this machine or the office network.

Real local HTTP servers (pytest-httpserver on 127.0.0.1): the suite allows loopback for
its peers (tests/conftest.py), so each test here sets ``OUTBOUND_ALLOWED_HOSTS`` itself.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from civicdesk.core import outbound
from civicdesk.core.outbound import AddressRefused, TooLarge, Unreachable

NOT_PUBLIC = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_and_special_addresses_are_not_public(address: str) -> None:
    assert not outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address: str) -> None:
    assert outbound.is_public(ipaddress.ip_address(address))


def test_allowed_hosts_by_name_or_name_and_port(settings: Any) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["Feeds.Test", "127.0.0.1:8080", "[::1]", "[fd00::5]:9000"]
    assert outbound.host_allowed("feeds.test", 443)
    assert outbound.host_allowed("127.0.0.1", 8080)
    assert not outbound.host_allowed("127.0.0.1", 8081)
    assert outbound.host_allowed("::1", 1234)
    assert outbound.host_allowed("fd00::5", 9000)
    assert not outbound.host_allowed("fd00::5", 9001)
    assert not outbound.host_allowed("other.test", 443)


def at(server: HTTPServer, path: str) -> str:
    # By address: the server's own url_for says localhost, which is another host name.
    return f"http://127.0.0.1:{server.port}{path}"


@pytest.fixture
def client() -> Iterator[outbound.GuardedClient]:
    with outbound.guarded_client(timeout=5) as made:
        yield made


def test_loopback_is_refused_unless_allowed(
    settings: Any, httpserver: HTTPServer, client: httpx.Client
) -> None:
    httpserver.expect_request("/feed").respond_with_data("ok")
    settings.OUTBOUND_ALLOWED_HOSTS = []
    with pytest.raises(AddressRefused, match="not a public address"):
        client.get(at(httpserver, "/feed"))
    with pytest.raises(AddressRefused):
        client.get(f"http://localhost:{httpserver.port}/feed")
    assert httpserver.log == []  # refused before any connection
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port + 1}"]
    with pytest.raises(AddressRefused):
        client.get(at(httpserver, "/feed"))
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    assert client.get(at(httpserver, "/feed")).text == "ok"


def test_redirect_from_an_allowed_host_to_a_private_one_is_refused(
    settings: Any, httpserver: HTTPServer, client: outbound.GuardedClient
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    # localhost is the same server, but not a name the installation allowed.
    inside = f"http://localhost:{httpserver.port}/admin"
    httpserver.expect_request("/feed").respond_with_data(
        "", status=302, headers={"Location": inside}
    )
    httpserver.expect_request("/admin").respond_with_data("the inside")
    with pytest.raises(AddressRefused):
        outbound.fetch(client, at(httpserver, "/feed"))
    with pytest.raises(AddressRefused):  # httpx's own following checks every hop too
        client.get(at(httpserver, "/feed"), follow_redirects=True)
    assert [request.path for request, _ in httpserver.log] == ["/feed", "/feed"]


def test_redirects_are_capped(
    settings: Any, httpserver: HTTPServer, client: outbound.GuardedClient
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    httpserver.expect_request("/loop").respond_with_data(
        "", status=301, headers={"Location": "/loop"}
    )
    with pytest.raises(httpx.TooManyRedirects):
        outbound.fetch(client, at(httpserver, "/loop"), max_redirects=3)
    assert len(httpserver.log) == 4


def test_a_name_resolving_to_a_private_address_is_refused(
    settings: Any, monkeypatch: pytest.MonkeyPatch, client: httpx.Client
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = []
    answers = {"feeds.example": ["93.184.216.34", "10.0.0.7"], "meta.example": ["169.254.169.254"]}
    monkeypatch.setattr(outbound, "resolve", lambda host, port: answers[host])
    for host in answers:
        with pytest.raises(AddressRefused, match=host):
            client.get(f"https://{host}/news.xml")


def test_the_checked_address_is_the_one_connected_to_with_the_host_kept(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    client: httpx.Client,
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["feeds.example"]
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(outbound, "resolve", resolve)
    httpserver.expect_request("/news.xml").respond_with_data("ok")
    response = client.get(f"http://feeds.example:{httpserver.port}/news.xml")
    assert response.text == "ok" and asked == ["feeds.example"]
    [(request, _)] = httpserver.log
    assert request.headers["Host"] == f"feeds.example:{httpserver.port}"


class CountingBody:
    """A streamed body of ``total`` bytes that counts what the server managed to send."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk = total, chunk
        self.sent = 0
        self.done = threading.Event()

    def handler(self, request: Request) -> Response:
        def body() -> Iterator[bytes]:
            try:
                while self.sent < self.total:
                    self.sent += self.chunk
                    yield b"x" * self.chunk
            finally:
                self.done.set()

        return Response(body(), content_type="application/xml")


def test_an_oversized_body_is_cut_at_the_cap(
    settings: Any, httpserver: HTTPServer, client: outbound.GuardedClient
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    big = CountingBody(60 * 1024 * 1024)
    httpserver.expect_request("/big").respond_with_handler(big.handler)
    with pytest.raises(TooLarge, match="larger than 1 MB"):
        outbound.fetch(client, at(httpserver, "/big"), max_bytes=1024 * 1024)
    assert big.done.wait(10), "the server kept sending after the client stopped reading"
    # What was sent is the cap plus what the sockets' buffers took, not the 60 MB.
    assert big.sent < 20 * 1024 * 1024


def test_a_declared_length_over_the_cap_is_refused_unread(
    settings: Any, httpserver: HTTPServer, client: httpx.Client
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    httpserver.expect_request("/big").respond_with_data(b"x" * 3000)
    with pytest.raises(TooLarge, match="larger than 2 kB"):
        client.get(at(httpserver, "/big"), extensions={outbound.MAX_BYTES: 2048})


def test_a_small_gzip_that_inflates_past_the_cap_is_cut(
    settings: Any, httpserver: HTTPServer, client: httpx.Client
) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge):
        client.get(at(httpserver, "/bomb"))
    httpserver.expect_request("/small").respond_with_data(
        gzip.compress(b"<rss/>"), headers={"Content-Encoding": "gzip"}
    )
    assert client.get(at(httpserver, "/small")).content == b"<rss/>"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def filtered_port() -> Iterator[int]:
    """A port whose SYNs go unanswered, as behind a firewall: a full accept queue."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    for _ in range(4):  # enough to fill the queue; never accepted
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_a_closed_port_and_a_filtered_one_fail_alike(settings: Any, filtered_port: int) -> None:
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    failures = []
    with outbound.guarded_client(timeout=0.5) as client:
        for port in (closed_port(), filtered_port):
            with pytest.raises(Unreachable) as caught:
                client.get(f"http://127.0.0.1:{port}/")
            failures.append((type(caught.value), str(caught.value)))
    assert failures[0] == failures[1] == (Unreachable, "could not connect to 127.0.0.1")


def test_fetch_takes_only_a_guarded_client() -> None:
    with httpx.Client() as plain, pytest.raises(TypeError):
        outbound.fetch(plain, "https://example.org/")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "server",
    [
        "http://127.0.0.1:{port}",
        "https://169.254.169.254",
        "https://[::ffff:10.0.0.1]",
        "https://[fe80::1]",
        "https://0.0.0.0",
    ],
)
def test_mastodon_and_bluesky_server_fields_refuse_inside_addresses(
    settings: Any, httpserver: HTTPServer, server: str
) -> None:
    from civicdesk.connectors.base import RejectedError
    from civicdesk.connectors.bluesky.auth import BlueskyAppPasswordFlow
    from civicdesk.connectors.mastodon.auth import MastodonAuthFlow

    settings.OUTBOUND_ALLOWED_HOSTS = []
    address = server.format(port=httpserver.port)
    mastodon = MastodonAuthFlow()
    with pytest.raises(RejectedError, match="not a public address"):
        mastodon.start(redirect_uri="https://desk.example/cb", state="s", instance=address)
    mastodon.close()
    bluesky = BlueskyAppPasswordFlow()
    with pytest.raises(RejectedError, match="not a public address"):
        bluesky.finish(
            redirect_uri="",
            pending={},
            params={
                "identifier": "cityhall@example.org",
                "app_password": "a-b-c-d",
                "server": address,
            },
        )
    bluesky.close()
    assert httpserver.log == []


def test_the_worker_never_uses_a_shared_unguarded_client_for_a_typed_address(
    db: Any, settings: Any
) -> None:
    from civicdesk.connectors.registry import connector_for
    from tests.factories import make_channel, make_world

    world = make_world()
    channel = make_channel(
        brand=world.brand,
        platform="mastodon",
        handle="city@social.example",
        api_base_url="https://social.example",
    )
    with httpx.Client() as shared, connector_for(channel, client=shared) as connector:
        assert outbound.is_guarded(connector.client)
    with outbound.guarded_client() as guarded, connector_for(channel, client=guarded) as c:
        assert c.client is guarded
