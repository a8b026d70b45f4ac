"""Playing an exercise on a clock: real time, or a clock a test steps without sleeping.

``--speed N`` is N scenario minutes a real minute; the exercise keeps its start and speed, so
the runner only asks the clock what time it is and sleeps until the next action is due.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from django.utils import timezone

from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.services import actions_of, exercise_tick

MAX_NAP_SECONDS = 1.0


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> datetime:
        return timezone.now()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def run(
    exercise: Exercise,
    *,
    clock: Clock | None = None,
    on_step: Callable[[Exercise, int], None] | None = None,
) -> Exercise:
    """Play the exercise until it finishes or is stopped (from a screen or another runner)."""
    clock = clock or WallClock()
    actions = actions_of(exercise)
    while True:
        fired = exercise_tick(exercise=exercise, now=clock.now())
        if on_step is not None and fired:
            on_step(exercise, fired)
        if exercise.state != ExerciseState.RUNNING:
            return exercise
        due = (
            exercise.real_time(actions[exercise.fired].at_seconds)
            if exercise.fired < len(actions)
            else exercise.ends_at
        )
        wait = (min(due, exercise.ends_at) - clock.now()).total_seconds()
        clock.sleep(min(max(wait, 0.0), MAX_NAP_SECONDS))
