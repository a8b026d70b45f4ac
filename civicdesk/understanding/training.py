"""Training, held-out evaluation and retraining of the linear heads.

Splits are honest: crisis tweets are split by whole events, spam comments by whole videos
(files), CONSTRAINT by its official train and valid files, and complaints and TweetLID tweets
by a fixed hash of the tweet id (complaints are evaluated on the customer-service subset only).
The artifact records what it was trained on, so evaluation on any folder skips those rows.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from . import datasets as ds
from . import labelset
from .kinds import EMBED_DIM
from .textutil import scrub

if TYPE_CHECKING:
    from .models import Heads

#: Whole CrisisLex T26 events never used for training (evaluation only).
HELD_OUT_EVENTS = (
    "2012_Guatemala_earthquake",
    "2013_Australia_bushfire",
    "2013_Glasgow_helicopter_crash",
    "2013_Manila_floods",
    "2013_West_Texas_explosion",
)
#: Whole YouTube videos (files) never used for training.
HELD_OUT_VIDEOS = ("Youtube05-Shakira",)
#: CONSTRAINT files used for training; every other file of it is evaluation data.
CONSTRAINT_TRAIN_FILES = ("train",)
LID_LANGUAGES = ("es", "pt", "ca", "gl", "eu", "en")
ARTIFACT = "heads.npz"
REBUILD = "civicdesk train_understanding --data DATA_DIR"

#: Inverse regularisation per head, chosen by cross-validation inside the training portion only
#: (spam: leave-one-video-out over the training videos; fake: 5-fold stratified on the train
#: file; complaint: 3 x 5-fold stratified on the training ids; language: 5-fold on training ids).
HEAD_C = {
    "complaint": 32.0,
    "spam": 16.0,
    "fake": 1000.0,
    "crisis_type": 4.0,
    "informative": 2.0,
    "language": 16.0,
}


#: The language stacker (fastText + language head): folds for the head's out-of-fold
#: probabilities and the stacker's inverse regularisation, chosen by 5-fold CV on training ids.
LANGUAGE_STACK_FOLDS = 5
LANGUAGE_STACK_C = 0.1

#: The language head adds a multinomial naive Bayes model to its logistic regression (a product
#: of the two: the naive Bayes log-probabilities, times LANGUAGE_NB_WEIGHT, are added to the
#: regression's scores, so the head stays one linear layer over the shared features). Naive
#: Bayes is fitted on the raw hashed counts and, like the regression, applied to the head's
#: sublinear, L2-normalised features (which tempers it on long texts). Chosen by 5-fold CV on
#: the training ids: six-language accuracy 0.938 -> 0.947, most of it Galician, Spanish and
#: Portuguese (weight 0.25: 0.946, 0.75: 0.948, 1: 0.948: flat; alpha 0.3: 0.946); see
#: docs/understanding.md.
LANGUAGE_NB_ALPHA = 0.1
LANGUAGE_NB_WEIGHT = 0.5

#: Per head: how the hashed counts become features, chosen by the same cross-validation.
#: "sublinear" uses log(1 + tf) instead of tf; "idf" weights columns by the inverse document
#: frequency in that head's training rows (the vector is stored in the artifact); "balanced"
#: weights the classes inversely to their frequency while fitting.
HEAD_TRANSFORM = {
    "complaint": {"sublinear": False, "idf": False, "balanced": True},
    "spam": {"sublinear": True, "idf": False},
    "fake": {"sublinear": True, "idf": True},
    "crisis_type": {"sublinear": False, "idf": False},
    "informative": {"sublinear": False, "idf": False},
    "language": {"sublinear": True, "idf": False},
}


#: Heads that also read the 512-d multilingual sentence embedding (``embedding.embed``), with the
#: factor it is multiplied by before fitting: the word and character blocks are each
#: L2-normalised, so the factor sets the embedding's share against them. Chosen per head by the
#: same grouped cross-validation (crisis heads: whole events left out; spam: one training video
#: left out; false claim: folds of the train file; complaint: folds of the training ids). The
#: factor is folded into the stored weights, so scoring reads the unscaled embedding.
HEAD_EMBEDDING: dict[str, float] = {
    "complaint": 1.0,
    "spam": 2.0,
    "fake": 0.7,
    "crisis_type": 1.0,
    "informative": 0.5,
}


def uses_embedding(head: str) -> bool:
    """Whether ``head`` is configured to read the sentence embedding."""
    return HEAD_EMBEDDING.get(head, 0.0) > 0


def idf_vector(c) -> np.ndarray:
    """Smoothed inverse document frequency of every word and character column of ``c``."""
    n = c.word.shape[0]
    df = np.concatenate(
        [
            np.bincount(c.word.indices, minlength=c.word.shape[1]),
            np.bincount(c.char.indices, minlength=c.char.shape[1]),
        ]
    )
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float16).astype(np.float32)


#: Heads that see the surface feature block (chosen by the same cross-validation: it lifts
#: spam on unseen videos and does not help the others).
SURFACE_HEADS = frozenset({"spam"})


def id_held_out(identifier: str, modulus: int) -> bool:
    """Deterministic id-based hold-out: one row in ``modulus``."""
    return zlib.crc32(identifier.strip().encode()) % modulus == 0


def _id_hash(identifiers: Iterable[str]) -> np.ndarray:
    values = [
        zlib.crc32(i.strip().encode()) | (zlib.adler32(i.strip().encode()) << 32)
        for i in identifiers
    ]
    return np.unique(np.array(values, dtype=np.uint64))


@dataclass
class Split:
    train: list[tuple[str, str]] = field(default_factory=list)  # (text, label)
    test: list[tuple[str, str]] = field(default_factory=list)


def _clean_lang(label: str) -> str | None:
    return label if label in LID_LANGUAGES else None


@dataclass(frozen=True)
class HeadRow:
    """One data set row as a head sees it: which head, training or held out, and its label."""

    head: str
    train: bool
    source: str
    example: ds.Example
    label: str


def head_rows(data: dict[str, list[ds.Example]]) -> Iterator[HeadRow]:
    """Every row each head trains or is evaluated on, in the data sets' order (the one place
    that says which rows are held out)."""
    for ex in data.get(ds.COMPLAINTS, []):
        if ex.group in ds.SERVICE_DOMAINS:  # the random tweets are another domain: they hurt
            yield HeadRow("complaint", not id_held_out(ex.id, 3), ds.COMPLAINTS, ex, ex.label)
    for ex in data.get(ds.SPAM, []):
        yield HeadRow("spam", ex.group not in HELD_OUT_VIDEOS, ds.SPAM, ex, ex.label)
    for ex in data.get(ds.CONSTRAINT, []):
        yield HeadRow("fake", ex.group in CONSTRAINT_TRAIN_FILES, ds.CONSTRAINT, ex, ex.label)
    for ex in data.get(ds.CRISIS, []):
        train = ex.group not in HELD_OUT_EVENTS
        if ex.label:
            yield HeadRow("crisis_type", train, ds.CRISIS, ex, ex.label)
        if ex.extra:
            label = "informative" if ex.extra == "related and informative" else "not"
            yield HeadRow("informative", train, ds.CRISIS, ex, label)
    for ex in data.get(ds.TWEETLID, []):
        lang = _clean_lang(ex.label)
        if lang is not None:
            yield HeadRow("language", not id_held_out(ex.id, 5), ds.TWEETLID, ex, lang)


def build_splits(data: dict[str, list[ds.Example]]) -> tuple[dict[str, Split], dict[str, list]]:
    """Training and held-out rows for every head, plus the record of what training used."""
    splits = {name: Split() for name in HEAD_C}
    seen: dict[str, list] = {"complaint_ids": [], "tweetlid_ids": []}
    for row in head_rows(data):
        split = splits[row.head]
        (split.train if row.train else split.test).append((row.example.text, row.label))
        if row.train and row.head == "complaint":
            seen["complaint_ids"].append(row.example.id)
        elif row.train and row.head == "language":
            seen["tweetlid_ids"].append(row.example.id)
    return splits, seen


def head_features(texts: list[str], head: str, idf: np.ndarray | None = None):
    """Feature rows for one head, built the way that head is configured (the surface block is
    zeroed for heads that do not use it)."""
    from .features import assemble, counts

    c = counts([scrub(t) for t in texts])
    sub = HEAD_TRANSFORM.get(head, {}).get("sublinear", False)
    return assemble(c, sub, idf, surface_block=head in SURFACE_HEADS)


def _fit(
    rows: list[tuple[str, str]],
    c: float,
    head: str = "",
    cnt=None,
    labels=None,
    emb: np.ndarray | None = None,
):
    """Fit one head. Returns (labels, coef, bias, idf); for a head that reads the sentence
    embedding (``HEAD_EMBEDDING``), ``coef`` has the embedding's 512 weight rows after the n-gram
    rows, already multiplied by its factor. ``emb`` (the rows' embeddings) is computed when a
    head needs it and it is not given."""
    from sklearn.linear_model import LogisticRegression

    from .features import assemble, counts

    labels = labels or sorted({label for _, label in rows})
    if cnt is None:
        cnt = counts([scrub(t) for t, _ in rows])
    config = HEAD_TRANSFORM.get(head, {})
    idf = idf_vector(cnt) if config.get("idf") else None
    x = assemble(cnt, config.get("sublinear", False), idf, surface_block=head in SURFACE_HEADS)
    factor = HEAD_EMBEDDING.get(head, 0.0)
    if factor > 0:
        if emb is None:
            from . import embedding

            emb = embedding.embed([scrub(t) for t, _ in rows])
        x = sp.hstack([x, sp.csr_matrix(np.asarray(emb, np.float32) * factor)], format="csr")
    y = np.array([labels.index(label) for _, label in rows])
    model = LogisticRegression(
        C=c,
        max_iter=400,
        solver="liblinear" if len(labels) == 2 else "lbfgs",
        class_weight="balanced" if config.get("balanced") else None,
    )
    # fitted on the columns the rows use only: the optimiser's work scales with the columns,
    # hashed n-grams leave most of them empty, and an empty column's weight is zero anyway
    used = np.flatnonzero(np.diff(sp.csc_matrix(x).indptr))
    model.fit(x[:, used], y)
    coef = np.zeros((x.shape[1], model.coef_.shape[0]), np.float32)  # (D, 1) binary, (D, k)
    coef[used] = model.coef_.T
    if factor > 0:
        coef[-EMBED_DIM:] *= factor  # so that scoring reads the unscaled embedding
    bias = model.intercept_.astype(np.float32)
    return labels, coef, bias, idf


def _naive_bayes(cnt, y: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial naive Bayes over the raw word and character counts: per-column log
    probabilities centred over the labels (a shift common to all labels changes no posterior)
    and the log class priors. Columns no training row used get zero: their smoothed
    probabilities only say how much text each label had, which scored no better by CV, and
    zeros keep the int8 artifact compressible."""
    from sklearn.naive_bayes import MultinomialNB

    from .features import N_FEATURES, TEXT_DIM

    x = sp.hstack([cnt.word, cnt.char], format="csr")
    nb = MultinomialNB(alpha=LANGUAGE_NB_ALPHA).fit(x, y)
    log_prob = np.zeros((n_labels, TEXT_DIM))
    log_prob[nb.classes_] = nb.feature_log_prob_
    used = np.zeros(TEXT_DIM, bool)
    used[np.flatnonzero(np.diff(sp.csc_matrix(x).indptr))] = True
    coef = np.zeros((N_FEATURES, n_labels), np.float32)
    coef[:TEXT_DIM][used] = (log_prob - log_prob.mean(axis=0, keepdims=True)).T[used]
    prior = np.full(n_labels, np.log(1e-6))
    prior[nb.classes_] = nb.class_log_prior_
    return coef, prior.astype(np.float32)


def _fit_language(rows: list[tuple[str, str]], cnt=None, labels: list[str] | None = None):
    """The language head: the logistic regression of ``_fit`` plus LANGUAGE_NB_WEIGHT times a
    naive Bayes model on the same rows (same return value as ``_fit``)."""
    from .features import counts

    if cnt is None:
        cnt = counts([scrub(t) for t, _ in rows])
    labels, coef, bias, idf = _fit(rows, HEAD_C["language"], "language", cnt, labels)
    y = np.array([labels.index(label) for _, label in rows])
    nb_coef, nb_bias = _naive_bayes(cnt, y, len(labels))
    if coef.shape[1] == 1:  # two labels: the regression keeps one column (the second label)
        nb_coef = nb_coef[:, 1:] - nb_coef[:, :1]
        nb_bias = nb_bias[1:] - nb_bias[:1]
    coef = coef + LANGUAGE_NB_WEIGHT * nb_coef
    bias = bias + LANGUAGE_NB_WEIGHT * nb_bias
    return labels, coef.astype(np.float32), bias.astype(np.float32), idf


def split_dense(coef: np.ndarray, head: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A fitted head's n-gram weight rows and its sentence-embedding rows (None when it has
    none)."""
    if uses_embedding(head) and coef.shape[0] > EMBED_DIM:
        return coef[:-EMBED_DIM], coef[-EMBED_DIM:]
    return coef, None


def as_shipped(coef: np.ndarray, head: str) -> np.ndarray:
    """``coef`` as the artifact will score it: int8-quantised, the n-gram and embedding rows each
    with their own scale per output (the embedding's weights are far smaller than the largest
    n-gram weights and would lose most of their precision in a shared scale)."""
    parts = [p for p in split_dense(coef, head) if p is not None]
    out = []
    for part in parts:
        q, scale = _quantise(part)
        out.append(q.astype(np.float32) * scale)
    return np.vstack(out)


def _fit_language_stack(rows: list[tuple[str, str]], labels: list[str], log=print):
    """The stacker that combines fastText with the language head: a logistic regression on
    fastText's probabilities and the head's out-of-fold probabilities (5 folds of the training
    rows, so the stacker sees the head as it behaves on text it was not trained on)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from . import language
    from .features import assemble, counts

    texts = [scrub(t) for t, _ in rows]
    y = np.array([labels.index(label) for _, label in rows])
    if np.bincount(y, minlength=len(labels)).min() < LANGUAGE_STACK_FOLDS:
        log("skipping the language stacker: too few rows per language")
        return None
    cnt = counts(texts)
    sub = HEAD_TRANSFORM["language"]["sublinear"]
    oof = np.zeros((len(rows), len(labels)))
    folds = StratifiedKFold(LANGUAGE_STACK_FOLDS, shuffle=True, random_state=0)
    for train_idx, test_idx in folds.split(texts, y):
        part = [rows[i] for i in train_idx]
        _, coef, bias, _ = _fit_language(part, cnt.rows(train_idx), labels)
        z = np.asarray(assemble(cnt.rows(test_idx), sub, None, False) @ coef) + bias
        z -= z.max(axis=1, keepdims=True)
        oof[test_idx] = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    ft = language.fasttext_probabilities(texts, labels)
    stacker = LogisticRegression(C=LANGUAGE_STACK_C, max_iter=1000)
    stacker.fit(language.stack_features(ft, oof), y)
    return stacker.coef_.T.astype(np.float32), stacker.intercept_.astype(np.float32)


#: What the artifact records about the language head's naive Bayes part.
_NB_META = {"alpha": LANGUAGE_NB_ALPHA, "weight": LANGUAGE_NB_WEIGHT}


def language_stack_arrays(
    rows: list[tuple[str, str]], labels: list[str], log=print
) -> tuple[dict[str, np.ndarray], dict]:
    """The stacker's artifact arrays and metadata (both empty when there are too few rows)."""
    stack = _fit_language_stack(rows, labels, log)
    if stack is None:
        return {}, {}
    arrays = {"extra.language_stack.w": stack[0], "extra.language_stack.b": stack[1]}
    meta = {
        "inputs": "log fastText share, log head probability (per label), log mass",
        "folds": LANGUAGE_STACK_FOLDS,
        "C": LANGUAGE_STACK_C,
    }
    return arrays, meta


def fit_head(head: str, rows: list[tuple[str, str]]):
    """One head fitted on ``rows`` with its configured C and feature transform."""
    if head == "language":
        return _fit_language(rows)
    return _fit(rows, HEAD_C[head], head)


def head_arrays(head: str, fitted, n_rows: int) -> tuple[dict[str, np.ndarray], dict]:
    """The artifact arrays (int8 weights, scale, bias, IDF) and metadata of one fitted head."""
    labels, coef, bias, idf = fitted
    coef, dense = split_dense(coef, head)
    q, scale = _quantise(coef)
    arrays = {f"{head}.w": q, f"{head}.scale": scale, f"{head}.b": bias}
    if idf is not None:
        arrays[f"{head}.idf"] = idf.astype(np.float16)
    sub = HEAD_TRANSFORM.get(head, {}).get("sublinear", False)
    meta = {
        "labels": labels,
        "train_rows": n_rows,
        "tf": "sublinear" if sub else "raw",
        "idf": idf is not None,
    }
    if dense is not None:
        from . import embedding

        arrays[f"{head}.dense.w"], arrays[f"{head}.dense.scale"] = _quantise(dense)
        # the encoder the weights were fitted on: another backend's vectors are left out
        meta["embedding"] = embedding.backend()
        meta["embedding_scale"] = HEAD_EMBEDDING[head]
    return arrays, meta


def _quantise(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.maximum(np.abs(coef).max(axis=0), 1e-12) / 127.0
    return np.round(coef / scale).astype(np.int8), scale.astype(np.float32)


def train(
    data_dir: Path | str,
    out_dir: Path | str,
    corrections: Iterable[tuple[str, str, str]] = (),
    log=print,
    calibrate: bool = True,
) -> Path:
    """Train every head from the data sets (plus team corrections), fit the calibration maps of
    the kind scores (``calibration.fit``, training portions only) and write the artifact."""
    from . import embedding
    from .kind_training import one_blas_thread

    with one_blas_thread(), embedding.remembered():
        return _train(data_dir, out_dir, corrections, log, calibrate)


def _train(data_dir, out_dir, corrections, log, calibrate: bool) -> Path:
    from . import models

    data = ds.load(data_dir)
    splits, seen = build_splits(data)
    corrections = list(corrections)
    for text, fld, label in corrections:
        for head, row in correction_rows(text, fld, label):
            splits[head].train.append(row)
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {
        "heads": {},
        "held_out_events": list(HELD_OUT_EVENTS),
        "held_out_videos": list(HELD_OUT_VIDEOS),
        "constraint_train_files": list(CONSTRAINT_TRAIN_FILES),
        "complaint_split": "service-domain rows with crc32(id) % 3 == 0 are held out",
        "tweetlid_split": "rows with crc32(id) % 5 == 0 are held out",
        "trained_videos": sorted(
            {e.group for e in data.get(ds.SPAM, []) if e.group not in HELD_OUT_VIDEOS}
        ),
        "trained_events": sorted(
            {e.group for e in data.get(ds.CRISIS, []) if e.group not in HELD_OUT_EVENTS}
        ),
        "trained_constraint_files": sorted(
            {e.group for e in data.get(ds.CONSTRAINT, []) if e.group in CONSTRAINT_TRAIN_FILES}
        ),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for head, split in splits.items():
        if len({label for _, label in split.train}) < 2:
            log(f"skipping head {head}: no training data")
            continue
        t0 = time.perf_counter()
        head_arrays_, meta["heads"][head] = head_arrays(
            head, fit_head(head, split.train), len(split.train)
        )
        arrays.update(head_arrays_)
        labels = meta["heads"][head]["labels"]
        if head == "language":
            stack_arrays, stack_meta = language_stack_arrays(split.train, labels, log)
            arrays.update(stack_arrays)
            meta["heads"][head]["naive_bayes"] = _NB_META
            if stack_meta:
                meta["language_stack"] = stack_meta
        log(
            f"trained {head}: {len(split.train)} rows, {len(labels)} labels, "
            f"{time.perf_counter() - t0:.1f}s"
        )
    current = dict(arrays)
    current["seen.complaint_ids"] = current["seen.tweetlid_ids"] = np.zeros(0, np.uint64)
    current["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    kind_arrays, kind_meta = kind_model(data, corrections, log, models.from_arrays(current))
    if kind_arrays:
        arrays.update(kind_arrays)
        meta["kind_model"] = kind_meta
    if calibrate:
        from . import calibration

        t0 = time.perf_counter()
        current = dict(arrays)
        current["seen.complaint_ids"] = current["seen.tweetlid_ids"] = np.zeros(0, np.uint64)
        current["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        meta["kind_calibration"] = calibration.fit(
            data, calibration.heads_from_arrays(current), log
        )
        log(f"calibrated the kind scores: {time.perf_counter() - t0:.1f}s")
    arrays["seen.complaint_ids"] = _id_hash(seen["complaint_ids"])
    arrays["seen.tweetlid_ids"] = _id_hash(seen["tweetlid_ids"])
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / ARTIFACT
    tmp = out / (ARTIFACT + ".tmp.npz")
    np.savez_compressed(tmp, allow_pickle=False, **arrays)
    tmp.replace(path)
    return path


def kind_model(
    data: dict[str, list[ds.Example]],
    corrections: Iterable[tuple[str, str, str]] = (),
    log=print,
    heads: Heads | None = None,
) -> tuple[dict[str, np.ndarray], dict]:
    """The kind and urgency models' arrays and meta, trained on the labelled set's training part
    and the team's category corrections (empty when the rows hold fewer than two kinds). With
    ``heads`` (the artifact's heads), their probabilities are features too, cross-fitted on the
    heads' own training rows (``stacking``)."""
    from . import kind_training, stacking

    corrections = list(corrections)
    labelled = [m for m in labelset.load(data) if not labelset.held_out(m)]
    labelled += kind_training.corrections_as_messages(corrections)
    if len({m.kind for m in labelled}) < 2:
        return {}, {}
    stack = None
    if heads is not None:
        t0 = time.perf_counter()
        stack = stacking.cross_fitted(labelled, data, heads, corrections, log)
        log(f"kind model: cross-fitted head probabilities in {time.perf_counter() - t0:.1f}s")
    return kind_training.train(labelled, log, stack=stack)


def replace_kind_model(data_dir: Path | str, models_dir: Path | str, log=print) -> Path:
    """Refit only the kind and urgency models of the artifact in ``models_dir`` (the heads and
    calibration maps do not depend on them), writing the artifact in place."""
    from . import models

    data = ds.load(data_dir)
    path = Path(models_dir) / ARTIFACT
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "meta"}
        meta = json.loads(bytes(npz["meta"]).decode())
    kind_arrays, kind_meta = kind_model(data, (), log, models.read(path))
    arrays = {
        k: v for k, v in arrays.items() if not k.startswith(("extra.kind.", "extra.urgency."))
    }
    arrays.update(kind_arrays)
    meta["kind_model"] = kind_meta
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    tmp = path.with_name(ARTIFACT + ".tmp.npz")
    np.savez_compressed(tmp, allow_pickle=False, **arrays)
    tmp.replace(path)
    return path


#: Artifact arrays that belong to the language head and its stacker (and nothing else).
LANGUAGE_ARRAYS = ("language.", "extra.language_stack.", "seen.tweetlid_ids")


def replace_language_model(data_dir: Path | str, models_dir: Path | str, log=print) -> Path:
    """Refit only the language head and its stacker into the artifact in ``models_dir`` on the
    TweetLID training ids of ``data_dir``, writing it in place. Nothing else reads the language
    head (the kind model and the calibration maps use the other heads), so every other array
    and every other head's metadata is kept as it is."""
    from .kind_training import one_blas_thread

    data = ds.load(data_dir)
    splits, seen = build_splits(data)
    rows = splits["language"].train
    if len({label for _, label in rows}) < 2:
        raise ds.DatasetError(f"{data_dir}: no TweetLID training rows in two or more languages")
    path = Path(models_dir) / ARTIFACT
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "meta"}
        meta = json.loads(bytes(npz["meta"]).decode())
    t0 = time.perf_counter()
    with one_blas_thread():
        fitted = fit_head("language", rows)
        head, head_meta = head_arrays("language", fitted, len(rows))
        stack, stack_meta = language_stack_arrays(rows, head_meta["labels"], log)
    arrays = {k: v for k, v in arrays.items() if not k.startswith(LANGUAGE_ARRAYS)}
    arrays.update(head)
    arrays.update(stack)
    arrays["seen.tweetlid_ids"] = _id_hash(seen["tweetlid_ids"])
    head_meta["naive_bayes"] = _NB_META
    meta["heads"]["language"] = head_meta  # replaced in place: the heads' column order is kept
    meta.pop("language_stack", None)
    if stack_meta:
        meta["language_stack"] = stack_meta
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    tmp = path.with_name(ARTIFACT + ".tmp.npz")
    np.savez_compressed(tmp, allow_pickle=False, **arrays)
    tmp.replace(path)
    log(f"trained language: {len(rows)} rows, {time.perf_counter() - t0:.1f}s")
    return path


def correction_rows(text: str, fld: str, label: str) -> list[tuple[str, tuple[str, str]]]:
    """Training rows that one team correction (text, field, label) adds to the heads."""
    from .types import CRISIS_TYPES, KINDS

    rows: list[tuple[str, tuple[str, str]]] = []
    if fld in ("kind", "category") and label in KINDS:
        rows.append(("complaint", (text, "complaint" if label == "complaint" else "not")))
        rows.append(("spam", (text, "spam" if label == "spam" else "ham")))
        rows.append(("fake", (text, "fake" if label == "rumour" else "real")))
    elif fld == "crisis_type" and label in CRISIS_TYPES:
        rows.append(("crisis_type", (text, label)))
    elif fld == "informative" and label.lower() in {"true", "false", "1", "0", "yes", "no"}:
        positive = label.lower() in {"true", "1", "yes"}
        rows.append(("informative", (text, "informative" if positive else "not")))
    elif fld == "language" and label in LID_LANGUAGES:
        rows.append(("language", (text, label)))
    return rows


# --------------------------------------------------------------------------- evaluation


@dataclass
class Table:
    dataset: str
    task: str
    rows: list[tuple[str, float, float, float, int]]  # label, precision, recall, f1, support
    macro_f1: float
    weighted_f1: float
    accuracy: float
    n: int
    per_second: float
    note: str
    #: Each held-out row's gold label and prediction, in the rows' order (a retrain compares two
    #: models row by row, ``retrain.worse_tasks``); empty where not recorded.
    gold: tuple[str, ...] = ()
    pred: tuple[str, ...] = ()

    def headline(self) -> float:
        return self.macro_f1

    @property
    def correct(self) -> tuple[bool, ...]:
        """Whether each held-out row was predicted right."""
        return tuple(g == p for g, p in zip(self.gold, self.pred, strict=True))


def _table(dataset, task, gold, pred, seconds, note, labels=None) -> Table:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = labels or sorted(set(gold))
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    _, _, mf, _ = precision_recall_fscore_support(
        gold, pred, labels=labels, average="macro", zero_division=0
    )
    _, _, wf, _ = precision_recall_fscore_support(
        gold, pred, labels=labels, average="weighted", zero_division=0
    )
    rows = [(lab, float(p[i]), float(r[i]), float(f[i]), int(s[i])) for i, lab in enumerate(labels)]
    return Table(
        dataset,
        task,
        rows,
        float(mf),
        float(wf),
        float(accuracy_score(gold, pred)),
        len(gold),
        len(gold) / max(seconds, 1e-9),
        note,
        tuple(str(g) for g in gold),
        tuple(str(q) for q in pred),
    )


def held_out_rows(data: dict[str, list[ds.Example]], heads) -> dict[str, tuple[list, str]]:
    """For each task, the rows the installed artifact did not train on, and how they were chosen."""
    meta = heads.meta
    seen_c = set(heads.seen_complaints.tolist())
    seen_l = set(heads.seen_tweetlid.tolist())
    out: dict[str, tuple[list, str]] = {}
    rows = [
        ex
        for ex in data.get(ds.COMPLAINTS, [])
        if ex.group in ds.SERVICE_DOMAINS and int(_id_hash([ex.id])[0]) not in seen_c
    ]
    if ds.COMPLAINTS in data:
        out["complaint"] = (rows, "customer-service rows whose ids the artifact did not train on")
    if ds.SPAM in data:
        trained = set(meta.get("trained_videos", []))
        rows = [ex for ex in data[ds.SPAM] if ex.group not in trained]
        out["spam"] = (
            rows,
            "whole videos not used in training: " + ", ".join(sorted({ex.group for ex in rows})),
        )
    if ds.CONSTRAINT in data:
        trained = set(meta.get("trained_constraint_files", []))
        rows = [ex for ex in data[ds.CONSTRAINT] if ex.group not in trained]
        out["fake"] = (
            rows,
            "files not used in training: " + ", ".join(sorted({ex.group for ex in rows})),
        )
    if ds.CRISIS in data:
        trained = set(meta.get("trained_events", []))
        rows = [ex for ex in data[ds.CRISIS] if ex.group not in trained]
        events = sorted({ex.group for ex in rows})
        out["crisis"] = (
            rows,
            f"{len(events)} whole events not used in training: " + ", ".join(events),
        )
    if ds.TWEETLID in data:
        rows = [ex for ex in data[ds.TWEETLID] if int(_id_hash([ex.id])[0]) not in seen_l]
        out["language"] = (
            rows,
            "tweets whose ids the artifact did not train on; prior es,pt,ca,gl,eu,en",
        )
    if ds.INFODEMIC in data:
        out["infodemic"] = (data[ds.INFODEMIC], "not used in training (cross-domain check)")
    return out


def evaluate(data_dir: Path | str, models_dir: Path | str | None = None) -> list[Table]:
    """Held-out evaluation of the heads in ``models_dir`` on every data set in ``data_dir``."""
    from . import embedding

    with embedding.remembered():  # the heads and the kind model read the same embeddings
        return _evaluate(data_dir, models_dir)


def _evaluate(data_dir: Path | str, models_dir: Path | str | None) -> list[Table]:
    from . import language, models

    heads = models.load(models_dir)
    data = ds.load(data_dir)
    tables: list[Table] = []
    for task, (rows, note) in held_out_rows(data, heads).items():
        if not rows:
            continue
        t0 = time.perf_counter()
        texts = [scrub(ex.text) for ex in rows]
        raw = heads.score_texts(texts)
        if task == "language":
            keep = [i for i, ex in enumerate(rows) if ex.label in LID_LANGUAGES]
            texts = [texts[i] for i in keep]
            probs = heads.probabilities(raw[keep], "language")
            pred = [
                code
                for code, _ in language.detect_batch(
                    texts, LID_LANGUAGES, probs, heads.labels["language"], heads.language_stack()
                )
            ]
            gold = [rows[i].label for i in keep]
            tables.append(
                _table(
                    "tweetlid2014",
                    "language (prior es,pt,ca,gl,eu,en)",
                    gold,
                    pred,
                    time.perf_counter() - t0,
                    note + "; und/other/mixed labels ignored",
                    list(LID_LANGUAGES),
                )
            )
            continue
        if task == "crisis":
            typed = [i for i, ex in enumerate(rows) if ex.label]
            p = _probabilities(heads, raw[typed], "crisis_type")
            labs = heads.labels["crisis_type"]
            tables.append(
                _table(
                    "crisislex_t26",
                    "information type (unseen events)",
                    [rows[i].label for i in typed],
                    [labs[j] for j in p.argmax(1)],
                    time.perf_counter() - t0,
                    note,
                )
            )
            info = [i for i, ex in enumerate(rows) if ex.extra]
            p = _probabilities(heads, raw[info], "informative")
            col = heads.labels["informative"].index("informative")
            gold = [
                "informative" if rows[i].extra == "related and informative" else "not" for i in info
            ]
            tables.append(
                _table(
                    "crisislex_t26",
                    "informativeness (unseen events)",
                    gold,
                    ["informative" if v >= 0.5 else "not" for v in p[:, col]],
                    time.perf_counter() - t0,
                    note,
                )
            )
            continue
        if task == "infodemic":
            p = _probabilities(heads, raw, "complaint")[
                :, heads.labels["complaint"].index("complaint")
            ]
            keep = [
                i
                for i, ex in enumerate(rows)
                if ex.label in ("yes_blame_authorities", "no_not_interesting")
            ]
            gold = [
                "complaint" if rows[i].label == "yes_blame_authorities" else "not" for i in keep
            ]
            pred = ["complaint" if p[i] >= 0.5 else "not" for i in keep]
            tables.append(
                _table(
                    "covid19_infodemic",
                    "complaint head vs Q7 'blames authorities'",
                    gold,
                    pred,
                    time.perf_counter() - t0,
                    note,
                )
            )
            continue
        p = _probabilities(heads, raw, task)
        labs = heads.labels[task]
        pred = [labs[j] for j in p.argmax(1)]
        name = {
            "complaint": "complaints_twitter",
            "spam": "youtube_spam",
            "fake": "constraint_covid19",
        }[task]
        what = {
            "complaint": "complaint or not (service subset)",
            "spam": "spam (unseen videos)",
            "fake": "false claim or real",
        }[task]
        tables.append(
            _table(name, what, [ex.label for ex in rows], pred, time.perf_counter() - t0, note)
        )
    from . import kind_training

    tables.extend(kind_training.evaluate(data, heads))
    return tables


def format_table(table: Table) -> str:
    lines = [
        f"== {table.dataset}: {table.task}",
        f"   held out: {table.note}",
        f"   {'label':28s} {'precision':>9s} {'recall':>7s} {'f1':>7s} {'support':>8s}",
    ]
    for label, p, r, f, s in table.rows:
        lines.append(f"   {label:28s} {p:9.3f} {r:7.3f} {f:7.3f} {s:8d}")
    lines.append(
        f"   macro-F1 {table.macro_f1:.3f}   weighted F1 {table.weighted_f1:.3f}   "
        f"accuracy {table.accuracy:.3f}   n {table.n}   {table.per_second:,.0f} messages/s"
    )
    return "\n".join(lines)


def _probabilities(heads: Heads, raw: np.ndarray, head: str) -> np.ndarray:
    """A head's probabilities from an artifact that was trained with it."""
    p = heads.probabilities(raw, head)
    if p is None:
        raise ValueError(f"the artifact has no {head!r} head")
    return p
