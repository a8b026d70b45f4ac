"""A scenario's crisis file given relative to the scenario file is read from the scenario's
folder by every path that plays it: the command run from another folder, the worker that
ticks it later from yet another, and the screen that starts a shipped scenario. An upload,
which has no folder, must name the file by its full path."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from civicdesk.exercises import forms as exercise_forms
from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.services import tick_running
from tests.exercises.conftest import SteppedClock
from tests.factories import PASSWORD, World

CRISIS_TEXT = "Water over the road at the school, children inside"

SCENARIO = """\
name: Flood from the data
languages: [en]
duration_minutes: 3
seed: 3
timeline:
  - at: 0
    wave:
      kind: emergency
      language: en
      rate_per_minute: 2
      count: 2
      crisis_file:
        path: {path}
        information_type: Affected individuals
expectations:
  emergency_answered_within_minutes: 10
"""


def _scenario_folder(root: Path) -> Path:
    folder = root / "scenarios"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "floods.csv").write_text(
        "Tweet ID,Tweet Text,Information Source,Information Type,Informativeness\n"
        f'1,"{CRISIS_TEXT}",Eyewitness,Affected individuals,Related and informative\n'
        "2,Thoughts with everyone,Outsiders,Sympathy and support,Related - but not informative\n",
        encoding="utf-8",
    )
    (folder / "flood.yaml").write_text(SCENARIO.format(path="data/floods.csv"), encoding="utf-8")
    return folder


def _fired_texts(exercise: Exercise) -> set[str]:
    return {a.data["text"] for a in exercise.actions.filter(kind="message")}


def test_the_command_run_from_another_folder_reads_the_crisis_file_beside_the_scenario(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _scenario_folder(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = StringIO()
    call_command(
        "exercise",
        "run",
        "../scenarios/flood.yaml",
        "--organization",
        str(world.org.pk),
        "--channel",
        str(world.channel.pk),
        "--speed",
        "600",
        stdout=out,
    )
    exercise = Exercise.objects.get()
    assert exercise.state == ExerciseState.FINISHED, out.getvalue()
    assert exercise.scenario_dir == str(tmp_path / "scenarios")
    assert _fired_texts(exercise) == {CRISIS_TEXT}
    assert "score" in out.getvalue()


def test_the_screen_starts_a_shipped_scenario_and_a_worker_elsewhere_plays_it(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clock: SteppedClock,
) -> None:
    monkeypatch.setattr(exercise_forms, "SCENARIOS_DIR", _scenario_folder(tmp_path))
    client = Client()
    assert client.login(username=world.manager.get_username(), password=PASSWORD)
    started = client.post(
        "/exercises/",
        {"scenario": "flood.yaml", "channels": [world.channel.pk], "speed": "60"},
    )
    assert started.status_code == 302, started.content.decode()[:2000]
    # The worker runs in another folder than the web process.
    other = tmp_path / "worker"
    other.mkdir()
    monkeypatch.chdir(other)
    for _ in range(4):
        clock.sleep(30)
        tick_running()
    exercise = Exercise.objects.get()
    assert exercise.state == ExerciseState.FINISHED
    assert _fired_texts(exercise) == {CRISIS_TEXT}
    assert exercise.report["scores"][0]["expectation"] == "emergency_answered"


def test_an_upload_names_its_crisis_file_by_its_full_path(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _scenario_folder(tmp_path)
    monkeypatch.chdir(folder)  # where a relative path would wrongly be found
    client = Client()
    assert client.login(username=world.manager.get_username(), password=PASSWORD)
    relative = SCENARIO.format(path="data/floods.csv").encode()
    refused = client.post(
        "/exercises/",
        {
            "upload": SimpleUploadedFile("flood.yaml", relative),
            "channels": [world.channel.pk],
            "speed": "60",
        },
    )
    assert refused.status_code == 400
    assert "give the crisis file&#x27;s full path" in refused.content.decode()
    assert not Exercise.objects.exists()

    absolute = SCENARIO.format(path=str(folder / "data" / "floods.csv")).encode()
    started = client.post(
        "/exercises/",
        {
            "upload": SimpleUploadedFile("flood.yaml", absolute),
            "channels": [world.channel.pk],
            "speed": "60",
        },
    )
    assert started.status_code == 302
    assert Exercise.objects.get().scenario_dir == ""
