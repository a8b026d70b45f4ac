"""Hashed word and character n-gram features (no vocabulary is stored)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from .textutil import normalise_for_model

WORD_BITS = 16
CHAR_BITS = 17
N_FEATURES = 2**WORD_BITS + 2**CHAR_BITS

_word = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    n_features=2**WORD_BITS,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    token_pattern=r"(?u)[@#]?\b\w+\b|[!?¿¡]",
    dtype=np.float32,
)
_char = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 5),
    n_features=2**CHAR_BITS,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    dtype=np.float32,
)


def featurize(texts: Sequence[str]) -> sp.csr_matrix:
    """Sparse feature rows for already scrubbed texts."""
    norm = [normalise_for_model(t) for t in texts]
    return sp.hstack([_word.transform(norm), _char.transform(norm)], format="csr")
