"""``civicdesk evaluate-listening``: a synthetic crisis written as CrisisLex's files, and (when
the research data is on this machine) two real crises, one in Spanish."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicdesk.listening.evaluation import TWITTER_EPOCH_MS, evaluate, snowflake_time
from tests.conftest import RESEARCH_DATA

DATA = RESEARCH_DATA / "crisislex"


def snowflake(when: datetime, sequence: int) -> str:
    return str(((int(when.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22) + sequence)


def write_event(
    folder: Path, name: str, onset: datetime, tweets: list[tuple[int, str, bool]]
) -> None:
    (folder / name).mkdir(parents=True)
    with (folder / name / f"{name}-tweets_labeled.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "Tweet ID",
                " Tweet Text",
                " Information Source",
                " Information Type",
                " Informativeness",
            ]
        )
        for number, (minutes, text, related) in enumerate(tweets):
            when = onset + timedelta(minutes=minutes)
            label = "Related and informative" if related else "Not related"
            out.writerow([snowflake(when, number), text, "Media", "Other", label])


def test_snowflake_ids_carry_their_time() -> None:
    # A CrisisLexT26 tweet: the Spain train crash, 24 July 2013 around 19:00 UTC.
    assert snowflake_time("360118977848016896").date().isoformat() == "2013-07-24"
    when = datetime(2013, 7, 24, 18, 41, 7, tzinfo=UTC)
    assert snowflake_time(snowflake(when, 5)) == when


def test_a_synthetic_crisis_is_found_within_the_hour(tmp_path: Path) -> None:
    onset = datetime(2013, 7, 24, 18, 40, tzinfo=UTC)
    crash = [
        (m, f"Train derailed near the station, carriage {m} overturned, many injured", True)
        for m in range(0, 50, 2)
    ] + [
        (m, f"Un train a déraillé près de la gare, voiture {m} renversée", True)
        for m in range(1, 50, 4)
    ]
    noise = [
        (-60 * 24 * 3 + 37 * i, f"lunch idea number {i}: soup {i * 7} and bread", False)
        for i in range(120)
    ]
    write_event(tmp_path, "2013_Synthetic_train_crash", onset, crash + noise)
    rows, overall = evaluate(tmp_path, background_rate=3.0)
    assert rows[0].event == "2013_Synthetic_train_crash" and rows[0].messages == len(crash)
    assert rows[0].delay_hours is not None and 0 <= rows[0].delay_hours <= 1.5
    assert overall["detected"] == 1
    assert float(overall["v_measure"]) == pytest.approx(1.0) or float(overall["v_measure"]) > 0.5
    out = io.StringIO()
    call_command("evaluate_listening", data=str(tmp_path), background_rate=3.0, stdout=out)
    text = out.getvalue()
    assert "2013_Synthetic_train_crash" in text and "V-measure" in text
    assert "false alerts on quiet stretches" in text
    with pytest.raises(CommandError):
        call_command("evaluate_listening", data=str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError):
        call_command("evaluate_listening", data=str(tmp_path / "empty"))


@pytest.mark.research_data
def test_two_real_crises_one_in_spanish(tmp_path: Path) -> None:
    for name in ("2013_Spain_train_crash", "2013_LA_airport_shootings"):
        (tmp_path / name).symlink_to(DATA / "CrisisLexT26" / name)
    rows, overall = evaluate(tmp_path, background_rate=4.0)
    found = {row.event: row for row in rows}
    assert found["2013_Spain_train_crash"].language == "es"
    for row in rows:
        assert row.delay_hours is not None and row.delay_hours < 6, row
    assert float(overall["v_measure"]) > 0.3
