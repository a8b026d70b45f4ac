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
    #: Per head that reads the sentence embedding: its weights (512, outputs) and the encoder
    #: (``embedding.backend()``) they were fitted on. Absent for older artifacts.
    dense: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    _group_cache: list | None = field(default=None, repr=False)
    _dense_cache: tuple | None = field(default=None, repr=False)

    def scores(self, x) -> np.ndarray:
        """Raw linear scores (n, total outputs) for sparse feature rows ``x`` made with the
        default transform (raw tf, no IDF): right for heads without a transform of their own
        and without an embedding block (``score_counts`` adds it)."""
        return np.asarray(x @ self.weights) + self.bias

    def language_stack(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The trained combination of fastText and the language head, when the artifact has it."""
        if "language_stack.w" not in self.extras or "language" not in self.columns:
            return None
        return self.extras["language_stack.w"], self.extras["language_stack.b"]

    def needs_embedding(self) -> bool:
        """Whether scoring reads the sentence embedding (some head was trained with it and the
        encoder installed now is the one it was trained with)."""
        return self._dense()[0] is not None

    def _dense(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Output columns and stacked weights of the heads whose embedding block is used.

        A head trained on the USE encoder must not read the hashed fallback's vectors (nor the
        reverse): they are other numbers in the same shape, so its embedding block is left out
        then, as the kind model does, and the head scores from its n-grams alone."""
        if self._dense_cache is None:
            from . import embedding

            backend = embedding.backend() if self.dense else ""
            heads = [h for h in self.names if h in self.dense and self.dense[h][1] == backend]
            if heads:
                cols = np.concatenate(
                    [np.arange(self.columns[h].start, self.columns[h].stop) for h in heads]
                )
                w = np.ascontiguousarray(np.hstack([self.dense[h][0] for h in heads]))
                self._dense_cache = (cols, w)
            else:
                self._dense_cache = (None, None)
        return self._dense_cache

    def score_counts(self, c, emb: np.ndarray | None = None) -> np.ndarray:
        """Raw linear scores (n, total outputs) from :class:`features.Counts`: each group of
        heads sees its features built the way it was trained. ``emb`` is the batch's sentence
        embedding (``embedding.embed`` of the same texts); when a head needs it and it is not
        given, it is computed here from the texts the counts were made from."""
        from .features import assemble

        out = np.empty((c.word.shape[0], self.weights.shape[1]), dtype=np.float32)
        for sub, idf, cols, weights, bias in self._groups():
            out[:, cols] = np.asarray(assemble(c, sub, idf) @ weights) + bias
        cols, dense = self._dense()
        if cols is not None and out.shape[0]:
            if emb is None:
                from . import embedding

                if c.texts is None:
                    raise ValueError("a head reads the sentence embedding: pass emb or texts")
                emb = embedding.embed(list(c.texts))
            out[:, cols] += np.asarray(emb, np.float32) @ dense
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

    def score_texts(self, texts, emb: np.ndarray | None = None) -> np.ndarray:
        """Raw linear scores (n, total outputs) for already scrubbed texts (``emb``: their
        sentence embedding, computed here when a head needs it and it is not given)."""
        from .features import counts

        return self.score_counts(counts(texts), emb)

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
        dense: dict[str, tuple[np.ndarray, str]] = {}
        start = 0
        for head, info in meta["heads"].items():
            idf = npz[f"{head}.idf"].astype(np.float32) if f"{head}.idf" in npz.files else None
            transforms[head] = (info.get("tf") == "sublinear", idf)
            w = npz[f"{head}.w"].astype(np.float32) * npz[f"{head}.scale"]
            blocks.append(w)
            if f"{head}.dense.w" in npz.files:
                dw = npz[f"{head}.dense.w"].astype(np.float32) * npz[f"{head}.dense.scale"]
                dense[head] = (dw, str(info.get("embedding", "")))
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
            dense,
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
