"""A local peer for the alerts: a webhook receiver on 127.0.0.1 that checks the signature as a
receiver would, and stops with its fixture (the SMTP server is tests/mail.py's)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Hook:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """The bodies whose signature holds with ``secret``."""
        good = []
        for request in self.received:
            signed = request["timestamp"].encode() + b"." + request["raw"]
            expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, request["signature"]):
                good.append(request["body"])
        return good


@pytest.fixture
def webhook(settings: Any) -> Iterator[Hook]:
    hook = Hook(url="")

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hook.received.append(
                {
                    "raw": raw,
                    "body": json.loads(raw),
                    "signature": self.headers.get("X-CivicDesk-Signature", ""),
                    "timestamp": self.headers.get("X-CivicDesk-Timestamp", ""),
                    "content_type": self.headers.get("Content-Type", ""),
                }
            )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            hook.arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    port = server.server_address[1]
    hook.url = f"http://127.0.0.1:{port}/hooks/civicdesk"
    settings.OUTBOUND_ALLOWED_HOSTS = [*settings.OUTBOUND_ALLOWED_HOSTS, f"127.0.0.1:{port}"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
