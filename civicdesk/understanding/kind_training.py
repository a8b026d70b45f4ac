"""Training and grouped evaluation of the kind and urgency models on the labelled set.

Settings are chosen by grouped cross-validation on the training part only: whole crisis events,
whole videos and whole data sets (complaints, CONSTRAINT, infodemic, authored) are left out
together, so a figure says how the model does on an event, video or source it has not seen.
The held-out part of the labelled set (``labelset.held_out``) is never trained on.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

import numpy as np

from . import embedding, kinds, labelset
from .features import counts
from .textutil import scrub
from .types import KINDS, URGENCIES

KIND_C = (1.0,)
URGENCY_C = 2.0
FOLDS = 5
RECALL_TARGET = 0.85
THRESHOLD_KINDS = ("emergency", "help_request")


@dataclass
class Design:
    x: object
    cue_rows: np.ndarray


def design(texts: list[str]) -> Design:
    clean = [scrub(t) for t in texts]
    cue_rows = kinds.cue_matrix(clean)
    emb = embedding.embed(clean)
    return Design(kinds.design(counts(clean), emb, cue_rows), cue_rows)


def _fit(x, y: np.ndarray, n_labels: int, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=300, class_weight="balanced")
    model.fit(x, y)
    coef = np.zeros((x.shape[1], n_labels), np.float32)
    bias = np.full(n_labels, -30.0, np.float32)
    coef[:, model.classes_] = model.coef_.T
    bias[model.classes_] = model.intercept_
    return coef, bias


def _groups(messages: list[labelset.LabelledMessage]) -> np.ndarray:
    by_group = ("crisislex_t26", "youtube_spam")
    names = [m.group if m.source in by_group else m.source for m in messages]
    if len(set(names)) < FOLDS:  # too few sources to leave whole ones out: split by id
        names = [f"{m.source}:{zlib.crc32(m.id.encode()) % FOLDS}" for m in messages]
    return np.array(names)


def _probs(x, coef, bias, temperature=1.0):
    z = (np.asarray(x @ coef) + bias) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def out_of_fold(x, y, groups, n_labels, c) -> np.ndarray:
    """Grouped out-of-fold probabilities (whole events, videos and sources left out)."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros((x.shape[0], n_labels))
    for train_idx, test_idx in GroupKFold(FOLDS).split(x, y, groups):
        coef, bias = _fit(x[train_idx], y[train_idx], n_labels, c)
        oof[test_idx] = _probs(x[test_idx], coef, bias)
    return oof


def _temperature(p: np.ndarray, y: np.ndarray) -> float:
    logp = np.log(np.clip(p, 1e-9, 1))
    best, best_t = np.inf, 1.0
    for t in (0.5, 0.7, 1.0, 1.4, 2.0, 3.0):
        q = np.exp(logp / t)
        q /= q.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(np.clip(q[np.arange(len(y)), y], 1e-9, 1)))
        if loss < best:
            best, best_t = loss, t
    return best_t


def _thresholds(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Per kind, the highest threshold whose out-of-fold recall reaches the target."""
    out = {}
    for kind in THRESHOLD_KINDS:
        j = KINDS.index(kind)
        pos = y == j
        if not pos.any():
            continue
        chosen = 0.5
        for t in np.arange(0.5, 0.04, -0.025):
            chosen = float(round(t, 3))
            if (p[pos, j] >= t).mean() >= RECALL_TARGET:
                break
        out[kind] = chosen
    return out


def decisions(p: np.ndarray, thresholds: dict[str, float]) -> list[str]:
    return [kinds.decide(row, list(KINDS), thresholds) for row in p]


def train(messages: list[labelset.LabelledMessage], log=print) -> tuple[dict, dict]:
    """Fit both models on ``messages`` (the training part): C, the temperature and the recall
    thresholds are chosen on grouped out-of-fold predictions. Returns artifact arrays and meta."""
    from sklearn.metrics import f1_score

    t0 = time.perf_counter()
    d = design([m.text for m in messages])
    y = np.array([KINDS.index(m.kind) for m in messages])
    yu = np.array([URGENCIES.index(m.urgency) for m in messages])
    groups = _groups(messages)
    log(f"kind model: {len(messages)} rows, features in {time.perf_counter() - t0:.1f}s")
    best = None
    for c in KIND_C:
        oof = out_of_fold(d.x, y, groups, len(KINDS), c)
        f1 = f1_score(y, oof.argmax(1), average="macro")
        log(f"  kind C={c}: grouped out-of-fold macro-F1 {f1:.3f}")
        if best is None or f1 > best[0]:
            best = (f1, c, oof)
    _, c, oof = best
    temperature = _temperature(oof, y)
    thresholds = _thresholds(oof, y)
    coef, bias = _fit(d.x, y, len(KINDS), c)
    ucoef, ubias = _fit(d.x, yu, len(URGENCIES), URGENCY_C)
    arrays = {}
    for name, w, b in (("kind", coef, bias), ("urgency", ucoef, ubias)):
        q, scale = kinds.quantise(w)
        arrays[f"extra.{name}.w"], arrays[f"extra.{name}.scale"] = q, scale
        arrays[f"extra.{name}.b"] = b.astype(np.float32)
    meta = {
        "kind": {"labels": list(KINDS), "C": c, "temperature": temperature},
        "urgency": {"labels": list(URGENCIES), "C": URGENCY_C},
        "thresholds": thresholds,
        "embedding": embedding.backend(),
        "train_rows": len(messages),
        "sources": sorted({m.source for m in messages}),
        "cv": "grouped: crisis events, videos and data sets left out whole",
    }
    log(f"kind model: trained in {time.perf_counter() - t0:.1f}s, thresholds {thresholds}")
    return arrays, meta


def evaluate(data, heads) -> list:
    """Per-kind precision/recall/F1 and urgency accuracy of the installed models on the held-out
    part of the labelled set, with and without the authored messages (empty without a model)."""
    from .pipeline import understand_batch
    from .training import _table

    if kinds.from_heads(heads) is None:
        return []
    held = [m for m in labelset.load(data) if labelset.held_out(m)]
    tables = []
    for name, rows in (
        ("held-out part, data sets and authored", held),
        ("held-out part, data sets only", [m for m in held if m.source != labelset.AUTHORED]),
    ):
        if not rows:
            continue
        t0 = time.perf_counter()
        out = understand_batch([m.text for m in rows], models_dir=heads.path.parent)
        seconds = time.perf_counter() - t0
        note = f"{len(rows)} labelled messages the model did not train on"
        gold = [m.kind for m in rows]
        tables.append(
            _table("labelled set", f"kind ({name})", gold, [u.kind for u in out], seconds, note)
        )
        tables.append(
            _table(
                "labelled set",
                f"urgency ({name})",
                [m.urgency for m in rows],
                [u.urgency for u in out],
                seconds,
                note,
                list(URGENCIES),
            )
        )
    return tables
