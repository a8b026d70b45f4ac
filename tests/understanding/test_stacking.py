"""The heads' probabilities as kind features: cross-fitted on the heads' own training rows."""

from __future__ import annotations

import json

import numpy as np

from civicdesk.understanding import datasets as ds
from civicdesk.understanding import (
    kind_training,
    labelset,
    models,
    stacking,
    training,
    understand_batch,
)

COMPLAINTS = [
    "my parcel never arrived and nobody answers",
    "the train was late again and the staff were rude",
    "charged twice for one order, give my money back",
    "the app crashes every time I open it",
    "three weeks without internet and no technician",
]
PRAISE = [
    "thanks for the quick reply",
    "great service today, well done",
    "the new timetable is very clear",
    "lovely staff at the counter",
    "delivery came early, perfect",
]


def _complaint_data() -> dict[str, list[ds.Example]]:
    rows = []
    for i in range(60):
        complaint = i % 2 == 0
        base = (COMPLAINTS if complaint else PRAISE)[i % 5]
        text = f"{base} ref{i}q{i * 7}"  # a token no other row has
        # ids whose crc32 % 3 != 0 only: the rows a complaint head trains on
        rows.append(
            ds.Example(str(1000 + i), text, "complaint" if complaint else "not", "services")
        )
    return {ds.COMPLAINTS: [ex for ex in rows if not training.id_held_out(ex.id, 3)]}


def _heads(data: dict[str, list[ds.Example]]) -> models.Heads:
    split = training.build_splits(data)[0]["complaint"]
    arrays, meta = training.head_arrays(
        "complaint", training.fit_head("complaint", split.train), len(split.train)
    )
    arrays["seen.complaint_ids"] = arrays["seen.tweetlid_ids"] = np.zeros(0, np.uint64)
    arrays["meta"] = np.frombuffer(
        json.dumps({"heads": {"complaint": meta}}).encode(), dtype=np.uint8
    )
    return models.from_arrays(arrays)


def _message(ex: ds.Example, kind: str) -> labelset.LabelledMessage:
    return labelset.LabelledMessage(
        ds.COMPLAINTS, ex.id, ex.text, kind, "medium", "en", ex.group, "mapped"
    )


def test_columns_follow_the_artifact_s_heads():
    labels = {"complaint": ["complaint", "not"], "crisis_type": ["a", "b"], "language": ["en"]}
    assert stacking.inputs(labels) == ["complaint:complaint", "crisis_type:a", "crisis_type:b"]
    probs = {"complaint": np.array([[0.8, 0.2]]), "crisis_type": None}
    block = stacking.block(probs, labels, stacking.inputs(labels), 1)
    assert block.tolist() == [[np.float32(0.8), 0.0, 0.0]]


def test_head_training_rows_get_out_of_fold_scores_and_new_text_the_shipped_ones():
    data = _complaint_data()
    heads = _heads(data)
    trained = data[ds.COMPLAINTS][:10]
    authored = labelset.LabelledMessage(
        labelset.AUTHORED,
        "a1",
        "the bus never came, terrible",
        "complaint",
        "medium",
        "en",
        labelset.AUTHORED,
        "authored",
    )
    messages = [
        _message(ex, "complaint" if ex.label == "complaint" else "praise") for ex in trained
    ]
    names, block = stacking.cross_fitted(messages + [authored], data, heads, log=lambda *_: None)
    assert names == ["complaint:complaint"]
    shipped = stacking.head_block(heads, [m.text for m in messages + [authored]], names)
    # a message no head trained on is scored as any new message is
    assert block[-1, 0] == shipped[-1, 0]
    # the shipped head has seen each training row, its unique token included: it is surer of
    # them than a head that never saw the row
    gold = np.array([ex.label == "complaint" for ex in trained])
    confidence_shipped = np.where(gold, shipped[:-1, 0], 1 - shipped[:-1, 0])
    confidence_oof = np.where(gold, block[:-1, 0], 1 - block[:-1, 0])
    assert (confidence_oof < confidence_shipped).all()


def test_thresholds_keep_precision_when_the_recall_target_costs_too_much():
    rng = np.random.default_rng(0)
    n = 2000
    y = rng.integers(0, len(kind_training.KINDS), n)
    p = rng.dirichlet(np.ones(len(kind_training.KINDS)), n)
    emergency = kind_training.KINDS.index("emergency")
    help_request = kind_training.KINDS.index("help_request")
    # emergencies are told apart well: the recall target is reached at a good precision
    p[:, emergency] = np.where(y == emergency, rng.uniform(0.3, 1, n), rng.uniform(0, 0.35, n))
    # help requests are not: recall 0.85 only with a threshold that flags many other messages
    p[:, help_request] = np.where(
        y == help_request, rng.uniform(0.2, 0.6, n), rng.uniform(0, 0.5, n)
    )
    thresholds, figures = kind_training._thresholds(p, y)
    assert figures["emergency"]["rule"] == "recall target"
    assert figures["emergency"]["recall"] >= kind_training.RECALL_TARGET
    assert figures["emergency"]["precision"] >= kind_training.MIN_PRECISION
    assert figures["help_request"]["rule"].startswith("best F2")
    assert thresholds["help_request"] == figures["help_request"]["threshold"] > 0.05


def test_a_kind_model_trained_with_head_features_reads_them_in_the_pipeline(tmp_path):
    messages = labelset.authored()
    shipped = models.load()
    stack = stacking.cross_fitted(messages, {}, shipped, log=lambda *_: None)
    arrays, meta = kind_training.train(
        messages, log=lambda *_: None, settings=kind_training.QUICK, stack=stack
    )
    assert meta["stack"] == stack[0] and "crisis_type:affected_individuals" in meta["stack"]
    n_features = arrays["extra.kind.w"].shape[0]
    with np.load(shipped.path) as npz:
        merged = {k: npz[k] for k in npz.files if k != "meta"}
    merged.update(arrays)
    merged["meta"] = np.frombuffer(
        json.dumps({**shipped.meta, "kind_model": meta}).encode(), dtype=np.uint8
    )
    np.savez_compressed(tmp_path / models.ARTIFACT, **merged)
    out = understand_batch(
        ["Merci beaucoup pour votre aide, excellent travail"], models_dir=tmp_path
    )
    assert out[0].kind == "praise"
    assert n_features == arrays["extra.urgency.w"].shape[0]
