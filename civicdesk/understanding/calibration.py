"""Calibration of the kind scores: one Platt map per kind where a data set labels that kind.

Each kind's score starts as log-odds made of a trained head (where one exists) and hand-set cue
increments (``pipeline._kind_logits``). Where a research data set labels the kind, a Platt map
``p = sigmoid(a * z + b)`` turns those log-odds into a probability. The map is fitted on
*calibration folds of the training portions only*: the head is refitted without the fold (by
whole videos or events where the data has them, by a hash of the id otherwise), the fold is
scored with that refitted head, and the map is fitted on those out-of-fold log-odds. The
held-out rows (unseen events and videos, the CONSTRAINT valid file, held-out complaint ids) are
used only to measure reliability: expected calibration error and Brier score, before and after.

What each kind is calibrated against (the labels, and how far they are a proxy):

- complaint: complaints data set, customer-service subset (label 1 = complaint).
- spam: YouTube spam collection (class 1 = spam), whole videos.
- rumour: CONSTRAINT (label "fake" = false claim).
- emergency (during incidents only): CrisisLex T26 information type "Affected individuals" or
  "Infrastructure and utilities", whole events.
- help_request (during incidents only): CrisisLex T26 information type "Donations and
  volunteering" (requests for, and offers of, donations and volunteers: a proxy), whole events.

question, praise, suggestion and other have no labelled data here and are not calibrated.
The probabilities hold for messages like the calibration data, with its class balance (about
40 % complaints, 47 % spam, 48 % false claims, 24 % emergency and 9 % help requests among
crisis tweets); an inbox with another mix of messages shifts them.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import datasets as ds
from .textutil import scrub

#: Number of equal-width bins of the expected calibration error.
ECE_BINS = 10
#: Folds of the training ids (complaints, CONSTRAINT) used to fit the maps out of fold.
ID_FOLDS = 4
#: CrisisLex T26 training events whose tweets form the crisis calibration fold.
CALIBRATION_EVENTS = (
    "2012_Costa_Rica_earthquake",
    "2013_Colorado_floods",
    "2013_Spain_train_crash",
    "2013_Brazil_nightclub_fire",
)
EMERGENCY_TYPES = frozenset({"affected_individuals", "infrastructure_utilities"})
HELP_TYPES = frozenset({"donations_volunteering"})

#: kind -> (head whose refit gives out-of-fold scores, data set, applies only during incidents)
SOURCES = {
    "complaint": ("complaint", "complaints, customer-service subset (label 1)", False),
    "spam": ("spam", "YouTube spam collection (class 1)", False),
    "rumour": ("fake", "CONSTRAINT (label fake)", False),
    "emergency": (
        "crisis_type",
        "CrisisLex T26 type affected individuals or infrastructure and utilities",
        True,
    ),
    "help_request": ("crisis_type", "CrisisLex T26 type donations and volunteering", True),
}
#: Kinds without labelled data, and why (printed by the evaluation and written in the docs).
NOT_CALIBRATED = {
    "question": (
        "not calibrated: no labelled data (the infodemic set marks 2 tweets 'asks question')"
    ),
    "praise": "not calibrated: no labelled data",
    "suggestion": "not calibrated: no labelled data",
    "other": "not calibrated: no labelled data (1 minus the others, multiplied)",
}


def _fold(identifier: str) -> int:
    return zlib.crc32(("calibration:" + identifier.strip()).encode()) % ID_FOLDS


def _label(kind: str, ex: ds.Example) -> bool:
    if kind == "complaint":
        return ex.label == "complaint"
    if kind == "spam":
        return ex.label == "spam"
    if kind == "rumour":
        return ex.label == "fake"
    if kind == "emergency":
        return ex.label in EMERGENCY_TYPES
    return ex.label in HELP_TYPES


def _training_folds(data: dict[str, list[ds.Example]]) -> dict[str, list[tuple[list, list]]]:
    """Per head: (rows to refit the head on, calibration rows) pairs, training portions only."""
    from . import training

    out: dict[str, list[tuple[list, list]]] = {}
    rows = [
        ex
        for ex in data.get(ds.COMPLAINTS, [])
        if ex.group in ds.SERVICE_DOMAINS and not training.id_held_out(ex.id, 3)
    ]
    if rows:
        out["complaint"] = [
            ([e for e in rows if _fold(e.id) != k], [e for e in rows if _fold(e.id) == k])
            for k in range(ID_FOLDS)
        ]
    rows = [ex for ex in data.get(ds.SPAM, []) if ex.group not in training.HELD_OUT_VIDEOS]
    videos = sorted({ex.group for ex in rows})
    if len(videos) >= 2:  # leave one training video out
        out["spam"] = [
            ([e for e in rows if e.group != v], [e for e in rows if e.group == v]) for v in videos
        ]
    rows = [ex for ex in data.get(ds.CONSTRAINT, []) if ex.group in training.CONSTRAINT_TRAIN_FILES]
    if rows:  # one fold of four: the false-claim head is the slowest to fit
        out["fake"] = [
            ([e for e in rows if _fold(e.id) != 0], [e for e in rows if _fold(e.id) == 0])
        ]
    rows = [
        ex
        for ex in data.get(ds.CRISIS, [])
        if ex.label and ex.group not in training.HELD_OUT_EVENTS
    ]
    cal = [e for e in rows if e.group in CALIBRATION_EVENTS]
    if cal and len(cal) < len(rows):
        out["crisis_type"] = [([e for e in rows if e.group not in CALIBRATION_EVENTS], cal)]
    return out


def _fold_heads(head: str, rows: list[ds.Example]):
    """A :class:`models.Heads` holding only ``head``, refitted on ``rows``."""
    from . import training

    fitted = training.fit_head(head, [(ex.text, ex.label) for ex in rows])
    arrays, meta = training.head_arrays(head, fitted, len(rows))
    arrays["seen.complaint_ids"] = np.zeros(0, dtype=np.uint64)
    arrays["seen.tweetlid_ids"] = np.zeros(0, dtype=np.uint64)
    arrays["meta"] = np.frombuffer(json.dumps({"heads": {head: meta}}).encode(), dtype=np.uint8)
    return heads_from_arrays(arrays)


def platt(z: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """Slope and intercept of the logistic map from log-odds ``z`` to labels ``y`` with row
    weights ``w`` (almost unregularised; Platt's target smoothing keeps it finite)."""
    from sklearn.linear_model import LogisticRegression

    w = np.ones(len(z)) if w is None else np.asarray(w, dtype=float)
    w = w * len(z) / w.sum()
    n_pos, n_neg = float(w[y == 1].sum()), float(w[y == 0].sum())
    targets = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    # A weighted two-rows-per-example fit reproduces the smoothed targets.
    x = np.concatenate([z, z]).reshape(-1, 1)
    labels = np.concatenate([np.ones(len(z)), np.zeros(len(z))])
    weights = np.concatenate([targets * w, (1 - targets) * w])
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(x, labels, sample_weight=weights)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


#: The data set that labels each kind.
OWN_DATASET = {
    "complaint": ds.COMPLAINTS,
    "spam": ds.SPAM,
    "rumour": ds.CONSTRAINT,
    "emergency": ds.CRISIS,
    "help_request": ds.CRISIS,
}


def _training_rows(data: dict[str, list[ds.Example]]) -> dict[str, list[ds.Example]]:
    """The training portion of every data set that labels a kind (nothing held out)."""
    from . import training

    return {
        ds.COMPLAINTS: [
            ex
            for ex in data.get(ds.COMPLAINTS, [])
            if ex.group in ds.SERVICE_DOMAINS and not training.id_held_out(ex.id, 3)
        ],
        ds.SPAM: [ex for ex in data.get(ds.SPAM, []) if ex.group not in training.HELD_OUT_VIDEOS],
        ds.CONSTRAINT: [
            ex for ex in data.get(ds.CONSTRAINT, []) if ex.group in training.CONSTRAINT_TRAIN_FILES
        ],
        ds.CRISIS: [
            ex
            for ex in data.get(ds.CRISIS, [])
            if ex.label and ex.group not in training.HELD_OUT_EVENTS
        ],
    }


def mixed_rows(
    kind: str, own: list, others: dict[str, list]
) -> tuple[list, np.ndarray, np.ndarray]:
    """A kind's own labelled rows plus, for kinds scored outside incidents, the other data sets'
    rows as negatives; every data set weighs the same in total. Returns (rows, labels, weights)."""
    rows = list(own)
    y = [_label(kind, e) for e in own]
    w = [1.0 / max(len(own), 1)] * len(own)
    if not SOURCES[kind][2]:
        for name, extra in others.items():
            if name == OWN_DATASET[kind] or not extra:
                continue
            rows.extend(extra)
            y.extend([False] * len(extra))
            w.extend([1.0 / len(extra)] * len(extra))
    return rows, np.array(y, dtype=int), np.array(w, dtype=float)


def fit(data: dict[str, list[ds.Example]], heads, log=print) -> dict[str, dict]:
    """The Platt map of every kind with labelled training data (stored in the artifact meta).

    The kind's own data set is scored out of fold (its head refitted without the fold); for
    kinds scored outside incidents, the training rows of the other data sets are added as
    negatives, scored by the full ``heads`` (which never trained on them), each data set
    weighing the same: the map is fitted for a mixed inbox, not for one data set's balance.
    """
    from .pipeline import kind_logits_batch

    maps: dict[str, dict] = {}
    folds = _training_folds(data)
    training_rows = _training_rows(data)
    other_z: dict[str, list[dict]] = {
        name: kind_logits_batch([scrub(e.text) for e in rows], heads=heads)
        for name, rows in training_rows.items()
        if rows
    }
    for kind, (head, source, incident_only) in SOURCES.items():
        if head not in folds:
            continue
        own_rows: list[ds.Example] = []
        zs: list[float] = []
        for refit_rows, cal_rows in folds[head]:
            if len({e.label for e in refit_rows}) < 2:
                continue
            fold_heads = _fold_heads(head, refit_rows)
            texts = [scrub(e.text) for e in cal_rows]
            logits = kind_logits_batch(texts, incident=incident_only, heads=fold_heads)
            zs.extend(row[kind] for row in logits)
            own_rows.extend(cal_rows)
        y_own = np.array([_label(kind, e) for e in own_rows], dtype=int)
        if len(y_own) < 50 or y_own.min() == y_own.max():
            log(f"not calibrating {kind}: too few calibration rows")
            continue
        others = {n: r for n, r in training_rows.items() if n in other_z}
        rows, y, w = mixed_rows(kind, own_rows, others)
        for name in others:
            if name != OWN_DATASET[kind] and not incident_only:
                zs.extend(row[kind] for row in other_z[name])
        a, b = platt(np.array(zs, dtype=float), y, w)
        maps[kind] = {
            "a": round(a, 6),
            "b": round(b, 6),
            "method": "platt",
            "incident_only": incident_only,
            "rows": int(len(y)),
            "own_rows": int(len(y_own)),
            "positives": int(y_own.sum()),
            "source": source,
        }
        log(f"calibrated {kind}: {len(y)} rows ({len(y_own)} out of fold), a={a:.3f} b={b:.3f}")
    return maps


def heads_from_arrays(arrays: dict[str, np.ndarray]):
    """A :class:`models.Heads` from artifact arrays held in memory."""
    from . import models

    return models.from_arrays(arrays)


# ----------------------------------------------------------------------------- reliability


def ece(p: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, bins: int = ECE_BINS) -> float:
    """Expected calibration error over ``bins`` equal-width bins of the predicted probability
    (rows weighted by ``w``)."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones(len(p)) if w is None else np.asarray(w, dtype=float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            wb = w[sel]
            gap = abs(np.average(y[sel], weights=wb) - np.average(p[sel], weights=wb))
            total += wb.sum() / w.sum() * gap
    return float(total)


def brier(p: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    d = (np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2
    return float(np.average(d, weights=w))


@dataclass(frozen=True)
class Reliability:
    kind: str
    source: str
    setting: str  # "own" (the data set's labels) or "mixed" (other sets added as negatives)
    n: int
    positives: int
    ece_before: float
    brier_before: float
    ece_after: float | None
    brier_after: float | None


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(v, 30.0), -30.0)))


def held_out_by_dataset(data, heads) -> dict[str, list[ds.Example]]:
    """Per data set that labels a kind, the rows the artifact never trained or calibrated on."""
    from . import training

    held = training.held_out_rows(data, heads)
    out = {}
    for name, task in (
        (ds.COMPLAINTS, "complaint"),
        (ds.SPAM, "spam"),
        (ds.CONSTRAINT, "fake"),
        (ds.CRISIS, "crisis"),
    ):
        if task in held:
            rows = [ex for ex in held[task][0] if name != ds.CRISIS or ex.label]
            if rows:
                out[name] = rows
    return out


def evaluate(data_dir, models_dir=None) -> list[Reliability]:
    """ECE and Brier score per kind on held-out rows: the uncalibrated scores (plain logistic
    function of the log-odds) against the calibrated ones of the artifact, on the kind's own
    data set and on the mix the maps are fitted for (other data sets added as negatives)."""
    from . import models
    from .pipeline import calibration_maps, kind_logits_batch

    heads = models.load(models_dir)
    maps = calibration_maps(heads)
    held = held_out_by_dataset(ds.load(data_dir), heads)
    logits = {
        (name, incident): kind_logits_batch(
            [scrub(e.text) for e in rows], incident=incident, heads=heads
        )
        for name, rows in held.items()
        for incident in ((False, True) if name == ds.CRISIS else (False,))
    }
    out: list[Reliability] = []
    for kind, (_, source, incident_only) in SOURCES.items():
        own_name = OWN_DATASET[kind]
        if own_name not in held:
            continue
        own = held[own_name]
        settings: list[tuple[str, list[ds.Example], dict[str, list[ds.Example]]]] = [
            ("own", own, {})
        ]
        if not incident_only:
            settings.append(("mixed", own, {n: r for n, r in held.items() if n != own_name}))
        for setting, own_rows, others in settings:
            rows, y, w = mixed_rows(kind, own_rows, others)
            scored = [r[kind] for r in logits[(own_name, incident_only)]]
            for name in others:
                scored.extend(r[kind] for r in logits[(name, False)])
            z = np.array(scored)
            before = np.array([_sigmoid(v) for v in z])
            after = None
            if kind in maps:
                a, b, _ = maps[kind]
                after = np.array([_sigmoid(a * v + b) for v in z])
            out.append(
                Reliability(
                    kind,
                    source,
                    setting,
                    len(y),
                    int(y.sum()),
                    ece(before, y, w),
                    brier(before, y, w),
                    None if after is None else ece(after, y, w),
                    None if after is None else brier(after, y, w),
                )
            )
    return out


def format_reliability(rows: list[Reliability]) -> str:
    lines = [
        "== kind scores: reliability on held-out rows "
        f"(ECE over {ECE_BINS} bins and Brier score; before = uncalibrated, after = Platt map)",
        "   own = the kind's data set and its labels; mixed = plus the other data sets' held-out",
        "   rows as negatives, every data set weighing the same (what the maps are fitted for)",
        f"   {'kind':13s} {'rows':6s} {'n':>5s} {'pos':>5s} {'ECE before':>10s} {'after':>7s} "
        f"{'Brier before':>12s} {'after':>7s}  labels",
    ]
    for r in rows:
        after_e = "-" if r.ece_after is None else f"{r.ece_after:.3f}"
        after_b = "-" if r.brier_after is None else f"{r.brier_after:.3f}"
        lines.append(
            f"   {r.kind:13s} {r.setting:6s} {r.n:5d} {r.positives:5d} {r.ece_before:10.3f} "
            f"{after_e:>7s} {r.brier_before:12.3f} {after_b:>7s}  {r.source}"
        )
    for kind, why in NOT_CALIBRATED.items():
        lines.append(f"   {kind:13s} {why}")
    return "\n".join(lines)


def install(maps: dict[str, dict], models_dir=None) -> None:
    """Store ``maps`` in an existing artifact (its heads unchanged), replacing older maps."""
    from . import models

    path = Path(models_dir or models.MODELS_DIR) / models.ARTIFACT
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["kind_calibration"] = maps
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, allow_pickle=False, **arrays)
    tmp.replace(path)
    models.forget()
