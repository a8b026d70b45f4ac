"""Learning from the team: retrain with corrections, keep the new model only if it is not worse."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import models, training

#: The score compared between models, per held-out task: the targets' headline metrics.
TOLERANCE = 0.005
#: A drop beyond the tolerance counts only when the candidate is also wrong on significantly
#: more of the same held-out rows than the current model (one-sided exact McNemar test), over
#: all the task's rows or over one label's rows (at SIGNIFICANCE divided by the number of
#: labels): a refit moves the kind model's macro-F1 by one or two points on its own (small
#: kinds have 30 to 50 held-out rows), and a team's corrections must not be refused for that
#: noise, while a model that gives up a small kind for more rows of a large one must be.
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class RetrainReport:
    replaced: bool
    reason: str
    corrections_used: int
    current: dict[str, float] = field(default_factory=dict)
    candidate: dict[str, float] = field(default_factory=dict)


def _scores(tables) -> dict[str, float]:
    return {f"{t.dataset}: {t.task}": round(t.macro_f1, 4) for t in tables}


def mcnemar_p(before: Sequence[bool], after: Sequence[bool]) -> float:
    """One-sided exact McNemar p-value that ``after`` is wrong on more rows than ``before``
    (each sequence: whether that row was predicted right); 1.0 when no row changed."""
    from scipy.stats import binomtest

    lost = sum(a and not b for a, b in zip(before, after, strict=True))
    gained = sum(b and not a for a, b in zip(before, after, strict=True))
    if not lost + gained:
        return 1.0
    return float(binomtest(lost, lost + gained, 0.5, alternative="greater").pvalue)


def worse_tasks(current: list, candidate: list) -> list[str]:
    """The held-out tasks on which ``candidate`` (evaluation tables) is worse than ``current``:
    its macro-F1 lower by more than ``TOLERANCE`` and, where both tables record each row's
    outcome on the same rows, wrong on significantly more of them, or of one label's rows
    (``SIGNIFICANCE``)."""
    before = {f"{t.dataset}: {t.task}": t for t in current}
    worse = []
    for table in candidate:
        name = f"{table.dataset}: {table.task}"
        old = before.get(name)
        if old is None or round(table.macro_f1, 4) >= round(old.macro_f1, 4) - TOLERANCE:
            continue
        if old.gold and len(old.gold) == len(table.gold) and not _loses_rows(old, table):
            continue  # about as many rows gained as lost: the noise of a refit
        worse.append(name)
    return worse


def _loses_rows(current, candidate) -> bool:
    """Whether ``candidate`` is wrong on significantly more of the same rows than ``current``:
    all of them, or (where the rows' gold labels match) one label's rows."""
    before, after = current.correct, candidate.correct
    if mcnemar_p(before, after) <= SIGNIFICANCE:
        return True
    if current.gold != candidate.gold:
        return False
    labels = sorted(set(current.gold))
    for label in labels:
        rows = [i for i, g in enumerate(current.gold) if g == label]
        p = mcnemar_p([before[i] for i in rows], [after[i] for i in rows])
        if p <= SIGNIFICANCE / len(labels):
            return True
    return False


def retrain(
    *, data_dir, corrections: Iterable[tuple[str, str, str]], out_dir, current_dir
) -> RetrainReport:
    """Train on the shared data plus ``corrections``; install into ``out_dir`` only if not worse.

    The candidate and the model in ``current_dir`` are evaluated on the same held-out splits;
    the candidate replaces it unless some task is worse (``worse_tasks``): its macro-F1 down by
    more than ``TOLERANCE`` with significantly more of the same rows wrong, over the task or
    over one label's rows.
    """
    corrections = [(str(text), str(fld), str(label)) for text, fld, label in corrections]
    usable = sum(
        1 for text, fld, label in corrections if training.correction_rows(text, fld, label)
    )
    with tempfile.TemporaryDirectory() as tmp:
        candidate_path = training.train(data_dir, tmp, corrections, log=lambda *_: None)
        candidate_tables = training.evaluate(data_dir, tmp)
        candidate = _scores(candidate_tables)
        models.forget()
        current_file = Path(current_dir) / models.ARTIFACT
        current_tables = training.evaluate(data_dir, current_dir) if current_file.is_file() else []
        current = _scores(current_tables)
        worse = worse_tasks(current_tables, candidate_tables)
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
