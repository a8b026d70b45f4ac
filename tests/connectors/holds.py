"""Late answers without sleeping: a fake platform holds an answer until the test lets it go.

A fault test makes a platform answer later than the client waits. Sleeping in the server's
handler for longer than the client's timeout makes every such test pay for both, and still
races on a busy machine. Instead the handler waits at a gate (``Holds.hold``), the client's
timeout is made small, and the test opens the gate once the client has given up; the
fixture that made the ``Holds`` closes it at teardown, so no answer outlives its test.

``Holds.wait_reached`` tells the test that the platform has done its part ("created, but
the answer never arrives") before the test goes on to ask the platform about it.
``FakePlatformServer.wait_idle`` tells a fixture that no request is still being answered
before the server is handed to the next test.
"""

from __future__ import annotations

import threading

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

# A safety net, never the way a test ends: a gate nobody opens still lets its handler go,
# so a broken test fails instead of hanging the suite.
LIMIT_SECONDS = 10.0

# For a client whose only request is held: a held answer then costs almost nothing.
CLIENT_TIMEOUT = 0.1
# For a client that also waits for answers that are not held (the publisher's one timeout
# for every request): as long as these tests gave such answers before, so that a busy
# machine does not turn an answered request into a timeout.
SHARED_TIMEOUT = 0.5


class Holds:
    """The gates at which a fake platform's handlers keep their answers back."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._gates: list[threading.Event] = []
        self._closed = False
        self.reached = 0  # answers held so far, released or not

    def hold(self, limit: float = LIMIT_SECONDS) -> None:
        """In the server's thread: keep the answer back until released (or ``limit`` passes)."""
        gate = threading.Event()
        with self._changed:
            self.reached += 1
            self._changed.notify_all()
            if self._closed:
                return
            self._gates.append(gate)
        try:
            gate.wait(limit)
        finally:
            with self._changed:
                self._gates.remove(gate)
                self._changed.notify_all()

    def wait_reached(self, count: int = 1) -> None:
        """In the test: wait until ``count`` answers have been held in all.

        A handler holds only once the platform's part is done, so after this the platform
        has (or has certainly not) taken the post, whatever the threads' timing was.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: self.reached >= count, LIMIT_SECONDS):
                raise AssertionError(f"the fake held {self.reached} answers, not {count}")

    def release(self) -> None:
        """Let every held answer go; return once their handlers have passed the gate."""
        with self._changed:
            for gate in self._gates:
                gate.set()
            if not self._changed.wait_for(lambda: not self._gates, LIMIT_SECONDS):
                raise AssertionError("a held handler did not move on after its release")

    def close(self) -> None:
        """At teardown: release everything, and hold nothing from now on."""
        with self._changed:
            self._closed = True
        self.release()


class FakePlatformServer(HTTPServer):
    """pytest-httpserver answering requests in parallel, as a real platform does (a held
    answer must not hold up the next request), and able to tell when none is in flight."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(host="127.0.0.1", port=port, threaded=True)
        self._busy = threading.Condition()
        self._in_flight = 0

    def application(self, request: Request) -> Response:
        # Counted around the whole of pytest-httpserver's work, its log entry included.
        with self._busy:
            self._in_flight += 1
        try:
            return super().application(request)
        finally:
            with self._busy:
                self._in_flight -= 1
                self._busy.notify_all()

    def wait_idle(self) -> None:
        """Wait until every request the server took has been answered."""
        with self._busy:
            if not self._busy.wait_for(lambda: self._in_flight == 0, LIMIT_SECONDS):
                raise AssertionError("the fake platform is still answering a request")
