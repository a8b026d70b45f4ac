"""The example scenarios shipped with Civic Desk: a flood and a bridge closure, in English and
French; each passes ``exercise check``, is offered on the screen and plays to its end."""

from __future__ import annotations

from importlib.resources import files
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from civicdesk.exercises import runner
from civicdesk.exercises.forms import SCENARIOS_DIR, shipped_scenarios
from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.scenario import load_scenario_file
from civicdesk.exnet.models import NetFault, NetPost
from tests.exercises.conftest import SteppedClock
from tests.factories import PASSWORD, World

SHIPPED = sorted(SCENARIOS_DIR.glob("*.yaml"))


def test_a_flood_and_a_bridge_closure_ship_in_english_and_french() -> None:
    names = {path.name for path in SHIPPED}
    assert names == {
        "flood-en.yaml",
        "flood-fr.yaml",
        "bridge-closure-en.yaml",
        "bridge-closure-fr.yaml",
    }
    for path in SHIPPED:
        language = path.stem.rsplit("-", 1)[1]
        assert load_scenario_file(path).languages == (language,)
    # They are package data: found through the installed package, not the source tree only.
    packaged = {p.name for p in files("civicdesk.exercises.scenarios").iterdir()}
    assert names <= packaged


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_passes_exercise_check(path: Path) -> None:
    out = StringIO()
    call_command("exercise", "check", str(path), stdout=out)
    assert out.getvalue().strip().endswith("valid")


def test_a_shipped_scenario_is_started_from_the_screen_and_plays_to_its_end(
    world: World, clock: SteppedClock
) -> None:
    assert ("flood-en.yaml", "River flood — evening of heavy rain") in shipped_scenarios()
    client = Client()
    assert client.login(username=world.manager.get_username(), password=PASSWORD)
    answer = client.post(
        "/exercises/",
        {"scenario": "flood-en.yaml", "channels": [world.channel.pk], "speed": "600"},
    )
    assert answer.status_code == 302
    exercise = Exercise.objects.get()
    runner.run(exercise, clock=clock)
    exercise.refresh_from_db()
    assert exercise.state == ExerciseState.FINISHED
    assert exercise.fired == exercise.total_actions
    planted = NetPost.objects.filter(account__is_simulated=True)
    assert planted.count() == 6 + 4 + 1 + 5 + 3 + 1  # the waves and the two rumours
    assert not NetFault.objects.exists()  # the latency and rate limit ended with it
    report = client.get(f"/exercises/{exercise.pk}/").content.decode()
    assert "After-action report" in report
    assert "The mayor wants a public statement" in report
