"""Learning from the team: retrain with corrections, keep the new model only if it is not worse."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import models, training

#: The score compared between models, per held-out task: the targets' headline metrics.
TOLERANCE = 0.005


@dataclass(frozen=True)
class RetrainReport:
    replaced: bool
    reason: str
    corrections_used: int
    current: dict[str, float] = field(default_factory=dict)
    candidate: dict[str, float] = field(default_factory=dict)


def _scores(tables) -> dict[str, float]:
    return {f"{t.dataset}: {t.task}": round(t.macro_f1, 4) for t in tables}


def retrain(
    *, data_dir, corrections: Iterable[tuple[str, str, str]], out_dir, current_dir
) -> RetrainReport:
    """Train on the shared data plus ``corrections``; install into ``out_dir`` only if not worse.

    The candidate and the model in ``current_dir`` are evaluated on the same held-out splits;
    the candidate replaces it when no task's macro-F1 drops by more than ``TOLERANCE``.
    """
    corrections = [(str(text), str(fld), str(label)) for text, fld, label in corrections]
    usable = sum(
        1 for text, fld, label in corrections if training.correction_rows(text, fld, label)
    )
    with tempfile.TemporaryDirectory() as tmp:
        candidate_path = training.train(data_dir, tmp, corrections, log=lambda *_: None)
        candidate = _scores(training.evaluate(data_dir, tmp))
        models.forget()
        current_file = Path(current_dir) / models.ARTIFACT
        current = (
            _scores(training.evaluate(data_dir, current_dir)) if current_file.is_file() else {}
        )
        worse = [k for k, v in candidate.items() if k in current and v < current[k] - TOLERANCE]
        if worse:
            return RetrainReport(
                False, "candidate is worse on: " + ", ".join(worse), usable, current, candidate
            )
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(candidate_path, out / (models.ARTIFACT + ".new"))
        (out / (models.ARTIFACT + ".new")).replace(out / models.ARTIFACT)
    models.forget()
    reason = "no current model" if not current else "candidate is not worse on any held-out task"
    return RetrainReport(True, reason, usable, current, candidate)
