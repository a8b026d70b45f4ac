"""Calibration of the kind scores: stored maps, probabilities in [0, 1], reliability on held-out
rows (needs the research data for the last part)."""

from __future__ import annotations

import numpy as np
import pytest

from civicdesk.understanding import KINDS, calibration, models, pipeline, understand_batch


def test_the_artifact_stores_a_map_for_every_labelled_kind():
    maps = pipeline.calibration_maps(models.load())
    assert set(calibration.SOURCES) <= set(maps)
    assert maps["emergency"][2] and maps["help_request"][2]  # during incidents only
    assert not maps["complaint"][2]
    for kind in calibration.NOT_CALIBRATED:
        assert kind not in maps
    meta = models.load().meta["kind_calibration"]
    assert all(m["method"] == "platt" and m["own_rows"] >= 50 for m in meta.values())


def test_scores_are_probabilities():
    texts = ["Where is my refund?", "Fire, people trapped!", "", "ok", "Thanks!!! 👍"]
    for incident in (False, True):
        for u in understand_batch(texts, incident=incident):
            assert set(u.kind_scores) == set(KINDS)
            assert all(0.0 <= v <= 1.0 for v in u.kind_scores.values())


def test_ece_and_brier():
    y = np.array([0, 0, 1, 1])
    assert calibration.ece(np.array([0.0, 0.0, 1.0, 1.0]), y) == 0.0
    assert abs(calibration.ece(np.full(4, 0.5), y)) < 1e-12  # one bin, mean 0.5 = rate 0.5
    assert calibration.brier(np.full(4, 0.5), y) == 0.25
    a, b = calibration.platt(np.array([-2.0, -1.0, 1.0, 2.0] * 10), np.array([0, 0, 1, 1] * 10))
    assert a > 0


@pytest.mark.research_data
def test_calibration_on_held_out_rows(shared_data):
    """Where labelled data exists the calibrated scores are reliable on rows never trained or
    calibrated on: ECE under 0.15 on the mix the maps are fitted for (0.20 for the crisis proxies,
    which are scored against their own data set), and no worse than uncalibrated there."""
    rows = calibration.evaluate(shared_data)
    by = {(r.kind, r.setting): r for r in rows}
    for kind in ("complaint", "spam", "rumour"):
        r = by[(kind, "mixed")]
        assert r.ece_after is not None and r.ece_after < 0.15, r
        assert r.brier_after <= r.brier_before + 0.005, r
    for kind in ("emergency", "help_request"):
        r = by[(kind, "own")]
        assert r.ece_after < 0.20 and r.ece_after <= r.ece_before + 0.005, r
    text = calibration.format_reliability(rows)
    assert "praise" in text and "not calibrated: no labelled data" in text
