"""Crisis exercises: a scenario played on the exercise network, what it did, and the scores."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Channel, Organization


class ExerciseState(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    STOPPED = "stopped", _("Stopped")


class Exercise(models.Model):
    """One run of a scenario for an organization, on exercise-network channels only.

    Scenario time runs ``speed`` times faster than real time from ``started_at``. ``fired``
    counts the scenario's actions done so far; the runner claims the next one by moving it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="exercises"
    )
    name = models.CharField(max_length=200)
    source = models.TextField(help_text=_("The scenario file as it was started."))
    # The absolute folder a scenario file's relative paths (crisis files) are read from,
    # whatever folder a later runner or worker works in; empty for an upload.
    scenario_dir = models.CharField(max_length=1000, blank=True)
    channels = models.ManyToManyField(Channel, related_name="exercises")
    speed = models.FloatField(default=1.0)
    state = models.CharField(max_length=10, choices=ExerciseState.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    fired = models.PositiveIntegerField(default=0)
    total_actions = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization"],
                condition=models.Q(state="running"),
                name="exercise_running",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_running(self) -> bool:
        return self.state == ExerciseState.RUNNING

    @property
    def scenario_folder(self) -> Path | None:
        return Path(self.scenario_dir) if self.scenario_dir else None

    def real_time(self, seconds: float) -> datetime:
        """When scenario second ``seconds`` falls, in real time."""
        return self.started_at + timedelta(seconds=seconds / self.speed)

    def scenario_seconds(self, when: datetime) -> float:
        """How far into the scenario a real moment is."""
        return (when - self.started_at).total_seconds() * self.speed


class ExerciseAction(models.Model):
    """One action the runner did: a public message, a rumour, a fault or an inject."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10)
    # Scenario seconds from the start at which it was due.
    at_seconds = models.FloatField()
    done_at = models.DateTimeField()
    # What it was: text, message kind, the network's post id, the approved correction, ...
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["exercise", "number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="exercise_action_once")
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} #{self.number} {self.kind}"
