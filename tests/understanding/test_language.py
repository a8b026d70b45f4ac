"""The language head (regression plus naive Bayes), its stacker and the --language-only retrain."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from civicdesk.understanding import models, training, understand

from .test_training import small_copy

SIX = ("es", "pt", "ca", "gl", "eu", "en")


def _artifact(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "meta"}
        meta = json.loads(bytes(npz["meta"]).decode())
    return arrays, meta


def test_language_head_adds_naive_bayes_to_the_regression():
    """The naive Bayes part moves the scores towards each row's own language and leaves the
    columns no training row used at zero (so the int8 artifact compresses as before)."""
    rows = [
        ("o can está na casa e non quere saír", "gl"),
        ("onte fomos á praia coas nenas", "gl"),
        ("el perro está en casa y no quiere salir", "es"),
        ("ayer fuimos a la playa con las niñas", "es"),
    ] * 3
    labels, coef, bias, idf = training._fit_language(rows)
    plain = training._fit(rows, training.HEAD_C["language"], "language", labels=labels)
    assert labels == plain[0] == ["es", "gl"] and idf is None
    assert coef.shape == plain[1].shape == (coef.shape[0], 1)  # two labels: one column
    x = training.head_features(["non quere saír da casa", "no quiere salir de casa"], "language")
    z, z_plain = (np.asarray(x @ w).ravel() + b for w, b in ((coef, bias), (plain[1], plain[2])))
    assert z[0] > z_plain[0] and z[1] < z_plain[1]  # naive Bayes agrees with each label
    assert np.count_nonzero(coef) == np.count_nonzero(plain[1])


def test_a_clear_galician_sentence_is_galician():
    six = understand(
        "Onte pola tarde fomos á praia coas nenas e xa non había sitio para deixar o coche",
        languages=SIX,
    )
    assert six.language == "gl"
    assert (
        understand("Ayer por la tarde fuimos a la playa con las niñas", languages=SIX).language
        == "es"
    )
    assert understand("Ontem à tarde fomos à praia com as meninas", languages=SIX).language == "pt"
    assert (
        understand("Ahir a la tarda vam anar a la platja amb les nenes", languages=SIX).language
        == "ca"
    )


@pytest.mark.research_data
def test_language_only_retrain_changes_only_the_language_arrays(shared_data, tmp_path):
    data = small_copy(shared_data, tmp_path / "data", ("tweetlid",))
    out = tmp_path / "models"
    out.mkdir()
    shutil.copy(models.MODELS_DIR / models.ARTIFACT, out / models.ARTIFACT)
    before, meta_before = _artifact(out / models.ARTIFACT)
    call_command("train_understanding", "--data", str(data), "--out", str(out), "--language-only")
    after, meta_after = _artifact(out / models.ARTIFACT)
    changed = {k for k in before.keys() | after.keys() if k not in before or k not in after}
    changed |= {k for k in before.keys() & after.keys() if not np.array_equal(before[k], after[k])}
    assert changed and all(k.startswith(training.LANGUAGE_ARRAYS) for k in changed)
    assert "language.w" in changed and "seen.tweetlid_ids" in changed
    assert list(meta_after["heads"]) == list(meta_before["heads"])  # column order kept
    for key in meta_before.keys() | meta_after.keys():
        if key not in ("heads", "language_stack"):
            assert meta_after.get(key) == meta_before.get(key), key
    for head, info in meta_before["heads"].items():
        if head != "language":
            assert meta_after["heads"][head] == info, head
    language = meta_after["heads"]["language"]
    assert language["naive_bayes"] == {
        "alpha": training.LANGUAGE_NB_ALPHA,
        "weight": training.LANGUAGE_NB_WEIGHT,
    }
    assert language["train_rows"] < 800
    heads = models.read(out / models.ARTIFACT)
    assert heads.labels["language"] == meta_after["heads"]["language"]["labels"]
    assert (heads.language_stack() is None) == ("language_stack" not in meta_after)
