"""The background worker: one loop that publishes on time and runs everything periodic.

Any number of workers may run against one database. Publications are claimed with a
conditional UPDATE, periodic jobs by moving their next run time, and queued tasks
(Django's Tasks framework, database backend) by the backend's own claim.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

from civicdesk.core.periodic import claim_periodic, finish_periodic
from civicdesk.organizations.models import Channel
from civicdesk.publishing import publisher

logger = logging.getLogger(__name__)


@dataclass
class WorkerOptions:
    interval: float = 1.0
    simulate_rate: float = 0.0  # messages per minute from the exercise network's public
    ingest_every: float = field(default_factory=lambda: float(settings.INGEST_INTERVAL_SECONDS))
    metrics_every: float = field(
        default_factory=lambda: float(settings.METRICS_INTERVAL_SECONDS)
    )
    max_tasks_per_tick: int = 20


class DeskWorker:
    def __init__(self, options: WorkerOptions | None = None, worker_id: str = "") -> None:
        self.options = options or WorkerOptions()
        self.worker_id = worker_id or publisher.new_worker_id()
        self.running = True
        self._last_simulated = time.monotonic()
        # One HTTP client for the worker's life: connections are reused between posts.
        self.client = publisher.shared_client()

    def periodic(self, name: str, every: float, job: Callable[[], object]) -> None:
        if not claim_periodic(name, timedelta(seconds=every)):
            return
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the loop
            logger.exception("periodic job %s failed", name)
            finish_periodic(name, error=f"{type(exc).__name__}: {exc}")
        else:
            finish_periodic(name)

    def tick(self) -> None:
        close_old_connections()
        publisher.publish_due(worker=self.worker_id, client=self.client)
        publisher.check_unconfirmed(worker=self.worker_id)
        self.periodic("publishing.recover", 30, publisher.recover_stale_claims)
        self.periodic("publishing.sweep_missed", 30, publisher.sweep_missed)
        channels = Channel.objects.filter(is_active=True).values_list("pk", "platform")
        for channel_id, platform in channels:
            if platform == "newsroom":
                self.periodic(f"newsroom.import.{channel_id}", 15 * 60,
                              lambda cid=channel_id: _import_feed(cid))
                continue
            self.periodic(f"inbox.ingest.{channel_id}", self.options.ingest_every,
                          lambda cid=channel_id: _ingest(cid))
            self.periodic(f"metrics.collect.{channel_id}", self.options.metrics_every,
                          lambda cid=channel_id: _collect(cid))
        self.periodic("inbox.understand_pending", 60, _understand_pending)
        self.periodic("connectors.refresh_tokens", 300, _refresh_tokens)
        if settings.UNDERSTANDING_TRAINING_DATA:
            self.periodic("understanding.retrain", settings.UNDERSTANDING_RETRAIN_DAYS * 86400,
                          _start_retraining)
        if self.options.simulate_rate > 0:
            self.periodic("exnet.simulate", 5, self._simulate)
        self.run_tasks()

    def _simulate(self) -> None:
        from civicdesk.exnet.simulator import simulate

        now = time.monotonic()
        elapsed, self._last_simulated = now - self._last_simulated, now
        simulate(seconds=min(elapsed, 60.0), rate_per_minute=self.options.simulate_rate)

    def run_tasks(self) -> None:
        TaskWorker(
            queue_names=["*"], interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=self.options.max_tasks_per_tick,
            worker_id=self.worker_id[:64], excluded_queue_names=[],
        ).run()

    def run(self, *, stop_after: float | None = None) -> None:
        started = time.monotonic()
        logger.info("worker %s started", self.worker_id)
        while self.running:
            began = time.monotonic()
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - log, wait, carry on (database restarts etc.)
                logger.exception("worker tick failed")
            if stop_after is not None and time.monotonic() - started >= stop_after:
                break
            time.sleep(max(0.0, self.options.interval - (time.monotonic() - began)))


def _ingest(channel_id: int) -> None:
    from civicdesk.inbox.ingest import ingest_channel

    ingest_channel(channel_id)


def _collect(channel_id: int) -> None:
    from civicdesk.analytics.collect import collect_channel

    collect_channel(channel_id)


def _import_feed(channel_id: int) -> None:
    from civicdesk.publishing.newsroom import import_feed

    import_feed(channel_id)


def _start_retraining() -> None:
    """Retrain, in separate processes, the model of each organization with corrections.

    Training takes minutes of CPU: it must not hold up publishing in this loop.
    """
    import subprocess
    import sys

    from civicdesk.inbox.models import Correction

    slugs = set(
        Correction.objects.values_list("message__channel__brand__organization__slug", flat=True)
    )
    log_dir = settings.DATA_DIR / "logs"
    log_dir.mkdir(exist_ok=True)
    for slug in sorted(slugs):
        with (log_dir / f"retrain-{slug}.log").open("ab") as log:
            subprocess.Popen(
                [sys.executable, "-m", "civicdesk.cli", "retrain_understanding",
                 "--organization", slug, "--data", settings.UNDERSTANDING_TRAINING_DATA],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )


def _refresh_tokens() -> None:
    from civicdesk.connectors.tokens import refresh_sweep

    refresh_sweep()


def _understand_pending() -> None:
    from civicdesk.inbox.understanding import understand_pending

    understand_pending()
