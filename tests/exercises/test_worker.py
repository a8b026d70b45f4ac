"""The worker plays running exercises: a periodic job ticks each one."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.services import exercise_start
from civicdesk.runtime.worker import DeskWorker, WorkerOptions
from tests.exercises.conftest import SCENARIO, SteppedClock
from tests.factories import World


def test_the_worker_ticks_running_exercises_until_they_finish(
    world: World, clock: SteppedClock
) -> None:
    exercise = exercise_start(
        organization=world.org,
        actor=world.manager,
        source=SCENARIO,
        channels=[world.channel],
        speed=60.0,
    )
    worker = DeskWorker(WorkerOptions(roles=("periodic",)))
    assert "exercises.tick" in worker.wanted_jobs(timezone.now())
    job = worker.job("exercises.tick")
    assert job is not None
    every, run = job
    assert every <= 5.0  # a fast exercise must not wait long for its next action

    run()
    exercise.refresh_from_db()
    assert exercise.fired == 1  # the inject at minute 0
    clock.sleep(5)  # scenario minute 5
    run()
    exercise.refresh_from_db()
    assert exercise.fired == 6 and exercise.state == ExerciseState.RUNNING
    clock.traveller.shift(timedelta(seconds=61))  # past the end
    run()
    exercise.refresh_from_db()
    assert exercise.state == ExerciseState.FINISHED
    assert exercise.fired == exercise.total_actions
    assert exercise.report["scores"]
    run()  # nothing running any more: nothing fired
    assert Exercise.objects.get(pk=exercise.pk).fired == exercise.total_actions
