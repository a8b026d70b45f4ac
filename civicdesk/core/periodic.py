"""Periodic jobs shared by many workers: one query finds what is due, a conditional UPDATE
decides which worker runs each job.

Every job is a row (per-channel jobs too), kept in step with the channels by
:func:`sync_jobs`; so an idle worker asks one question a tick however many channels exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.utils import timezone

from civicdesk.core.models import PeriodicJob


def due_jobs(*, now: datetime | None = None, limit: int = 50) -> list[tuple[str, datetime]]:
    """The jobs whose time has come, earliest first: one query."""
    now = now or timezone.now()
    return list(
        PeriodicJob.objects.filter(next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("name", "next_run_at")[:limit]
    )


def take_job(
    name: str, seen_at: datetime, every: timedelta, *, now: datetime | None = None
) -> bool:
    """True when this caller moved the job's next run first (and so runs it now)."""
    now = now or timezone.now()
    return (
        PeriodicJob.objects.filter(name=name, next_run_at=seen_at).update(
            next_run_at=now + every, last_started_at=now
        )
        == 1
    )


def sync_jobs(wanted: Mapping[str, datetime], *, prefixes: tuple[str, ...] = ()) -> None:
    """Create the jobs in ``wanted`` (name → first run) that are missing, and delete the jobs
    under ``prefixes`` that are no longer wanted (a channel removed or switched off)."""
    existing = set(PeriodicJob.objects.values_list("name", flat=True))
    PeriodicJob.objects.bulk_create(
        [
            PeriodicJob(name=name, next_run_at=at)
            for name, at in wanted.items()
            if name not in existing
        ],
        ignore_conflicts=True,
    )
    gone = [
        name for name in existing if name not in wanted and prefixes and name.startswith(prefixes)
    ]
    if gone:
        PeriodicJob.objects.filter(name__in=gone).delete()


def finish_periodic(name: str, *, error: str = "") -> None:
    PeriodicJob.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_error=error[:2000]
    )
