"""The trained kind and urgency models: a multinomial logistic regression each over hashed word
and character n-grams, the multilingual sentence embedding and the named cues as features.

Trained by ``civicdesk train-understanding`` on the labelled set (``labelset``), stored in the
artifact as ``extra.kind.*`` and ``extra.urgency.*`` arrays; artifacts without them keep the
cue-based scores of ``pipeline``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from . import cues
from .features import Counts, assemble

#: Binary cue features, each with the name shown as a reason.
CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("question mark", cues.QUESTION_MARK),
    ("complaint cue", cues.COMPLAINT),
    ("help requested", cues.HELP),
    ("danger to life", cues.DANGER),
    ("mentions injury", cues.INJURY),
    ("urgent", cues.URGENT),
    ("rumour cue", cues.RUMOUR),
    ("thanks", cues.THANKS),
    ("positive emoji", cues.PRAISE_EMOJI),
    ("suggestion cue", cues.SUGGESTION),
    ("spam cue", cues.SPAM),
    ("abuse", cues.ABUSE),
    *((f"safety keyword: {name}", pattern) for name, pattern in cues.EMERGENCY.items()),
)
N_CUES = len(CUES) + 1  # + interrogative first word
EMBED_DIM = 512


def cue_matrix(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), N_CUES), dtype=np.float32)
    for i, text in enumerate(texts):
        for j, (_, pattern) in enumerate(CUES):
            if pattern.search(text):
                out[i, j] = 1.0
        if cues.INTERROGATIVE.search(text.lower().lstrip("¿¡ \"'")):
            out[i, -1] = 1.0
    return out


def cue_names(row: np.ndarray) -> list[str]:
    names = [name for (name, _), v in zip(CUES, row[:-1], strict=True) if v]
    return names + (["interrogative"] if row[-1] else [])


def design(
    c: Counts,
    embeddings: np.ndarray | None,
    cue_rows: np.ndarray,
    stack: np.ndarray | None = None,
) -> sp.csr_matrix:
    """Feature rows: sublinear n-gram blocks (each L2-normalised), the embedding, the cues and,
    for models trained with them, the heads' probabilities (``stacking.block``)."""
    n = c.word.shape[0]
    emb = embeddings if embeddings is not None else np.zeros((n, EMBED_DIM), np.float32)
    blocks = [
        assemble(c, True, None, surface_block=False),
        sp.csr_matrix(emb),
        sp.csr_matrix(cue_rows),
    ]
    if stack is not None:
        blocks.append(sp.csr_matrix(stack))
    return sp.hstack(blocks, format="csr")


@dataclass
class LinearModel:
    labels: list[str]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray
    temperature: float = 1.0

    def probabilities(self, x) -> np.ndarray:
        z = (np.asarray(x @ self.weights) + self.bias) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass
class KindModels:
    kind: LinearModel
    urgency: LinearModel
    embedding: str  # the embedding backend the models were trained with
    #: per kind, the probability from which that kind is chosen over the most probable one
    #: (emergency and help request: lower, chosen for recall by cross-validation)
    thresholds: dict[str, float]
    #: the head outputs read as features (``stacking.inputs``), in column order; empty for
    #: models trained without them
    stack: list[str] = field(default_factory=list)


def _linear(heads, name: str, info: dict) -> LinearModel:
    ex = heads.extras
    w = ex[f"{name}.w"].astype(np.float32) * ex[f"{name}.scale"]
    return LinearModel(list(info["labels"]), w, ex[f"{name}.b"], float(info.get("temperature", 1)))


def from_heads(heads) -> KindModels | None:
    """The kind and urgency models of an artifact, or None when it has none (read once)."""
    if hasattr(heads, "_kind_models"):
        return heads._kind_models
    meta = heads.meta.get("kind_model")
    models = None
    if meta and "kind.w" in heads.extras and "urgency.w" in heads.extras:
        models = KindModels(
            _linear(heads, "kind", meta["kind"]),
            _linear(heads, "urgency", meta["urgency"]),
            meta.get("embedding", ""),
            {k: float(v) for k, v in meta.get("thresholds", {}).items()},
            list(meta.get("stack", [])),
        )
    heads._kind_models = models
    return models


def quantise(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.maximum(np.abs(coef).max(axis=0), 1e-12) / 127.0
    return np.round(coef / scale).astype(np.int8), scale.astype(np.float32)


def decide(p: np.ndarray, labels: list[str], thresholds: dict[str, float]) -> str:
    """The kind: a kind over its threshold wins (the most urgent first), else the most probable."""
    for kind in ("emergency", "help_request"):
        if kind in thresholds and kind in labels and p[labels.index(kind)] >= thresholds[kind]:
            return kind
    return labels[int(p.argmax())]
