"""One guarded HTTP client for every request to an address a person typed.

A feed's address, a Mastodon server, a Bluesky handle or server: a person types them, so
they may name this machine, the office network or a cloud's metadata service. Every
request to such an address goes through ``guarded_client`` (or ``fetch``), which:

- refuses private, loopback, link-local, multicast, reserved and unspecified addresses,
  IPv4 and IPv6 alike (IPv4 inside IPv6 is unwrapped first), unless the host is named in
  the installation's ``OUTBOUND_ALLOWED_HOSTS`` (the exercise network, the tests' peers);
- checks the DNS answer that is actually used: the network backend resolves the name,
  checks every address and connects to a checked one, so a name cannot resolve to a
  public address for the check and a private one for the connection;
- checks every redirect again (each hop opens its own connection through that backend),
  follows at most ``MAX_REDIRECTS`` and, in ``fetch``, never reads a redirect's body;
- stops reading a body at a size cap (after decompression, so a small gzip cannot
  become a large answer) instead of reading it whole and measuring it afterwards;
- says the same thing for a closed port, a filtered one and an unreachable host, so the
  page cannot be used to map which ports are open.

Error messages name the problem (refused address, could not connect, timeout, too large,
HTTP status) and never carry the remote body.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext

# Feeds, API answers and media alike: anything larger is not what a person meant to connect.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
# The request extension that sets another cap for one request.
MAX_BYTES = "civicdesk.max_bytes"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(httpx.ConnectError):
    """The address is not a public one and the installation does not allow its host.

    A ``ConnectError``, so code that already handles "could not connect" stays safe.
    """


class Unreachable(httpx.ConnectError):
    """No connection: closed, filtered, unreachable or unknown, deliberately alike."""


class TooLarge(httpx.TransportError):
    """The answer passed the size cap; reading stopped there."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            gettext("the answer is larger than %(size)s") % {"size": size_text(max_bytes)}
        )
        self.max_bytes = max_bytes


def size_text(max_bytes: int) -> str:
    """5242880 as "5 MB", 2048 as "2 kB": how a person reads a cap."""
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes / (1024 * 1024):g} MB"
    return f"{max_bytes / 1024:g} kB"


# Which addresses may be reached


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (IPv4 inside IPv6 judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def host_allowed(host: str, port: int) -> bool:
    """Whether ``OUTBOUND_ALLOWED_HOSTS`` names this host (any port) or this host:port."""
    host = host.strip("[]").lower().rstrip(".")
    for entry in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", []):
        name, _, entry_port = entry.strip().lower().rpartition(":")
        if not name or "]" in entry_port or (":" in name and not name.endswith("]")):
            name, entry_port = entry.strip().lower(), ""  # a bare host, IPv6 included
        if name.strip("[]").rstrip(".") == host and entry_port in ("", str(port)):
            return True
    return False


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (tests patch this to play a hostile DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for host:port, all checked; raises AddressRefused."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise Unreachable(could_not_connect(host)) from None
    if host_allowed(host, port):
        return addresses
    if not addresses:
        raise Unreachable(could_not_connect(host))
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
        if not is_public(address):
            # Every address, not just the first: a name answering with one public and one
            # private address would otherwise reach the private one on a retry.
            raise AddressRefused(
                gettext("%(host)s is not a public address; Civic Desk does not connect to it")
                % {"host": host}
            )
    return addresses


def could_not_connect(host: str) -> str:
    return gettext("could not connect to %(host)s") % {"host": host}


# The client


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to checked addresses.

    The check lives in the network backend because that is where the name becomes a
    socket: checking the URL beforehand would leave a second DNS lookup (a rebinding
    attack's window) between the check and the connection. Connecting to the checked IP
    here changes nothing above it: httpcore still sends the URL's Host header and starts
    TLS with the host name (SNI and certificate check), so no URL rewriting is needed.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        for address in checked_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        # Refused, timed out or unreachable: one answer, so nobody maps ports through us.
        raise Unreachable(could_not_connect(host))


class _CappedStream(httpx.SyncByteStream):
    """The body, decompressed here and cut at ``max_bytes``."""

    def __init__(self, raw: httpx.SyncByteStream, max_bytes: int, encoding: str) -> None:
        self._raw = raw
        self._max_bytes = max_bytes
        # gzip and zlib-wrapped deflate both; 32 tells zlib to read either header.
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding else None

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._raw:
            if self._inflate is not None:
                try:
                    # Never more than one byte past the cap, whatever the compression ratio.
                    chunk = self._inflate.decompress(chunk, self._max_bytes - seen + 1)
                except zlib.error:
                    raise httpx.DecodingError(
                        gettext("the answer could not be decompressed")
                    ) from None
            seen += len(chunk)
            if seen > self._max_bytes:
                raise TooLarge(self._max_bytes)
            yield chunk

    def close(self) -> None:
        self._raw.close()


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(trust_env=False)
        self.max_bytes = max_bytes
        # httpx takes no network backend, so its pool is made again with ours; the TLS
        # context is httpx's default, as the pool it replaces had.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise AddressRefused(gettext("only http and https addresses are fetched"))
        max_bytes = int(request.extensions.get(MAX_BYTES, self.max_bytes))
        response = super().handle_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            response.close()
            raise TooLarge(max_bytes)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        encoding = "" if encoding == "identity" else encoding
        if encoding not in ("", "gzip", "x-gzip", "deflate"):
            response.close()
            raise httpx.DecodingError(gettext("the answer uses an unsupported encoding"))
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            # Decompressed here (to cap what it becomes), so httpx must not do it again.
            if not (encoding and name.lower() in ("content-encoding", "content-length"))
        ]
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_CappedStream(response.stream, max_bytes, encoding),
            extensions=response.extensions,
        )


class GuardedClient(httpx.Client):
    """An ``httpx.Client`` whose every connection goes through the checks above."""


def guarded_client(
    *, timeout: float | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> GuardedClient:
    return GuardedClient(
        transport=GuardedTransport(max_bytes=max_bytes),
        timeout=timeout if timeout is not None else settings.CONNECTOR_TIMEOUT_SECONDS,
        headers={"Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
    )


def is_guarded(client: httpx.Client | None) -> bool:
    return isinstance(client, GuardedClient)


# One GET, redirects followed here


@dataclass(frozen=True)
class Fetched:
    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes


def fetch(
    client: GuardedClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET ``url``: redirects followed here, each hop checked, the body read up to the cap.

    httpx would read a redirect's whole body before following it; here it is never read.
    Raises the httpx errors above (AddressRefused, Unreachable, TooLarge, timeouts) or
    ``httpx.TooManyRedirects``.
    """
    if not is_guarded(client):
        raise TypeError("fetch takes a guarded client")
    sent = dict(headers or {})
    target = httpx.URL(url)
    for _hop in range(max_redirects + 1):
        request = client.build_request(
            "GET", target, headers=sent, extensions={MAX_BYTES: max_bytes}
        )
        response = client.send(request, stream=True)
        try:
            if not response.has_redirect_location:
                return Fetched(
                    url=str(target),
                    status_code=response.status_code,
                    headers=response.headers,
                    content=response.read(),
                )
            following = target.join(response.headers["location"])
        finally:
            response.close()  # a redirect's body is never read
        if following.scheme not in ("http", "https"):
            raise AddressRefused(
                gettext("only http and https addresses are fetched"), request=request
            )
        if (following.scheme, following.host, following.port) != (
            target.scheme,
            target.host,
            target.port,
        ):
            # Credentials meant for one server are not handed to the next.
            sent = {k: v for k, v in sent.items() if k.lower() not in ("authorization", "cookie")}
        target = following
    raise httpx.TooManyRedirects(gettext("too many redirects"), request=request)
