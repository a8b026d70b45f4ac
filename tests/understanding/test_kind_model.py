"""The pipeline uses a trained kind and urgency model when the artifact holds one."""

from __future__ import annotations

import json

import numpy as np

from civicdesk.understanding import kind_training, labelset, models, understand_batch


def test_artifact_with_a_kind_model_decides_kind_and_urgency(tmp_path):
    """A cheap model (the authored messages only, no sentence embedding, three folds) is
    enough to check how the pipeline reads an artifact's kind model; the shipped one is
    checked in test_shipped_kinds."""
    arrays, meta = kind_training.train(
        labelset.authored(), log=lambda *_: None, settings=kind_training.QUICK
    )
    assert meta["embedding"] == kind_training.NO_EMBEDDING
    shipped = models.load()
    with np.load(shipped.path) as npz:
        merged = {k: npz[k] for k in npz.files if k != "meta"}
    merged.update(arrays)
    merged["meta"] = np.frombuffer(
        json.dumps({**shipped.meta, "kind_model": meta}).encode(), dtype=np.uint8
    )
    np.savez_compressed(tmp_path / models.ARTIFACT, **merged)
    out = understand_batch(
        [
            "Les feux de circulation sont en panne rue Sherbrooke, quelqu'un va se faire tuer",
            "Merci beaucoup pour votre aide, excellent travail",
        ],
        models_dir=tmp_path,
    )
    assert out[0].kind == "emergency" and out[0].urgency == "critical"
    assert "danger to life" in out[0].urgency_reasons
    assert out[1].kind == "praise" and out[1].urgency == "low"
    assert abs(sum(out[1].kind_scores.values()) - 1) < 0.01
