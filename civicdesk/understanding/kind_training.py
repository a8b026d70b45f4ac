"""Training and grouped evaluation of the kind and urgency models on the labelled set.

Settings, the temperature and the recall thresholds are chosen by grouped cross-validation on
the training part only: whole crisis events and whole videos are left out together, the other
sources' messages by a hash of their id (as the held-out part is split), so a figure says how
the model does on an event or video it has not seen. The held-out part of the labelled set
(``labelset.held_out``) is never trained on.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import embedding, kinds, labelset
from .features import counts
from .textutil import scrub
from .types import KINDS, URGENCIES

RECALL_TARGET = 0.85
#: Below this out-of-fold precision a recall threshold is not used (see ``_thresholds``).
MIN_PRECISION = 0.4
THRESHOLD_KINDS = ("emergency", "help_request")
#: Thresholds tried, highest first: spaced by ratio (about 9 % apart), since the useful ones are
#: small probabilities of one kind among nine, where a step of 0.025 (from 0.05 to 0.075) is a
#: step of half.
THRESHOLD_GRID = [float(t) for t in np.round(np.geomspace(0.6, 0.02, 40), 4)]


@dataclass(frozen=True)
class Settings:
    """How the kind model is fitted. ``kind_c`` lists the inverse regularisations tried by
    grouped cross-validation (one value: the choice is already made and only the out-of-fold
    predictions for the temperature and thresholds are computed)."""

    kind_c: tuple[float, ...]
    urgency_c: float
    folds: int
    #: the sentence embedding is multiplied by this before fitting (the n-gram blocks are each
    #: L2-normalised, so this sets the embedding's share against them); folded into the weights
    embedding_scale: float
    embedding: bool = True
    max_iter: int = 300
    tol: float = 1e-3


#: What ``train-understanding`` ships: C is chosen from these by grouped cross-validation on
#: the training part at every training (docs/understanding.md lists the grid's figures).
SHIPPED = Settings(kind_c=(1.0, 3.0, 10.0), urgency_c=2.0, folds=5, embedding_scale=1.0)
#: The grid that chose SHIPPED (``kind_training.train(..., settings=SEARCH)``).
SEARCH = Settings(kind_c=(0.3, 1.0, 3.0, 10.0), urgency_c=2.0, folds=5, embedding_scale=1.0)
#: A cheap configuration for small sets (tests, quick experiments): no sentence embedding
#: (the pipeline then leaves it out too), three folds, fewer iterations.
QUICK = Settings(
    kind_c=(1.0,), urgency_c=2.0, folds=3, embedding_scale=1.0, embedding=False, max_iter=100
)
#: The settings ``train`` uses when none are given.
SETTINGS = SHIPPED
NO_EMBEDDING = "none"


@dataclass
class Design:
    x: sp.csr_matrix
    cue_rows: np.ndarray


def design(
    texts: list[str], settings: Settings = SHIPPED, stack: np.ndarray | None = None
) -> Design:
    """Feature rows of ``texts``; the sentence embedding of every text is computed once here and
    reused by every fold and fit. ``stack``: the heads' cross-fitted probabilities block."""
    clean = [scrub(t) for t in texts]
    cue_rows = kinds.cue_matrix(clean)
    emb = embedding.embed(clean) * settings.embedding_scale if settings.embedding else None
    return Design(kinds.design(counts(clean), emb, cue_rows, stack), cue_rows)


def _fit(x, y: np.ndarray, n_labels: int, c: float, settings: Settings = SHIPPED):
    """Multinomial logistic regression with balanced class weights, fitted on the columns the
    rows use only: hashed n-grams leave most of the 200k columns empty, and the optimiser's
    vector work scales with the number of columns (weights of empty columns are zero anyway)."""
    from sklearn.linear_model import LogisticRegression

    x = sp.csr_matrix(x)
    used = np.flatnonzero(np.diff(x.tocsc().indptr))
    model = LogisticRegression(
        C=c, max_iter=settings.max_iter, tol=settings.tol, class_weight="balanced"
    )
    model.fit(x[:, used], y)
    coef = np.zeros((x.shape[1], n_labels), np.float32)
    bias = np.full(n_labels, -30.0, np.float32)
    coef[np.ix_(used, model.classes_)] = model.coef_.T
    bias[model.classes_] = model.intercept_
    return coef, bias


def _groups(messages: list[labelset.LabelledMessage], folds: int) -> np.ndarray:
    """Crisis events and videos are left out whole (their messages share words and links);
    the other sources are split by a hash of the id, as the held-out part is. Leaving whole
    data sets out instead (one fold without the complaints data set, another without the
    authored messages) left the out-of-fold emergency and help-request probabilities so low
    that their recall thresholds fell to 0.075 and 0.05: held-out precision 0.23 and 0.09."""
    by_group = ("crisislex_t26", "youtube_spam")
    names = [
        m.group if m.source in by_group else f"{m.source}:{zlib.crc32(m.id.encode()) % folds}"
        for m in messages
    ]
    return np.array(names)


def _probs(x, coef, bias, temperature=1.0):
    z = (np.asarray(x @ coef) + bias) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def out_of_fold(x, y, groups, n_labels, c, settings: Settings = SHIPPED) -> np.ndarray:
    """Grouped out-of-fold probabilities (whole events, videos and sources left out)."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros((x.shape[0], n_labels))
    for train_idx, test_idx in GroupKFold(settings.folds).split(x, y, groups):
        coef, bias = _fit(x[train_idx], y[train_idx], n_labels, c, settings)
        oof[test_idx] = _probs(x[test_idx], coef, bias)
    return oof


def _tempered(p: np.ndarray, t: float) -> np.ndarray:
    """Probabilities ``p`` with their log-odds divided by the temperature ``t``."""
    q = np.exp(np.log(np.clip(p, 1e-9, 1)) / t)
    return q / q.sum(axis=1, keepdims=True)


def _temperature(p: np.ndarray, y: np.ndarray) -> float:
    best, best_t = np.inf, 1.0
    for t in (0.5, 0.7, 1.0, 1.4, 2.0, 3.0):
        q = _tempered(p, t)
        loss = -np.mean(np.log(np.clip(q[np.arange(len(y)), y], 1e-9, 1)))
        if loss < best:
            best, best_t = loss, t
    return best_t


def _flag_figures(p: np.ndarray, y: np.ndarray, j: int, t: float) -> tuple[float, float, float]:
    """Precision, recall and F2 (recall weighing twice) of "probability of kind ``j`` >= ``t``"."""
    flag, pos = p[:, j] >= t, y == j
    hit = float((flag & pos).sum())
    precision = hit / max(float(flag.sum()), 1.0)
    recall = hit / max(float(pos.sum()), 1.0)
    return precision, recall, 5 * precision * recall / max(4 * precision + recall, 1e-9)


def _thresholds(p: np.ndarray, y: np.ndarray) -> tuple[dict[str, float], dict[str, dict]]:
    """Per kind, the highest threshold whose out-of-fold recall reaches the target, unless its
    precision falls under MIN_PRECISION (a flag wrong far more often than right teaches
    responders to ignore it): then the threshold of the best out-of-fold F2, which still
    weighs a missed message twice a false flag. Also the out-of-fold precision and recall at
    each chosen threshold."""
    out: dict[str, float] = {}
    figures: dict[str, dict] = {}
    grid = THRESHOLD_GRID
    for kind in THRESHOLD_KINDS:
        j = KINDS.index(kind)
        if not (y == j).any():
            continue
        reaching = [t for t in grid if _flag_figures(p, y, j, t)[1] >= RECALL_TARGET]
        chosen = reaching[0] if reaching else None
        rule = "recall target"
        if chosen is None or _flag_figures(p, y, j, chosen)[0] < MIN_PRECISION:
            chosen = max(grid, key=lambda t: _flag_figures(p, y, j, t)[2])
            rule = "best F2 (the recall target costs too much precision)"
        precision, recall, f2 = _flag_figures(p, y, j, chosen)
        out[kind] = chosen
        figures[kind] = {
            "threshold": chosen,
            "rule": rule,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f2": round(f2, 3),
        }
    return out, figures


def decisions(p: np.ndarray, thresholds: dict[str, float]) -> list[str]:
    return [kinds.decide(row, list(KINDS), thresholds) for row in p]


def corrections_as_messages(corrections) -> list[labelset.LabelledMessage]:
    """The team's category corrections as kind rows (the latest per text; no urgency: an
    urgency correction alone does not say the kind, and the urgency model learns from the
    labelled set only)."""
    latest = {text: label for text, fld, label in corrections if fld in ("kind", "category")}
    return [
        labelset.LabelledMessage(CORRECTION, f"c{i}", text, kind, "", "", CORRECTION, "team")
        for i, (text, kind) in enumerate(sorted(latest.items()))
        if kind in KINDS
    ]


CORRECTION = "correction"


def one_blas_thread():
    """One BLAS thread while fitting: the L-BFGS steps are many small vector operations, and on
    a busy 2-core machine BLAS's own threads made a fit eight times slower (measured: 4.6 s
    against 0.57 s on 276 rows; 76 s against about 10 s on the 3,109-row training part)."""
    from . import embedding

    return embedding.one_blas_thread(1)


def train(
    messages: list[labelset.LabelledMessage],
    log=print,
    settings: Settings | None = None,
    stack: tuple[list[str], np.ndarray] | None = None,
) -> tuple[dict, dict]:
    """Fit both models on ``messages`` (the training part, team corrections included): the
    temperature and the recall thresholds (and C, when ``settings`` lists several) are chosen on
    grouped out-of-fold predictions. ``stack``: the heads' outputs read as features and their
    cross-fitted block for ``messages`` (``stacking.cross_fitted``). Returns artifact arrays and
    meta."""
    settings = settings or SETTINGS
    with one_blas_thread():
        return _train(messages, log, settings, stack)


def _train(messages, log, settings: Settings, stack) -> tuple[dict, dict]:
    from sklearn.metrics import f1_score

    t0 = time.perf_counter()
    d = design([m.text for m in messages], settings, stack[1] if stack else None)
    y = np.array([KINDS.index(m.kind) for m in messages])
    rated = np.array([m.urgency in URGENCIES for m in messages])
    yu = np.array([URGENCIES.index(m.urgency) for m in messages if m.urgency in URGENCIES])
    groups = _groups(messages, settings.folds)
    log(f"kind model: {len(messages)} rows, features in {time.perf_counter() - t0:.1f}s")
    # C is chosen by the macro-F1 of the decision the pipeline makes (tempered probabilities,
    # emergency and help request over their thresholds, else the most probable kind), each C
    # with its own temperature and thresholds: the most probable kind alone favoured a C whose
    # thresholds then cost more (docs/understanding.md)
    best: tuple[float, float, float, dict, dict] | None = None
    for c in settings.kind_c:
        t1 = time.perf_counter()
        oof = out_of_fold(d.x, y, groups, len(KINDS), c, settings)
        temperature = _temperature(oof, y)
        # the thresholds apply to the probabilities the pipeline computes, tempered
        thresholds, figures = _thresholds(_tempered(oof, temperature), y)
        chosen = [KINDS.index(k) for k in decisions(_tempered(oof, temperature), thresholds)]
        f1 = f1_score(y, chosen, average="macro")
        log(
            f"  kind C={c}: grouped out-of-fold macro-F1 {f1:.3f} as decided, "
            f"{f1_score(y, oof.argmax(1), average='macro'):.3f} most probable "
            f"({settings.folds} folds, {time.perf_counter() - t1:.1f}s)"
        )
        if best is None or f1 > best[0]:
            best = (f1, c, temperature, thresholds, figures)
    assert best is not None, "settings.kind_c lists no C"
    cv_f1, c, temperature, thresholds, figures = best
    for kind, fig in figures.items():
        log(
            f"  {kind}: threshold {fig['threshold']} ({fig['rule']}), out-of-fold precision "
            f"{fig['precision']:.3f}, recall {fig['recall']:.3f}"
        )
    coef, bias = _fit(d.x, y, len(KINDS), c, settings)
    ucoef, ubias = _fit(
        d.x[np.flatnonzero(rated)], yu, len(URGENCIES), settings.urgency_c, settings
    )
    # the models were fitted on the scaled embedding: fold the scale into its weights so the
    # pipeline builds the same unscaled features for every artifact
    end = d.x.shape[1] - kinds.N_CUES - (len(stack[0]) if stack else 0)
    emb = slice(end - kinds.EMBED_DIM, end)
    coef[emb] *= settings.embedding_scale
    ucoef[emb] *= settings.embedding_scale
    arrays = {}
    for name, w, b in (("kind", coef, bias), ("urgency", ucoef, ubias)):
        q, scale = kinds.quantise(w)
        arrays[f"extra.{name}.w"], arrays[f"extra.{name}.scale"] = q, scale
        arrays[f"extra.{name}.b"] = b.astype(np.float32)
    meta = {
        "kind": {"labels": list(KINDS), "C": c, "temperature": temperature},
        "urgency": {"labels": list(URGENCIES), "C": settings.urgency_c},
        "thresholds": thresholds,
        "threshold_figures": figures,
        "stack": list(stack[0]) if stack else [],
        "embedding": embedding.backend() if settings.embedding else NO_EMBEDDING,
        "embedding_scale": settings.embedding_scale,
        "train_rows": len(messages),
        "sources": sorted({m.source for m in messages}),
        "cv": "grouped: crisis events and videos left out whole, other sources by id",
        "cv_macro_f1": round(float(cv_f1), 4),
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
