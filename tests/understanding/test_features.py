"""The sparse feature blocks: the fast row normalisation and side-by-side stacking build the
same matrices scipy's general functions build, for every shape a batch can take."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from civicdesk.understanding import features


def _random_blocks(rng: np.random.Generator, n: int) -> list:
    blocks = []
    for _ in range(int(rng.integers(1, 5))):
        width = int(rng.integers(1, 8))
        if rng.random() < 0.3:
            blocks.append(rng.standard_normal((n, width)).astype(np.float32))
        else:
            seed = int(rng.integers(1_000_000))
            blocks.append(
                sp.random(n, width, density=rng.random(), format="csr", dtype=np.float32, rng=seed)
            )
    return blocks


@pytest.mark.parametrize("seed", range(40))
def test_hstack_rows_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 7))  # empty batches and one message included
    blocks = _random_blocks(rng, n)
    ours = features.hstack_rows(blocks)
    theirs = sp.hstack([sp.csr_matrix(b) for b in blocks], format="csr")
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float32
    assert np.array_equal(ours.toarray(), theirs.toarray())


@pytest.mark.parametrize("seed", range(20))
def test_rows_are_scaled_to_unit_length_and_empty_rows_stay_empty(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = sp.random(6, 9, density=rng.random() * 0.5, format="csr", dtype=np.float32, rng=seed)
    dense = m.toarray()
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    expected = np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)
    assert np.allclose(features._l2_rows(m.copy()).toarray(), expected, atol=1e-6)


def test_assembled_features_do_not_depend_on_the_batch() -> None:
    """A message's feature row is the same alone and inside a batch (the pipeline relies on it:
    ``understand`` and ``understand_batch`` agree)."""
    texts = ["Fire on Main Street!", "", "¿Dónde está la oficina?", "ok " * 300]
    batch = features.assemble(features.counts(texts), sublinear=True)
    for i, text in enumerate(texts):
        alone = features.assemble(features.counts([text]), sublinear=True)
        assert np.allclose(alone.toarray(), batch[i].toarray())


_TEXTS = [
    "the bus never came this morning, worst service ever @user",
    "¿cuándo abre la oficina de empleo de mi barrio?",
    "merci pour la mise à jour, très utile !",
    "a b c  d\u00a0e\u2028f\x1cg",
    "supercalifragilisticexpialidocious 🔥🔥 httpurl",
    "حريق في المبنى والناس محاصرون",
    "",
    "   ",
]


def test_char_counts_match_the_vectoriser() -> None:
    expected = features._char.transform(_TEXTS).tocsr()
    for _ in range(2):  # the second time from the cached columns
        got = features.char_counts(_TEXTS)
        assert got.shape == expected.shape
        for attr in ("indptr", "indices", "data"):
            assert getattr(got, attr).dtype == getattr(expected, attr).dtype
            assert np.array_equal(getattr(got, attr), getattr(expected, attr))


def test_surface_counts_characters_as_str_methods_do() -> None:
    text = "ÀB cd 12 ²³ Ⅻ ⓐ ǅ x\u0301 ß İ"
    letters = [c for c in text if c.isalpha()]
    assert features._char_counts(text) == (
        len(letters),
        sum(c.isupper() for c in letters),
        sum(c.isdigit() for c in text),
        sum(ord(c) > 127 for c in text),
    )
