"""A platform without idempotency keys, over real HTTP, that answers slowly and counts.

It speaks the exercise network's API (so the exnet connector talks to it) but, like X,
Facebook or LinkedIn, a repeated create makes a second post. A create is held ``hold`` seconds,
then lands, then is answered; a look-up by the client's marker sees only posts that landed.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class SlowPlatform:
    hold: float = 0.0
    posts: list[dict[str, Any]] = field(default_factory=list)
    received: Counter[str] = field(default_factory=Counter)  # POSTs per marker
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def wait_for_posts(self, count: int, timeout: float) -> bool:
        """Block until ``count`` creates have reached the platform (landed or not)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: self.received.total() >= count, timeout)

    def per_marker(self) -> Counter[str]:
        with self.lock:
            return Counter(post["client_ref"] for post in self.posts)

    def start(self) -> SlowPlatform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                marker = self.headers.get("Idempotency-Key", "")
                with platform.arrived:
                    platform.received[marker] += 1
                    platform.in_flight += 1
                    platform.most_in_flight = max(platform.most_in_flight, platform.in_flight)
                    platform.arrived.notify_all()
                # Held, then taken even if the client has gone (as real platforms do).
                threading.Event().wait(platform.hold)
                with platform.lock:
                    platform.in_flight -= 1
                    number = len(platform.posts) + 1
                    post = {
                        "id": str(number),
                        "url": f"{platform.url}/p/{number}",
                        "text": payload.get("text", ""),
                        "client_ref": marker,
                    }
                    platform.posts.append(post)
                try:
                    self._answer(201, post)
                except OSError:
                    pass  # the client went away

            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                query = parse_qs(urlparse(self.path).query)
                marker = (query.get("client_ref") or [""])[0]
                with platform.lock:
                    found = [p for p in platform.posts if p["client_ref"] == marker]
                self._answer(200, {"posts": found})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
