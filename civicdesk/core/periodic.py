"""Claiming periodic jobs: a conditional UPDATE decides which worker runs a job."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.core.models import PeriodicJob


def claim_periodic(name: str, every: timedelta, *, now: datetime | None = None) -> bool:
    """True when this caller should run ``name`` now; the next run is pushed ``every`` later."""
    now = now or timezone.now()
    job = PeriodicJob.objects.filter(name=name).only("next_run_at").first()
    if job is None:
        try:
            with transaction.atomic():
                PeriodicJob.objects.create(name=name, next_run_at=now + every, last_started_at=now)
            return True
        except IntegrityError:
            return False
    if job.next_run_at > now:
        return False
    updated = PeriodicJob.objects.filter(name=name, next_run_at=job.next_run_at).update(
        next_run_at=now + every, last_started_at=now
    )
    return updated == 1


def finish_periodic(name: str, *, error: str = "") -> None:
    PeriodicJob.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_error=error[:2000]
    )
