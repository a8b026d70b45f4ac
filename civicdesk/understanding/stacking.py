"""The heads' probabilities as features of the kind and urgency models (stacking).

The complaint, spam, false-claim, informativeness and crisis-type heads are trained on their own
data sets, far larger than the labelled set; the kind model reads their probabilities as a
small block of features. Many labelled rows are also a head's training rows, and a head is
nearly always right about its own training rows, so the kind model would learn to trust it far
more than it deserves on new text. The kind model is therefore trained on *cross-fitted* head
probabilities: each head is refitted without a fold of its training rows (whole crisis events
and videos, the other sources by a hash of the id) and scores that fold. Rows no head trained on
(held-out rows, the infodemic set, the authored messages) get the shipped heads' probabilities,
as any new message does.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from . import datasets as ds
from . import embedding, labelset
from .textutil import scrub

#: Binary heads whose positive probability is a feature; every label of the crisis-type head is.
BINARY = {"complaint": "complaint", "spam": "spam", "fake": "fake", "informative": "informative"}
MULTICLASS = ("crisis_type",)
STACKED_HEADS = (*BINARY, *MULTICLASS)
#: Folds of each head's training rows (fewer when a head has fewer groups, as spam's two videos).
FOLDS = 5
CORRECTION = "correction"


def inputs(labels: dict[str, list[str]]) -> list[str]:
    """The block's columns (``head:label``) for an artifact whose heads have ``labels``."""
    out = [f"{h}:{pos}" for h, pos in BINARY.items() if pos in labels.get(h, ())]
    for head in MULTICLASS:
        out.extend(f"{head}:{label}" for label in labels.get(head, ()))
    return out


def block(
    probs: Mapping[str, np.ndarray | None],
    labels: Mapping[str, list[str]],
    names: Sequence[str],
    n: int,
) -> np.ndarray:
    """The feature block (n, len(names)): the heads' probabilities, as they are (compared by
    grouped cross-validation with log-odds at three scales: no better); a head the artifact
    lacks leaves its columns at zero."""
    out = np.zeros((n, len(names)), np.float32)
    for j, name in enumerate(names):
        head, label = name.split(":", 1)
        p = probs.get(head)
        if p is not None and label in labels.get(head, ()):
            out[:, j] = p[:, labels[head].index(label)]
    return out


def head_block(heads, texts: Sequence[str], names: Sequence[str]) -> np.ndarray:
    """The block for already scrubbed texts, scored by ``heads``."""
    raw = heads.score_texts(list(texts))
    probs = {h: heads.probabilities(raw, h) for h in heads.names}
    return block(probs, heads.labels, names, len(texts))


def _group(source: str, ex_id: str, group: str) -> str:
    if source in (ds.CRISIS, ds.SPAM):
        return group  # whole events and videos, as everywhere else
    return f"{source}:{zlib.crc32(ex_id.strip().encode()) % FOLDS}"


def cross_fitted(
    messages: Sequence,
    data: dict[str, list[ds.Example]],
    heads,
    corrections: Iterable[tuple[str, str, str]] = (),
    log=print,
) -> tuple[list[str], np.ndarray]:
    """The block's columns and its rows for labelled ``messages`` (``labelset.LabelledMessage``):
    out of fold for the rows a head trained on, the shipped heads' scores for the rest."""
    from sklearn.model_selection import GroupKFold

    from . import training
    from .features import assemble, counts

    names = inputs(heads.labels)
    out = head_block(heads, [scrub(m.text) for m in messages], names)
    position: dict[tuple[str, ...], int] = {}
    for i, m in enumerate(messages):
        key = (
            (CORRECTION, m.text)
            if m.source == CORRECTION
            else labelset.key(m.source, m.group, m.id)
        )
        position.setdefault(key, i)
    by_head: dict[str, list[tuple[int | None, str, str, str]]] = {h: [] for h in STACKED_HEADS}
    for row in training.head_rows(data):
        if row.train and row.head in by_head:
            ex = row.example
            by_head[row.head].append(
                (
                    position.get(labelset.key(row.source, ex.group, ex.id)),
                    _group(row.source, ex.id, ex.group),
                    ex.text,
                    row.label,
                )
            )
    for text, fld, label in corrections:
        for head, (t, lab) in training.correction_rows(text, fld, label):
            if head in by_head:
                group = f"{CORRECTION}:{zlib.crc32(t.encode()) % FOLDS}"
                by_head[head].append((position.get((CORRECTION, t)), group, t, lab))
    for head, rows in by_head.items():
        if head not in heads.labels or not any(r[0] is not None for r in rows):
            continue
        labels = heads.labels[head]
        sub, idf_shipped = heads.transforms.get(head, (False, None))
        groups = np.array([r[1] for r in rows])
        folds = min(FOLDS, len(set(groups)))
        if folds < 2:
            log(f"stacking: {head} has one group only, its shipped scores are used")
            continue
        texts = [scrub(r[2]) for r in rows]
        cnt = counts(texts)
        # the embedding of every row once, for heads that read it (as the shipped head does,
        # so that the cross-fitted probabilities match the shipped heads' behaviour)
        emb = embedding.embed(texts) if training.uses_embedding(head) else None
        cols = [j for j, name in enumerate(names) if name.split(":", 1)[0] == head]
        for train_idx, test_idx in GroupKFold(folds).split(rows, groups=groups):
            wanted = [i for i in test_idx if rows[i][0] is not None]
            if not wanted:
                continue
            part = [(rows[i][2], rows[i][3]) for i in train_idx]
            _, coef, bias, idf = training._fit(
                part,
                training.HEAD_C[head],
                head,
                cnt.rows(train_idx),
                labels,
                None if emb is None else emb[train_idx],
            )
            w = training.as_shipped(coef, head)  # as the shipped int8 heads score
            x = assemble(cnt.rows(wanted), sub, idf if idf_shipped is not None else None)
            if emb is not None and w.shape[0] > x.shape[1]:
                x = sp.hstack([x, sp.csr_matrix(emb[wanted])], format="csr")
            z = np.asarray(x @ w) + bias
            probs = {head: _softmax(z)}
            at = [rows[i][0] for i in wanted]
            out[np.ix_(at, cols)] = block(probs, {head: labels}, [names[j] for j in cols], len(at))
        log(f"stacking: {head} cross-fitted on {len(rows)} rows, {folds} folds")
    return names, out


def _softmax(z: np.ndarray) -> np.ndarray:
    if z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-np.clip(z[:, 0], -30, 30)))
        return np.stack([1.0 - p, p], axis=1)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
