"""Small shared tables: periodic jobs that many workers share without clashing."""

from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """A job that runs every so often; whichever worker moves ``next_run_at`` first runs it."""

    name = models.CharField(max_length=120, unique=True)
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_run_at"], name="periodic_due")]

    def __str__(self) -> str:
        return self.name
