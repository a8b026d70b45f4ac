"""Training, evaluation, retraining and the management commands (need the research data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from civicdesk.understanding import RetrainReport, models, retrain, training


def _small_copy(shared: Path, dest: Path) -> Path:
    """A small data folder with the same layout: a few files of each data set."""
    for rel in [
        "constraint_covid19_fakenews",
        "youtube_spam_collection",
        "complaints_twitter_preotiuc2019",
    ]:
        shutil.copytree(shared / rel, dest / rel)
    t26 = shared / "crisislex" / "CrisisLexT26"
    for event in ["2013_Alberta_floods", "2013_West_Texas_explosion", "2013_Russia_meteor"]:
        shutil.copytree(t26 / event, dest / "crisislex" / "CrisisLexT26" / event)
    lines = (shared / "tweetlid2014" / "train.tsv").read_text(encoding="utf-8").splitlines()[:3000]
    (dest / "tweetlid2014").mkdir()
    (dest / "tweetlid2014" / "train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def test_installed_artifact_evaluates_on_held_out_rows(shared_data, capsys):
    call_command("evaluate_understanding", "--data", str(shared_data), "--no-throughput")
    out = capsys.readouterr().out
    assert "did not train on" in out
    assert "youtube_spam" in out and "Youtube05-Shakira" in out
    assert "constraint_covid19" in out and "valid" in out


def test_installed_artifact_meets_targets(shared_data):
    scores = {(t.dataset, t.task): t for t in training.evaluate(shared_data)}
    assert scores[("constraint_covid19", "false claim or real")].weighted_f1 >= 0.95
    assert scores[("crisislex_t26", "information type (unseen events)")].macro_f1 >= 0.52
    assert scores[("crisislex_t26", "informativeness (unseen events)")].macro_f1 >= 0.50
    assert scores[("complaints_twitter", "complaint or not (service subset)")].macro_f1 >= 0.76
    assert scores[("tweetlid2014", "language (prior es,pt,ca,gl,eu,en)")].accuracy >= 0.92


def test_unreadable_dataset_fails_clearly(tmp_path):
    bad = tmp_path / "youtube_spam_collection"
    bad.mkdir()
    (bad / "Youtube09.csv").write_text("COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\nx,a,d,hello,maybe\n")
    with pytest.raises(CommandError, match="cannot read a data set"):
        call_command("evaluate_understanding", "--data", str(tmp_path), "--no-throughput")


def test_missing_artifact_names_the_rebuild_command(tmp_path):
    with pytest.raises(models.ModelMissingError, match="train-understanding"):
        models.load(tmp_path)


@pytest.mark.slow
def test_train_and_retrain_on_small_copy(shared_data, tmp_path):
    data = _small_copy(shared_data, tmp_path / "data")
    current = tmp_path / "current"
    call_command("train_understanding", "--data", str(data), "--out", str(current))
    assert (current / "heads.npz").stat().st_size < 3_000_000
    report = retrain(
        data_dir=data,
        corrections=[
            ("the bus never came, worst service ever", "kind", "complaint"),
            ("roads closed downtown", "crisis_type", "infrastructure_utilities"),
            ("ignored", "nonsense", "x"),
        ],
        out_dir=current,
        current_dir=current,
    )
    assert isinstance(report, RetrainReport)
    assert report.corrections_used == 2
    assert report.replaced, report.reason
    assert report.candidate
