"""The background worker: publishing on time, periodic jobs and queued tasks, each in its
own loop so that none waits behind another.

- ``publish``: the publishing engine (``civicdesk.publishing.engine``), many publications in
  flight at once; never held up by an ingest, a metrics run or a task.
- ``periodic``: inbox ingest, metrics, token refresh, feeds, retraining; one query a tick finds
  what is due, however many channels there are.
- ``tasks``: queued tasks (Django's Tasks framework, database backend).

One ``civicdesk worker`` runs all three (a laptop); ``--only`` splits them over a cluster. Any
number of workers may run against one database: publications are claimed with a token and a
lease, periodic jobs by moving their next run time, tasks by the backend's own claim.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

from civicdesk.analytics.collect import collect_channel
from civicdesk.analytics.reports import draft_monthly_reports
from civicdesk.connectors.health import check_channel, check_every
from civicdesk.connectors.tokens import refresh_sweep
from civicdesk.core.periodic import due_jobs, finish_periodic, sync_jobs, take_job
from civicdesk.exercises.services import tick_running as tick_exercises
from civicdesk.exnet.simulator import simulate
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import Correction
from civicdesk.inbox.sla import sweep_breaches
from civicdesk.inbox.understanding import understand_pending
from civicdesk.inbox.understanding import warm_up as warm_up_understanding
from civicdesk.incidents.reminders import sweep_due_updates
from civicdesk.listening import jobs as listening
from civicdesk.organizations.models import Channel
from civicdesk.publishing import publisher
from civicdesk.publishing.engine import PublishEngine
from civicdesk.publishing.newsroom import import_feed
from civicdesk.publishing.recurrence import materialize_all as materialize_recurring
from civicdesk.records.anchoring import checkpoint_all
from civicdesk.records.recheck import recheck_all
from civicdesk.records.retention import retention_all
from civicdesk.records.verification import verify_all as verify_chains

logger = logging.getLogger(__name__)

ROLES = ("publish", "periodic", "tasks")
# Per-channel jobs, named "<kind>.<channel id>".
CHANNEL_KINDS = ("inbox.ingest", "metrics.collect", "newsroom.import", "channels.check")
SYNC_JOB = "core.sync_jobs"
SYNC_EVERY = 60.0
EXERCISE_TICK_SECONDS = 1.0
# A due job this worker does not know (an older or newer version wrote it) waits this long.
UNKNOWN_JOB_PAUSE = timedelta(hours=1)


@dataclass
class WorkerOptions:
    interval: float = 1.0
    simulate_rate: float = 0.0  # messages per minute from the exercise network's public
    ingest_every: float = field(default_factory=lambda: float(settings.INGEST_INTERVAL_SECONDS))
    metrics_every: float = field(default_factory=lambda: float(settings.METRICS_INTERVAL_SECONDS))
    max_tasks_per_tick: int = 20
    roles: tuple[str, ...] = ROLES
    publish_threads: int | None = None


class DeskWorker:
    def __init__(self, options: WorkerOptions | None = None, worker_id: str = "") -> None:
        self.options = options or WorkerOptions()
        unknown = set(self.options.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown worker role(s): {', '.join(sorted(unknown))}")
        self.worker_id = worker_id or publisher.new_worker_id()
        self.stopping = threading.Event()
        self._last_simulated = time.monotonic()
        self._next_simulation = 0.0
        self.engine = PublishEngine(
            worker=self.worker_id,
            threads=self.options.publish_threads,
            poll=min(0.25, self.options.interval),
        )

    @property
    def running(self) -> bool:
        return not self.stopping.is_set()

    @running.setter
    def running(self, value: bool) -> None:
        # Kept for callers that stop the worker by setting ``running = False``.
        if not value:
            self.stopping.set()

    def stop(self) -> None:
        self.stopping.set()

    # Periodic jobs ----------------------------------------------------------------------------

    def job(self, name: str) -> tuple[float, Callable[[], object]] | None:
        """How often ``name`` runs, and what it does; None for a job this worker does not know."""
        kind, _, arg = name.rpartition(".")
        if kind in CHANNEL_KINDS and arg.isdigit():
            channel_id = int(arg)
            if kind == "inbox.ingest":
                return self.options.ingest_every, lambda: ingest_channel(channel_id)
            if kind == "metrics.collect":
                return self.options.metrics_every, lambda: collect_channel(channel_id)
            if kind == "channels.check":
                return check_every(), lambda: check_channel(channel_id)
            return 15 * 60.0, lambda: import_feed(channel_id)
        fixed: dict[str, tuple[float, Callable[[], object]]] = {
            SYNC_JOB: (SYNC_EVERY, self.sync_jobs),
            "publishing.sweep_missed": (30.0, publisher.sweep_missed),
            "inbox.understand_pending": (60.0, understand_pending),
            "inbox.sla_breaches": (60.0, sweep_breaches),
            "incidents.remind": (30.0, sweep_due_updates),
            # Often: at --speed 60 a scenario minute is a real second.
            "exercises.tick": (EXERCISE_TICK_SECONDS, tick_exercises),
            "connectors.refresh_tokens": (300.0, refresh_sweep),
            # Recurring posts' occurrences, a rolling horizon ahead.
            "publishing.recurrence": (3600.0, materialize_recurring),
            # Records: sign the chains' heads, read received messages again, apply retention.
            "records.checkpoint": (float(settings.RECORDS_CHECKPOINT_SECONDS), checkpoint_all),
            "records.recheck": (15 * 60.0, recheck_all),
            "records.retention": (86400.0, retention_all),
            # Every chain read again from its first entry; the pages check only what follows.
            "records.verify": (float(settings.RECORDS_VERIFY_SECONDS), verify_chains),
            # Last month's report, drafted hourly until each organization's month has begun.
            "analytics.monthly_reports": (3600.0, draft_monthly_reports),
            # Listening: followed terms fetched, then topics grouped and spikes raised.
            "listening.fetch": (listening.FETCH_EVERY, listening.fetch),
            "listening.topics": (listening.TOPICS_EVERY, listening.topics_and_spikes),
        }
        if settings.UNDERSTANDING_TRAINING_DATA:
            fixed["understanding.retrain"] = (
                settings.UNDERSTANDING_RETRAIN_DAYS * 86400.0,
                _start_retraining,
            )
        return fixed.get(name)

    def wanted_jobs(self, now: datetime) -> dict[str, datetime]:
        """Every job there should be, with its first run (channels' jobs spread over a
        minute, so a thousand channels do not all start at once)."""
        wanted = {
            name: now
            for name in (
                SYNC_JOB,
                "publishing.sweep_missed",
                "inbox.understand_pending",
                "inbox.sla_breaches",
                "incidents.remind",
                "exercises.tick",
                "connectors.refresh_tokens",
                "publishing.recurrence",
                "records.checkpoint",
                "records.recheck",
                "records.retention",
                "records.verify",
                "analytics.monthly_reports",
                "listening.fetch",
                "listening.topics",
            )
        }
        if settings.UNDERSTANDING_TRAINING_DATA:
            wanted["understanding.retrain"] = now
        channels = Channel.objects.filter(is_active=True).values_list("pk", "platform")
        for channel_id, platform in channels:
            first = now + timedelta(seconds=channel_id % 60)
            kinds = (
                ("newsroom.import",)
                if platform == "newsroom"
                else ("inbox.ingest", "metrics.collect", "channels.check")
            )
            for kind in kinds:
                wanted[f"{kind}.{channel_id}"] = first
        return wanted

    def sync_jobs(self) -> None:
        sync_jobs(
            self.wanted_jobs(timezone.now()), prefixes=tuple(f"{kind}." for kind in CHANNEL_KINDS)
        )

    def periodic_tick(self) -> int:
        """Run the periodic jobs that are due; one query when none is. Returns how many ran."""
        close_old_connections()
        now = timezone.now()
        ran = 0
        for name, seen_at in due_jobs(now=now):
            if self.stopping.is_set():
                break
            known = self.job(name)
            if known is None:
                take_job(name, seen_at, UNKNOWN_JOB_PAUSE, now=now)
                continue
            every, run = known
            if not take_job(name, seen_at, timedelta(seconds=every), now=now):
                continue  # another worker took it
            ran += 1
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - one failing job must not stop the loop
                logger.exception("periodic job %s failed", name)
                finish_periodic(name, error=f"{type(exc).__name__}: {exc}")
            else:
                finish_periodic(name)
        if self.options.simulate_rate > 0 and time.monotonic() >= self._next_simulation:
            # Local to the worker started with --simulate, so not a shared job.
            self._next_simulation = time.monotonic() + 5
            self._simulate()
        return ran

    def _simulate(self) -> None:
        now = time.monotonic()
        elapsed, self._last_simulated = now - self._last_simulated, now
        simulate(seconds=min(elapsed, 60.0), rate_per_minute=self.options.simulate_rate)

    # Queued tasks -----------------------------------------------------------------------------

    def run_tasks(self) -> None:
        close_old_connections()
        TaskWorker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=self.options.max_tasks_per_tick,
            worker_id=self.worker_id[:64],
            excluded_queue_names=[],
        ).run()

    def tick(self) -> None:
        """Everything once, in this thread (tests and one-off runs)."""
        publisher.publish_due(worker=self.worker_id)
        publisher.check_unconfirmed(worker=self.worker_id)
        publisher.recover_stale_claims()
        self.periodic_tick()
        self.run_tasks()

    # The loops --------------------------------------------------------------------------------

    def _loop(self, name: str, step: Callable[[], object]) -> None:
        try:
            while not self.stopping.is_set():
                began = time.monotonic()
                try:
                    step()
                except Exception:  # noqa: BLE001 - log, wait, carry on (database restarts etc.)
                    logger.exception("worker %s loop failed", name)
                self.stopping.wait(max(0.0, self.options.interval - (time.monotonic() - began)))
        finally:
            connections.close_all()

    def _periodic(self) -> None:
        # Ingest understands every page it stores: the models are loaded before the first.
        warm_up_understanding()
        self._loop("periodic", self.periodic_tick)

    def _sync_once(self) -> None:
        try:
            self.sync_jobs()
        except Exception:  # noqa: BLE001 - the periodic sync tries again
            logger.exception("could not set up the periodic jobs")
        finally:
            connections.close_all()

    def run(self, *, stop_after: float | None = None) -> None:
        logger.info("worker %s started (%s)", self.worker_id, ", ".join(self.options.roles))
        threads = []
        if "publish" in self.options.roles:
            threads.append(
                threading.Thread(
                    target=self.engine.run, args=(self.stopping,), name="publish", daemon=True
                )
            )
        if "periodic" in self.options.roles:
            self._sync_once()
            threads.append(threading.Thread(target=self._periodic, name="periodic", daemon=True))
        if "tasks" in self.options.roles:
            threads.append(
                threading.Thread(
                    target=self._loop, args=("tasks", self.run_tasks), name="tasks", daemon=True
                )
            )
        for thread in threads:
            thread.start()
        try:
            self.stopping.wait(stop_after)
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join()


def _start_retraining() -> None:
    """Retrain, in separate processes, the model of each organization with corrections.

    Training takes minutes of CPU: it must not hold up publishing in this loop.
    """
    slugs = set(
        Correction.objects.values_list("message__channel__brand__organization__slug", flat=True)
    )
    log_dir = settings.DATA_DIR / "logs"
    log_dir.mkdir(exist_ok=True)
    for slug in sorted(slugs):
        with (log_dir / f"retrain-{slug}.log").open("ab") as log:
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "civicdesk.cli",
                    "retrain_understanding",
                    "--organization",
                    slug,
                    "--data",
                    settings.UNDERSTANDING_TRAINING_DATA,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
