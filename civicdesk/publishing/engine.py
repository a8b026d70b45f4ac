"""The worker's publishing loop: many publications in flight at once, each exactly once.

One thread claims due publications and hands them to a pool of sender threads; a heartbeat
renews the lease of every publication in flight. A worker keeps at most ``PUBLISH_THREADS``
requests in flight, at most the connector's ``max_concurrency`` per channel (the platforms
count per account) and at most ``PLATFORM_FANOUT`` times that per platform. Checks of
unconfirmed publications run in the same pool, so a slow platform never holds up the claims.

Senders queue their archive notes (``core.archive.queued``): a settle writes one small row
in its transaction, and the claiming loop writes the queue into the archive in batches after
each pass that finished work (and now and then, for notes a stopped worker left queued).

Nothing here talks to the database inside a long transaction: every write is one short
statement or one short transaction, and no transaction is open during an HTTP call (SQLite
has one writer at a time). Each thread closes its own database connections when it ends.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connections

from civicdesk.connectors.registry import connector_class
from civicdesk.core import archive
from civicdesk.publishing import publisher
from civicdesk.publishing.publisher import Claim

logger = logging.getLogger(__name__)

# A worker sends to one platform over at most this many of its accounts' limits at once.
PLATFORM_FANOUT = 4
CHECK_EVERY = 1.0
# A sender thread keeps its database connection while work keeps coming, and gives it back
# once idle this long: reconnecting for every publication cost more than sending it.
IDLE_CLOSE_SECONDS = 2.0
# The claiming loop looks at its connection's health at most this often (each look is a
# round trip), and at once after an error.
TIDY_EVERY = 1.0
# Notes queued by a worker that stopped are written by the next drain: look this often.
DRAIN_EVERY = 30.0
DRAIN_BATCH = 500


@dataclass(frozen=True)
class _Check:
    pk: int


class PublishEngine:
    def __init__(self, *, worker: str, threads: int | None = None, poll: float = 0.25) -> None:
        self.worker = worker
        self.threads = threads or settings.PUBLISH_THREADS
        self.poll = poll
        self.client = publisher.shared_client()
        self.work: queue.Queue[Claim | _Check | None] = queue.Queue()
        self.lock = threading.Lock()
        self.in_flight: dict[str, Claim] = {}
        self.checks = 0
        self.per_channel: Counter[int] = Counter()
        self.per_platform: Counter[str] = Counter()
        self.wake = threading.Event()
        self.report = publisher.PublishReport()
        self._last_check = 0.0
        self._last_recover = 0.0
        self._last_tidy = 0.0
        self._last_claim = 0.0
        self._last_drain = 0.0
        # Set by a sender that finished something (its settle may have queued a note).
        self.finished = threading.Event()
        # While requests are in flight, claim once this many threads are free (or a poll has
        # passed): claiming costs a handful of statements however many it takes.
        self.claim_batch = max(1, self.threads // 4)
        self._stop_heartbeat = threading.Event()

    # Capacity -------------------------------------------------------------------------------

    def free(self) -> int:
        with self.lock:
            return self.threads - len(self.in_flight) - self.checks

    def _limits(self, platform: str) -> tuple[int, int]:
        try:
            per_channel = connector_class(platform).max_concurrency
        except LookupError:
            per_channel = 1
        return per_channel, per_channel * PLATFORM_FANOUT

    def _acceptor(self) -> Callable[[int, str], bool]:
        """An ``accept`` for one claim call: counts what it says yes to on top of what flies."""
        with self.lock:
            channels, platforms = Counter(self.per_channel), Counter(self.per_platform)

        def accept(channel_id: int, platform: str) -> bool:
            per_channel, per_platform = self._limits(platform)
            if channels[channel_id] >= per_channel or platforms[platform] >= per_platform:
                return False
            channels[channel_id] += 1
            platforms[platform] += 1
            return True

        return accept

    # The claiming loop ----------------------------------------------------------------------

    def step(self) -> int:
        """One pass: claim what fits and hand it to the senders; now and then, checks and
        recovery. Returns how many publications were claimed."""
        if time.monotonic() - self._last_tidy >= TIDY_EVERY:
            self._last_tidy = time.monotonic()
            close_old_connections()
        claimed = 0
        free = self.free()
        now = time.monotonic()
        if free > 0 and (free >= self.claim_batch or now - self._last_claim >= self.poll):
            self._last_claim = now
            claims = publisher.claim(worker=self.worker, limit=free, accept=self._acceptor())
            if claims:
                claims = publisher.with_publications(claims)
            with self.lock:
                for one in claims:
                    self.in_flight[one.token] = one
                    self.per_channel[one.channel_id] += 1
                    self.per_platform[one.platform] += 1
            for one in claims:
                self.work.put(one)
            claimed = len(claims)
        now = time.monotonic()
        if now - self._last_check >= CHECK_EVERY and self.free() > 0:
            self._last_check = now
            for pk in publisher.claim_checks(worker=self.worker, limit=max(1, self.free())):
                with self.lock:
                    self.checks += 1
                self.work.put(_Check(pk))
        if self.finished.is_set() or now - self._last_drain >= DRAIN_EVERY:
            self.finished.clear()
            self._last_drain = now
            self._drain()
        if now - self._last_recover >= settings.PUBLISH_LEASE_SECONDS / 3:
            self._last_recover = now
            recovered = publisher.recover_stale_claims()
            if recovered:
                logger.warning("%s claims ran out of lease; checking them", recovered)
        return claimed

    def _drain(self) -> None:
        """Write the archive's queued notes; a failure leaves them queued and is logged, and
        never stops the publishing."""
        try:
            while archive.drain(DRAIN_BATCH) >= DRAIN_BATCH:
                pass
        except Exception:  # noqa: BLE001 - the notes stay queued for the next drain
            logger.exception("writing the archive's queued notes failed")

    def run(self, stop: threading.Event) -> None:
        senders = [
            threading.Thread(target=self._send_loop, name=f"publish-{n}", daemon=True)
            for n in range(self.threads)
        ]
        heartbeat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        for thread in [*senders, heartbeat]:
            thread.start()
        try:
            while not stop.is_set():
                try:
                    claimed = self.step()
                except Exception:  # noqa: BLE001 - log, wait, carry on (database restarts etc.)
                    logger.exception("publishing loop failed")
                    self._last_tidy = 0.0  # look at the connection before the next pass
                    claimed = 0
                if claimed and self.free() > 0:
                    continue  # more may be due right now
                self.wake.wait(self.poll)
                self.wake.clear()
        finally:
            # Finish what is in flight (each request ends within the connector's timeout),
            # then let the threads go.
            for _ in senders:
                self.work.put(None)
            for thread in senders:
                thread.join()
            self._drain()
            self._stop_heartbeat.set()
            heartbeat.join()
            self.client.close()
            connections.close_all()

    # Sender threads and the heartbeat ------------------------------------------------------

    def _send_loop(self) -> None:
        try:
            with archive.queued():
                self._send_all()
        finally:
            connections.close_all()

    def _send_all(self) -> None:
        while True:
            try:
                item = self.work.get(timeout=IDLE_CLOSE_SECONDS)
            except queue.Empty:
                # Idle: give the database connection back (PostgreSQL counts them).
                connections.close_all()
                item = self.work.get()
            if item is None:
                return
            try:
                if isinstance(item, _Check):
                    publisher.check_one(item.pk, worker=self.worker)
                else:
                    publisher.publish_one(
                        item, worker=self.worker, report=self.report, client=self.client
                    )
            except Exception:  # noqa: BLE001 - the lease runs out and a check decides
                logger.exception("publishing %s failed", item)
                # A broken connection (a database restart) is dropped, not reused.
                close_old_connections()
            finally:
                self._done(item)

    def _done(self, item: Claim | _Check) -> None:
        with self.lock:
            if isinstance(item, _Check):
                self.checks -= 1
            else:
                self.in_flight.pop(item.token, None)
                self.per_channel[item.channel_id] -= 1
                self.per_platform[item.platform] -= 1
        self.finished.set()
        self.wake.set()

    def _heartbeat(self) -> None:
        every = max(0.2, settings.PUBLISH_LEASE_SECONDS / 3)
        try:
            while not self._stop_heartbeat.wait(every):
                with self.lock:
                    tokens = list(self.in_flight)
                try:
                    publisher.renew_leases(tokens)
                except Exception:  # noqa: BLE001 - the next beat tries again
                    logger.exception("renewing leases failed")
        finally:
            connections.close_all()
