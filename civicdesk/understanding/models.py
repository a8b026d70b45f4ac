"""The installed linear heads: loaded lazily, once per process, thread-safely."""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

MODELS_DIR = Path(__file__).resolve().parent / "models"
ARTIFACT = "heads.npz"
REBUILD_COMMAND = "civicdesk train-understanding --data DATA_DIR"


class ModelMissingError(RuntimeError):
    """The trained artifact is not installed."""


@dataclass
class Heads:
    names: list[str]
    labels: dict[str, list[str]]
    columns: dict[str, slice]
    weights: np.ndarray  # (D, total outputs) float32
    bias: np.ndarray  # (total outputs,)
    meta: dict
    seen_complaints: np.ndarray
    seen_tweetlid: np.ndarray
    path: Path | None  # None when read from memory
    #: Per head: (sublinear term frequency, IDF vector or None); absent means raw tf, no IDF.
    transforms: dict[str, tuple[bool, np.ndarray | None]] = field(default_factory=dict)
    #: Optional extra arrays (for example the language stacker), by name.
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    _group_cache: list | None = field(default=None, repr=False)

    def scores(self, x) -> np.ndarray:
        """Raw linear scores (n, total outputs) for sparse feature rows ``x`` made with the
        default transform (raw tf, no IDF): right for heads without a transform of their own."""
        return np.asarray(x @ self.weights) + self.bias

    def language_stack(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The trained combination of fastText and the language head, when the artifact has it."""
        if "language_stack.w" not in self.extras or "language" not in self.columns:
            return None
        return self.extras["language_stack.w"], self.extras["language_stack.b"]

    def score_counts(self, c) -> np.ndarray:
        """Raw linear scores (n, total outputs) from :class:`features.Counts`: each group of
        heads sees its features built the way it was trained."""
        from .features import assemble

        out = np.empty((c.word.shape[0], self.weights.shape[1]), dtype=np.float32)
        for sub, idf, cols, weights, bias in self._groups():
            out[:, cols] = np.asarray(assemble(c, sub, idf) @ weights) + bias
        return out

    def _groups(self) -> list:
        """Heads sharing a feature transform, with their weights gathered (built once)."""
        if self._group_cache is None:
            groups: dict[object, list[str]] = {}
            for head in self.names:
                sub, idf = self.transforms.get(head, (False, None))
                groups.setdefault(id(idf) if idf is not None else bool(sub), []).append(head)
            built = []
            for heads in groups.values():
                sub, idf = self.transforms.get(heads[0], (False, None))
                cols = np.concatenate(
                    [np.arange(self.columns[h].start, self.columns[h].stop) for h in heads]
                )
                built.append(
                    (sub, idf, cols, np.ascontiguousarray(self.weights[:, cols]), self.bias[cols])
                )
            self._group_cache = built
        return self._group_cache

    def score_texts(self, texts) -> np.ndarray:
        """Raw linear scores (n, total outputs) for already scrubbed texts."""
        from .features import counts

        return self.score_counts(counts(texts))

    def probabilities(self, raw: np.ndarray, head: str) -> np.ndarray | None:
        """Probabilities (n, labels) of one head, or None when the artifact lacks it."""
        if head not in self.columns:
            return None
        z = raw[:, self.columns[head]]
        if z.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-np.clip(z[:, 0], -30, 30)))
            return np.stack([1.0 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def read(path: Path | BinaryIO) -> Heads:
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(bytes(npz["meta"]).decode())
        names, blocks, biases, columns, labels = [], [], [], {}, {}
        transforms: dict[str, tuple[bool, np.ndarray | None]] = {}
        start = 0
        for head, info in meta["heads"].items():
            idf = npz[f"{head}.idf"].astype(np.float32) if f"{head}.idf" in npz.files else None
            transforms[head] = (info.get("tf") == "sublinear", idf)
            w = npz[f"{head}.w"].astype(np.float32) * npz[f"{head}.scale"]
            blocks.append(w)
            biases.append(npz[f"{head}.b"])
            columns[head] = slice(start, start + w.shape[1])
            start += w.shape[1]
            names.append(head)
            labels[head] = list(info["labels"])
        return Heads(
            names,
            labels,
            columns,
            np.ascontiguousarray(np.hstack(blocks)),
            np.concatenate(biases),
            meta,
            npz["seen.complaint_ids"],
            npz["seen.tweetlid_ids"],
            path if isinstance(path, Path) else None,
            transforms,
            {k[len("extra.") :]: npz[k] for k in npz.files if k.startswith("extra.")},
        )


def from_arrays(arrays: dict[str, np.ndarray]) -> Heads:
    """A :class:`Heads` from artifact arrays held in memory (during training)."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    buffer.seek(0)
    return read(buffer)


_lock = threading.Lock()
_cache: dict[Path, tuple[int, Heads]] = {}


def load(models_dir: Path | str | None = None) -> Heads:
    """The heads in ``models_dir`` (default: the installed ones), read once per process."""
    path = Path(models_dir or MODELS_DIR) / ARTIFACT
    try:
        stamp = path.stat().st_mtime_ns  # a retrain in another process replaces the file
    except OSError:
        stamp = None
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        if stamp is None:
            raise ModelMissingError(
                f"the understanding model {path.name} is not installed in {path.parent}; "
                f"rebuild it with: {REBUILD_COMMAND}"
            )
        cached = _cache.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, read(path))
            _cache[path] = cached
        return cached[1]


def forget() -> None:
    """Drop loaded heads (after a retrain replaced the artifact)."""
    with _lock:
        _cache.clear()
