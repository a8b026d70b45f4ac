"""An idle worker asks the database the same handful of questions at 10 channels and at 1,000."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicdesk.core.models import PeriodicJob
from civicdesk.organizations.models import Channel
from civicdesk.runtime.worker import DeskWorker, WorkerOptions
from tests.core.conftest import Desk

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def add_channels(desk: Desk, count: int, start: int) -> None:
    Channel.objects.bulk_create(
        [
            Channel(brand=desk.brand, platform="exnet", handle=f"idle{start + n}")
            for n in range(count)
        ]
    )


def one_idle_pass(worker: DeskWorker) -> list[str]:
    """The statements of one pass of every loop, with nothing to do."""
    worker.sync_jobs()
    # Everything has just run: nothing is due.
    PeriodicJob.objects.update(next_run_at=timezone.now() + timedelta(hours=1))
    worker.engine._last_check = 0.0  # the pass includes the look for due checks
    with CaptureQueriesContext(connection) as captured:
        worker.periodic_tick()
        worker.engine.step()
        worker.run_tasks()
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)
    ]


@pytest.mark.django_db(transaction=True)
def test_an_idle_pass_does_not_grow_with_channels(desk: Desk) -> None:
    worker = DeskWorker(WorkerOptions(), worker_id="idle")
    worker.engine.step()  # the first step also recovers stale claims; count a usual one
    add_channels(desk, 9, 0)
    at_10 = one_idle_pass(worker)
    assert PeriodicJob.objects.count() >= 2 * 10
    add_channels(desk, 990, 9)
    at_1000 = one_idle_pass(worker)
    # Every channel's ingest and metrics are jobs...
    assert PeriodicJob.objects.filter(name__startswith="inbox.ingest.").count() == 1000
    # ...yet a pass asks the same: the due periodic jobs, the due publications, the due
    # checks and the queued tasks.
    assert len(at_10) == len(at_1000) <= 5, "\n".join(at_1000)
    assert sum("core_periodicjob" in sql for sql in at_1000) == 1
