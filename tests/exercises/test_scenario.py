"""Scenario files: a good one loads and expands; a wrong one is refused whole, by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicdesk.exercises.models import Exercise
from civicdesk.exercises.scenario import Rumour, ScenarioError, Wave, expand, load_scenario
from civicdesk.exercises.services import exercise_start
from tests.exercises.conftest import SCENARIO
from tests.factories import World


def test_a_good_scenario_loads_and_expands_in_time_order() -> None:
    scenario = load_scenario(SCENARIO)
    assert scenario.name == "Flood on the quays"
    assert scenario.languages == ("en", "fr")
    assert [type(e.what).__name__ for e in scenario.timeline] == [
        "Inject",
        "Wave",
        "Rumour",
        "Fault",
        "Wave",
    ]
    actions = expand(scenario)
    assert [a.kind for a in actions].count("message") == 7
    emergencies = [a for a in actions if a.data.get("kind") == "emergency"]
    # One a minute from minute 2.
    assert [a.at_seconds for a in emergencies] == [120, 180, 240]
    assert actions == expand(scenario)  # the seed makes it repeatable
    assert all(a.at_seconds <= b.at_seconds for a, b in zip(actions, actions[1:], strict=False))


def test_every_problem_is_named_with_its_line() -> None:
    broken = (
        SCENARIO.replace("kind: emergency", "kind: flooding")
        .replace("      seconds: 0.3", "      seconds: 0.3\n      colour: red")
        .replace("      correction: Le barrage n'a pas cédé\n", "")
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(broken)
    lines = dict(caught.value.problems)
    text = str(caught.value)
    assert "line 11: kind must be one of" in text
    assert any("correction is missing" in p for p in lines.values())
    assert any("colour" in p for p in lines.values())
    assert len(caught.value.problems) == 3


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("name: x\n  : [", 2, "not valid YAML"),
        ("- a list", 1, "must be a mapping"),
        (
            SCENARIO.replace("language: fr\n      text: On", "language: de\n      text: On"),
            20,
            "not one of the scenario's",
        ),
        (SCENARIO.replace("  - at: 10\n", "  - at: 90\n"), 29, "from 0 to 60"),
        (
            SCENARIO.replace(
                "      bank: comment\n", "      bank: comment\n      texts: [hello]\n"
            ),
            31,
            "one of texts, bank or crisis_file",
        ),
    ],
)
def test_wrong_files_are_refused(text: str, line: int, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text)
    assert any(n == line and words in p for n, p in caught.value.problems), caught.value.problems


def test_a_crisis_file_in_the_crisislex_layout_is_read_at_run_time(tmp_path: Path) -> None:
    data = tmp_path / "floods.csv"
    data.write_text(
        "Tweet ID,Tweet Text,Information Source,Information Type,Informativeness\n"
        '1,"Road under water at the school, kids inside",Eyewitness,Affected individuals,'
        "Related and informative\n"
        "2,Thoughts with everyone,Outsiders,Sympathy and support,Related - but not informative\n",
        encoding="utf-8",
    )
    text = SCENARIO.replace(
        "      bank: comment\n",
        "      crisis_file:\n        path: floods.csv\n"
        "        information_type: Affected individuals\n",
    )
    scenario = load_scenario(text, base_dir=tmp_path)
    wave = scenario.timeline[-1].what
    assert isinstance(wave, Wave) and wave.crisis_file is not None
    texts = {a.data["text"] for a in expand(scenario) if a.data.get("kind") == "question"}
    assert texts == {"Road under water at the school, kids inside"}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, base_dir=tmp_path / "elsewhere")
    assert "cannot read the crisis file" in str(caught.value)
    data.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not in the CrisisLex layout"):
        load_scenario(text, base_dir=tmp_path)


def test_a_wrong_file_starts_nothing(world: World) -> None:
    with pytest.raises(Exception, match="line"):
        exercise_start(
            organization=world.org,
            actor=world.manager,
            source=SCENARIO.replace("count: 3", "count: many"),
            channels=[world.channel],
        )
    assert not Exercise.objects.exists()


def test_rumours_keep_their_correction() -> None:
    rumour = load_scenario(SCENARIO).timeline[2].what
    assert isinstance(rumour, Rumour) and rumour.correction == "Le barrage n'a pas cédé"
