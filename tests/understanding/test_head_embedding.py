"""Heads that read the sentence embedding: the same scores whoever computes the embedding, the
dense block left out for another encoder, and artifacts without dense weights as before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from civicdesk.understanding import datasets as ds
from civicdesk.understanding import embedding, labelset, models, pipeline, stacking, training
from civicdesk.understanding.features import counts

from .test_stacking import COMPLAINTS, PRAISE
from .test_stacking import _heads as complaint_heads

NEW = ["the bus never came, terrible", "thank you, the staff were lovely", ""]


def _rows() -> list[tuple[str, str]]:
    return [
        (
            f"{(COMPLAINTS if i % 2 == 0 else PRAISE)[i % 5]} ref{i}",
            "complaint" if i % 2 == 0 else "not",
        )
        for i in range(40)
    ]


def _arrays(head_embedding: dict[str, float], monkeypatch) -> dict[str, np.ndarray]:
    monkeypatch.setattr(training, "HEAD_EMBEDDING", head_embedding)
    rows = _rows()
    arrays, meta = training.head_arrays(
        "complaint", training.fit_head("complaint", rows), len(rows)
    )
    arrays["seen.complaint_ids"] = arrays["seen.tweetlid_ids"] = np.zeros(0, np.uint64)
    arrays["meta"] = np.frombuffer(
        json.dumps({"heads": {"complaint": meta}}).encode(), dtype=np.uint8
    )
    return arrays


def test_a_head_with_dense_weights_scores_the_same_whoever_embeds(monkeypatch, tmp_path: Path):
    arrays = _arrays({"complaint": 2.0}, monkeypatch)
    assert arrays["complaint.dense.w"].shape == (training.EMBED_DIM, 1)
    assert arrays["complaint.dense.w"].dtype == np.int8
    heads = models.from_arrays(arrays)
    assert heads.needs_embedding()
    texts = NEW
    given = heads.score_counts(counts(texts), embedding.embed(texts))
    computed = heads.score_texts(texts)
    np.testing.assert_allclose(given, computed, rtol=1e-5, atol=1e-5)
    # the dense block counts: without it the scores differ
    ngrams_only = heads.score_counts(counts(texts), np.zeros((len(texts), 512), np.float32))
    assert not np.allclose(ngrams_only, computed)

    # the pipeline embeds each batch once and passes it to the heads
    np.savez_compressed(tmp_path / models.ARTIFACT, **arrays)
    calls = []
    real = embedding.embed

    def counting(batch):
        calls.append(len(batch))
        return real(batch)

    monkeypatch.setattr(embedding, "embed", counting)
    captured = {}
    score_counts = models.Heads.score_counts

    def spy(self, c, emb=None):
        captured["raw"] = score_counts(self, c, emb)
        captured["emb_given"] = emb is not None
        return captured["raw"]

    monkeypatch.setattr(models.Heads, "score_counts", spy)
    pipeline.understand_batch(texts, models_dir=tmp_path)
    assert calls == [len(texts)] and captured["emb_given"]
    np.testing.assert_allclose(captured["raw"], computed, rtol=1e-5, atol=1e-5)


def test_another_encoder_s_vectors_are_not_read(monkeypatch):
    arrays = _arrays({"complaint": 2.0}, monkeypatch)
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["heads"]["complaint"]["embedding"] = "some-other-encoder"
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    heads = models.from_arrays(arrays)
    assert not heads.needs_embedding()
    zero = np.zeros((len(NEW), 512), np.float32)
    np.testing.assert_allclose(heads.score_texts(NEW), heads.score_counts(counts(NEW), zero))


def test_an_artifact_without_dense_weights_loads_and_scores_as_before(monkeypatch):
    arrays = _arrays({}, monkeypatch)
    assert not any(".dense." in k for k in arrays)
    heads = models.from_arrays(arrays)
    assert heads.dense == {} and not heads.needs_embedding()

    def no_encoder(batch):
        raise AssertionError("a head without dense weights must not embed")

    monkeypatch.setattr(embedding, "embed", no_encoder)
    raw = heads.score_texts(NEW)
    x = training.head_features(NEW, "complaint")
    expected = np.asarray(x @ heads.weights) + heads.bias
    np.testing.assert_allclose(raw, expected, rtol=1e-5, atol=1e-5)


def test_cross_fitting_refits_with_the_embedding(monkeypatch):
    monkeypatch.setattr(training, "HEAD_EMBEDDING", {"complaint": 2.0})
    rows = [
        ds.Example(str(1000 + i), text, label, "services")
        for i, (text, label) in enumerate(_rows())
    ]
    data = {ds.COMPLAINTS: [ex for ex in rows if not training.id_held_out(ex.id, 3)]}
    heads = complaint_heads(data)
    messages = [
        labelset.LabelledMessage(
            ds.COMPLAINTS, ex.id, ex.text, "complaint", "medium", "en", ex.group, "mapped"
        )
        for ex in data[ds.COMPLAINTS][:8]
    ]
    with embedding.remembered():
        names, block = stacking.cross_fitted(messages, data, heads, log=lambda *_: None)
    assert names == ["complaint:complaint"]
    assert np.isfinite(block).all() and ((block >= 0) & (block <= 1)).all()


@pytest.mark.parametrize("texts", [["a", "b", "a"], []])
def test_remembered_embeddings_match_fresh_ones(texts):
    with embedding.remembered():
        first = embedding.embed(texts)
        again = embedding.embed(texts)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, embedding.embed(texts), atol=1e-5)
