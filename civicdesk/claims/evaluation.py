"""Precision and recall of claim matching on a labelled set (``data/matching-eval.json``).

Run ``civicdesk evaluate_claims`` for the table in docs/claims.md: each message
is matched as the desk would (``matching.best_claim``), against the claims' statements
alone, then with every other message of the same claim confirmed as an example (leave one
out: what the desk learns once people confirm matches).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from civicdesk.claims.matching import DIM, MATCH_THRESHOLD, References, best_claim, vectors

DATA = Path(__file__).resolve().parent / "data" / "matching-eval.json"


@dataclass(frozen=True)
class Score:
    threshold: float
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def load(path: Path = DATA) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def score(
    data: dict[str, Any], thresholds: list[float], *, with_examples: bool = False
) -> list[Score]:
    claims = [c["id"] for c in data["claims"]]
    statements = vectors([c["statement"] for c in data["claims"]])
    messages = data["messages"]
    rows = vectors([m["text"] for m in messages])
    results = []
    for threshold in thresholds:
        tp = fp = fn = 0
        for i, message in enumerate(messages):
            references = []
            for j, claim in enumerate(claims):
                positives = [statements[j]]
                if with_examples:
                    positives += [
                        rows[k]
                        for k, other in enumerate(messages)
                        if k != i and other["claim"] == claim
                    ]
                references.append(
                    References(j, np.vstack(positives), np.zeros((0, DIM), np.float32))
                )
            verdict = best_claim(rows[i], references, threshold=threshold)
            found = claims[verdict.claim_id] if verdict else None
            wanted = message["claim"]
            if found is not None and found == wanted:
                tp += 1
            elif found is not None:
                fp += 1
                if wanted is not None:
                    fn += 1
            elif wanted is not None:
                fn += 1
        results.append(Score(threshold, tp, fp, fn))
    return results


def main() -> None:
    data = load()
    thresholds = [0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
    for label, examples in (("statement only", False), ("with confirmed examples", True)):
        print(f"\n{label} ({len(data['messages'])} messages, {len(data['claims'])} claims)")
        print("| threshold | precision | recall | matched right | matched wrong | missed |")
        print("|---|---|---|---|---|---|")
        for s in score(data, thresholds, with_examples=examples):
            mark = " (chosen)" if abs(s.threshold - MATCH_THRESHOLD) < 1e-9 else ""
            print(
                f"| {s.threshold:.2f}{mark} | {s.precision:.2f} | {s.recall:.2f} | "
                f"{s.true_positives} | {s.false_positives} | {s.false_negatives} |"
            )
