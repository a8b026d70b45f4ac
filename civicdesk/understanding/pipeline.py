"""The understanding pipeline: one pass of features through every linear head, cues, rules."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import cues, embedding, kinds, language, models, stacking
from .features import counts
from .pii import find_pii
from .textutil import scrub
from .types import KINDS, Understanding

BATCH = 256


def _logit(p: float) -> float:
    p = min(max(p, 0.0025), 1 - 0.0025)  # log-odds within +-6
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def _head(
    probs: np.ndarray | None, row: int, labels: list[str] | None, positive: str
) -> float | None:
    if probs is None or not labels or positive not in labels:
        return None
    return float(probs[row, labels.index(positive)])


def _kind_logits(text: str, heads_p: dict[str, float | None], crisis: dict[str, float] | None):
    """Uncalibrated log-odds per kind (all but "other"): trained-head log-odds (where a head
    exists) plus named cue increments; also the cue hits and the safety keywords found."""
    low = text.lower()
    hits: dict[str, list[str]] = {k: [] for k in KINDS}
    z: dict[str, float] = {}

    q = -3.0
    if cues.QUESTION_MARK.search(text):
        q += 4.0
        hits["question"].append("question mark")
    if cues.INTERROGATIVE.search(low.lstrip("¿¡ \"'")):
        q += 2.0
        hits["question"].append("interrogative")
    z["question"] = q

    c = -3.0
    if (p_complaint := heads_p.get("complaint")) is not None:
        c = -1.5 + 0.6 * _logit(p_complaint)
    if w := cues.find(cues.COMPLAINT, text):
        c += 1.5
        hits["complaint"].append(f"complaint cue: {w}")
    z["complaint"] = c

    h = -4.0
    if w := cues.find(cues.HELP, text):
        h += 4.5
        hits["help_request"].append(f"help requested: {w}")
    if crisis and crisis.get("donations_volunteering", 0) > 0.5 and hits["help_request"]:
        h += 0.5
    z["help_request"] = h

    e = -4.5
    safety = [name for name, pat in cues.EMERGENCY.items() if pat.search(text)]
    if safety:
        e += 4.0 + 1.5 * (len(safety) - 1)
        hits["emergency"].extend(f"safety keyword: {name}" for name in safety)
    if cues.INJURY.search(text):
        e += 2.0
        hits["emergency"].append("mentions injury")
    if w := cues.find(cues.URGENT, text):
        e += 1.5
        hits["emergency"].append(f"urgent: {w}")
    if crisis and safety:
        e += 1.0 * (
            crisis.get("affected_individuals", 0) + crisis.get("infrastructure_utilities", 0)
        )
    z["emergency"] = e

    r = -3.5
    if (p_fake := heads_p.get("fake")) is not None:
        r = -3.5 + 0.35 * _logit(p_fake)
    if w := cues.find(cues.RUMOUR, text):
        r += 3.0
        hits["rumour"].append(f"rumour cue: {w}")
    z["rumour"] = r

    p = -3.5
    if w := cues.find(cues.THANKS, text):
        p += 4.5
        hits["praise"].append(f"thanks: {w}")
    if cues.PRAISE_EMOJI.search(text):
        p += 1.5
        hits["praise"].append("positive emoji")
    z["praise"] = p

    s = -4.0
    if w := cues.find(cues.SUGGESTION, text):
        s += 4.5
        hits["suggestion"].append(f"suggestion cue: {w}")
    z["suggestion"] = s

    sp = -4.0
    if (p_spam := heads_p.get("spam")) is not None:
        sp = -2.5 + 0.5 * _logit(p_spam)
    if w := cues.find(cues.SPAM, text):
        sp += 3.0
        hits["spam"].append(f"spam cue: {w}")
    if w := cues.find(cues.ABUSE, text):
        sp += 4.0
        hits["spam"].append(f"abuse: {w}")
    z["spam"] = sp
    return z, hits, safety


def calibration_maps(heads) -> dict[str, tuple[float, float, bool]]:
    """Per kind, the stored Platt map (slope, intercept, incidents only) of the artifact."""
    stored = heads.meta.get("kind_calibration") or {}
    return {
        kind: (float(m["a"]), float(m["b"]), bool(m.get("incident_only")))
        for kind, m in stored.items()
        if kind in KINDS and "a" in m and "b" in m
    }


def scores_from_logits(
    z: dict[str, float], maps: dict[str, tuple[float, float, bool]], incident: bool
) -> dict[str, float]:
    """Kind scores from log-odds: the calibration map where one applies, the plain logistic
    function otherwise; "other" is the probability that none of the rest applies."""
    scores = {}
    for kind, value in z.items():
        m = maps.get(kind)
        if m is not None and (incident or not m[2]):
            scores[kind] = _sigmoid(m[0] * value + m[1])
        else:
            scores[kind] = _sigmoid(value)
    rest = 1.0
    for v in scores.values():
        rest *= 1.0 - v
    scores["other"] = rest
    return {k: round(scores[k], 4) for k in KINDS}


def _kind_scores(text, heads_p, crisis, maps=None, incident=False):
    """Calibrated scores to report, and the detection scores the kind is decided on.

    Calibration makes a score mean "how often such a message really is of this kind" in a
    mixed inbox; the decision keeps the detection scale, tuned so that an emergency report
    or a complaint is not missed because such messages are rare.
    """
    z, hits, safety = _kind_logits(text, heads_p, crisis)
    reported = scores_from_logits(z, maps or {}, incident)
    decision = scores_from_logits(z, {}, incident)
    return reported, decision, hits, safety


def _urgency(
    kind: str, scores: dict[str, float], hits, safety, text: str, crisis_type, informative
):
    reasons: list[str] = []
    level = 3  # low

    def raise_to(lvl: int, reason: str) -> None:
        nonlocal level
        level = min(level, lvl)
        if reason not in reasons:
            reasons.append(reason)

    if kind == "emergency" or scores["emergency"] >= 0.5:
        raise_to(0, "emergency report")
    if "mentions injury" in hits["emergency"]:
        raise_to(0 if safety else 1, "mentions injury")
    for name in safety:
        raise_to(1, f"safety keyword: {name}")
    if any(h.startswith("urgent") for h in hits["emergency"]):
        raise_to(1, "marked urgent")
    if kind == "help_request" or scores["help_request"] >= 0.5:
        raise_to(1, "help requested")
    if kind == "rumour":
        raise_to(2, "kind: rumour")
    if kind == "complaint":
        raise_to(2, "kind: complaint")
    if kind == "question":
        raise_to(2, "kind: question")
    if informative and crisis_type in (
        "affected_individuals",
        "infrastructure_utilities",
        "caution_advice",
    ):
        raise_to(1, f"incident: {crisis_type.replace('_', ' ')}")
    return ("critical", "high", "medium", "low")[level], tuple(reasons)


def understand_batch(
    texts: Sequence[str], *, languages: Sequence[str] = (), incident: bool = False, models_dir=None
) -> list[Understanding]:
    texts = list(texts)
    out: list[Understanding] = []
    with embedding.one_blas_thread():
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            out.extend(_run(batch, tuple(languages or ()), incident, models_dir))
    return out


def head_inputs(probs: dict, labels: dict, i: int, incident: bool):
    """The head probabilities the kind scores read for row ``i``, and (during an incident) the
    crisis information type probabilities."""
    head_p = {
        "complaint": _head(probs.get("complaint"), i, labels.get("complaint"), "complaint"),
        "spam": _head(probs.get("spam"), i, labels.get("spam"), "spam"),
        "fake": _head(probs.get("fake"), i, labels.get("fake"), "fake"),
    }
    return head_p, _crisis(probs, labels, i, incident)


def _crisis(probs: dict, labels: dict, i: int, incident: bool) -> dict[str, float] | None:
    """The crisis information type probabilities of row ``i`` during an incident, else None."""
    if not incident or probs.get("crisis_type") is None:
        return None
    crisis_p = probs["crisis_type"]
    return {lab: float(crisis_p[i, j]) for j, lab in enumerate(labels["crisis_type"])}


def kind_logits_batch(texts: Sequence[str], *, incident: bool = False, heads=None):
    """Uncalibrated kind log-odds of already scrubbed texts (used to fit and check calibration)."""
    heads = heads or models.load()
    raw = heads.score_texts(list(texts))
    probs = {name: heads.probabilities(raw, name) for name in heads.names}
    out = []
    for i, text in enumerate(texts):
        head_p, crisis = head_inputs(probs, heads.labels, i, incident)
        out.append(_kind_logits(text, head_p, crisis)[0])
    return out


def _run(raw_texts: list, languages: tuple, incident: bool, models_dir) -> list[Understanding]:
    heads = models.load(models_dir)
    maps = calibration_maps(heads)
    texts = [scrub(t) for t in raw_texts]
    cnt = counts(texts)
    emb = _batch_embedding(heads, texts)
    raw = heads.score_counts(cnt, emb)
    probs = {name: heads.probabilities(raw, name) for name in heads.names}
    trained = _trained_kinds(heads, texts, cnt, probs, emb)
    langs = language.detect_batch(
        texts,
        languages,
        probs.get("language"),
        heads.labels.get("language", ()),
        heads.language_stack(),
    )
    results = []
    for i, text in enumerate(texts):
        crisis = _crisis(probs, heads.labels, i, incident)
        crisis_type = None
        informative = None
        if crisis is not None:
            crisis_type = max(crisis, key=crisis.__getitem__)
            p_inf = _head(
                probs.get("informative"), i, heads.labels.get("informative"), "informative"
            )
            informative = bool(p_inf is not None and p_inf >= 0.5 and crisis_type != "not_related")
        if trained is not None and text:
            kind, scores, urgency, reasons = _from_model(trained, i, crisis_type, informative)
        elif not text:
            scores = {k: 0.0 for k in KINDS}
            scores["other"] = 1.0
            decision = scores
            hits: dict[str, list[str]] = {k: [] for k in KINDS}
            safety: list[str] = []
        else:
            head_p = head_inputs(probs, heads.labels, i, incident)[0]
            scores, decision, hits, safety = _kind_scores(text, head_p, crisis, maps, incident)
        if trained is None or not text:
            best = max((k for k in KINDS if k != "other"), key=lambda k: decision[k])
            kind = best if decision[best] >= 0.5 else "other"
            urgency, reasons = _urgency(
                kind, decision, hits, safety, text, crisis_type, informative
            )
        raw_text = raw_texts[i] if isinstance(raw_texts[i], str) else ""
        lang, conf = langs[i]
        results.append(
            Understanding(
                language=lang,
                language_confidence=float(conf),
                kind=kind,
                kind_scores=scores,
                urgency=urgency,
                urgency_reasons=reasons,
                crisis_type=crisis_type,
                informative=informative,
                pii=find_pii(raw_text),
            )
        )
    return results


def _batch_embedding(heads, texts: list[str]) -> np.ndarray | None:
    """The batch's sentence embedding, computed once for the heads and the kind model, or None
    when neither reads it (the encoder is the slowest step of the pipeline)."""
    km = kinds.from_heads(heads)
    wanted = heads.needs_embedding() or (km is not None and embedding.backend() == km.embedding)
    return embedding.embed(texts) if wanted and texts else None


def _trained_kinds(heads, texts: list[str], cnt, probs: dict, emb: np.ndarray | None):
    """Kind and urgency probabilities and cue rows of a batch from the artifact's trained
    models, or None for an artifact without them. ``probs`` are the heads' probabilities of the
    batch, which models trained with them read; ``emb`` its embedding (``_batch_embedding``)."""
    km = kinds.from_heads(heads)
    if km is None:
        return None
    cue_rows = kinds.cue_matrix(texts)
    # an embedding from another backend than the one trained with would be noise: leave it out
    if embedding.backend() != km.embedding:
        emb = None
    stack = None
    if km.stack:
        stack = stacking.block(probs, heads.labels, km.stack, len(texts))
    x = kinds.design(cnt, emb, cue_rows, stack)
    return km, km.kind.probabilities(x), km.urgency.probabilities(x), cue_rows


def _from_model(trained, i: int, crisis_type, informative):
    km, p_kind, p_urgency, cue_rows = trained
    p = p_kind[i]
    kind = kinds.decide(p, km.kind.labels, km.thresholds)
    row = p.tolist()  # Python floats, as float() of each entry
    scores = {k: round(row[km.kind.labels.index(k)], 4) for k in KINDS}
    level = URGENCY_ORDER.index(km.urgency.labels[int(p_urgency[i].argmax())])
    names = kinds.cue_names(cue_rows[i])
    reasons = [f"kind: {kind.replace('_', ' ')}"] + [n for n in names if n != "question mark"]
    if "danger to life" in names:
        level = 0  # stated or imminent danger to life is critical whatever the model says
    elif kind == "emergency":
        level = min(level, 1)
    elif kind == "help_request":
        level = min(level, 2)
    if informative and crisis_type in (
        "affected_individuals",
        "infrastructure_utilities",
        "caution_advice",
    ):
        level = min(level, 1)
        reasons.append(f"incident: {crisis_type.replace('_', ' ')}")
    return kind, scores, URGENCY_ORDER[level], tuple(reasons)


URGENCY_ORDER = ("critical", "high", "medium", "low")


def understand(
    text: str, *, languages: Sequence[str] = (), incident: bool = False
) -> Understanding:
    with embedding.one_blas_thread():
        return _run([text], tuple(languages or ()), incident, None)[0]
