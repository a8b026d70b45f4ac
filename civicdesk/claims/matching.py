"""Matching messages to known claims, across languages and paraphrases, and proposing new
claims from clusters of rumours that match none.

How a message is matched (docs/claims.md has the measurements):
- Every message and claim statement becomes a multilingual sentence vector
  (``understanding.embedding``), computed in batches; the vectors are stored, so a claim's
  references are never computed again.
- A claim's references are its statement and its confirmed examples; a message's score for
  the claim is its highest cosine similarity to any of them.
- It matches when the score reaches ``MATCH_THRESHOLD``, and, when a rejected example of
  that claim is near the message, the rejected one's similarity plus ``NEGATIVE_MARGIN``:
  a person's "not this claim" raises the bar around what they rejected, not everywhere.
- A message goes to the one claim it scores highest on; every match waits for a person to
  confirm or reject it.

A rumour-like message (the inbox understood it as a rumour or false claim) that matches no
claim is kept as a candidate; ``PROPOSAL_SIZE`` candidates of the last ``PROPOSAL_DAYS``
days within ``CLUSTER_THRESHOLD`` of each other are proposed as a new claim.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from civicdesk.claims.models import (
    Claim,
    ClaimMatch,
    ClaimProposal,
    MatchState,
    ProposalState,
    RumourCandidate,
)
from civicdesk.inbox.models import InboundMessage
from civicdesk.understanding import embedding

logger = logging.getLogger(__name__)

#: Cosine similarity a message needs to a claim's statement or a confirmed example. Chosen on
#: the labelled set in claims/data/matching-eval.json (docs/claims.md): at 0.55 every match
#: was right and seven in eight repeats were found, across English, French and Spanish.
MATCH_THRESHOLD = 0.55
#: How far above a nearby rejected example a message must score to match that claim.
NEGATIVE_MARGIN = 0.05
#: Rumours this close to each other form a cluster (single link). On the labelled set every
#: cluster of three or more at 0.55 held one claim's messages only (docs/claims.md).
CLUSTER_THRESHOLD = 0.55
PROPOSAL_SIZE = 3
PROPOSAL_DAYS = 7
#: Confirmed (and, apart, rejected) examples of a claim compared with, the newest first.
EXAMPLES_PER_CLAIM = 200
#: The understood kind that makes a message a rumour candidate.
RUMOUR_KIND = "rumour"
DIM = 512


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    raw = bytes(data)
    if len(raw) != DIM * 4:
        return np.zeros(DIM, dtype=np.float32)
    return np.frombuffer(raw, dtype=np.float32)


def vectors(texts: Sequence[str]) -> np.ndarray:
    """One L2-normalised row per text, in one batch."""
    return embedding.embed(list(texts))


@dataclass
class References:
    """What one claim is compared with: positives (statement, confirmed) and negatives."""

    claim_id: int
    positives: np.ndarray  # (n, DIM)
    negatives: np.ndarray  # (m, DIM), maybe empty


@dataclass(frozen=True)
class Verdict:
    claim_id: int
    score: float


def best_claim(
    vector: np.ndarray,
    references: Sequence[References],
    *,
    threshold: float = MATCH_THRESHOLD,
    margin: float = NEGATIVE_MARGIN,
) -> Verdict | None:
    """The claim this vector repeats, or None: the highest score that clears its bar."""
    best: Verdict | None = None
    for ref in references:
        if not len(ref.positives):
            continue
        score = float(np.max(ref.positives @ vector))
        bar = threshold
        if len(ref.negatives):
            bar = max(bar, float(np.max(ref.negatives @ vector)) + margin)
        if score >= bar and (best is None or score > best.score):
            best = Verdict(ref.claim_id, score)
    return best


def references_for(organization_id: int) -> list[References]:
    """The organization's claims with their stored reference vectors."""
    claims = list(
        Claim.objects.filter(organization_id=organization_id).only("pk", "statement", "vector")
    )
    missing = [c for c in claims if len(bytes(c.vector)) != DIM * 4]
    if missing:
        fresh = vectors([c.statement for c in missing])
        for claim, row in zip(missing, fresh, strict=True):
            claim.vector = to_bytes(row)
            Claim.objects.filter(pk=claim.pk).update(vector=claim.vector)
    examples: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {
        c.pk: ([from_bytes(c.vector)], []) for c in claims
    }
    decided = (
        ClaimMatch.objects.filter(
            claim__organization_id=organization_id,
            state__in=[MatchState.CONFIRMED, MatchState.REJECTED],
        )
        .order_by("-decided_at", "-pk")
        .values_list("claim_id", "state", "vector")
    )
    for claim_id, state, data in decided:
        if len(bytes(data)) != DIM * 4:
            continue
        positives, negatives = examples[claim_id]
        kept = positives if state == MatchState.CONFIRMED else negatives
        # The newest decisions: a claim repeated thousands of times needs no more examples.
        if len(kept) < EXAMPLES_PER_CLAIM:
            kept.append(from_bytes(data))
    return [
        References(
            claim_id=claim_id,
            positives=np.vstack(pos),
            negatives=np.vstack(neg) if neg else np.zeros((0, DIM), dtype=np.float32),
        )
        for claim_id, (pos, neg) in examples.items()
    ]


@dataclass(frozen=True)
class _Arrival:
    """What matching reads of a message."""

    pk: int
    text: str
    category: str
    sent_at: datetime


def match_messages(message_ids: Sequence[int]) -> int:
    """Match these understood messages to their organizations' claims; keep the rumours that
    match none as candidates and propose new claims from their clusters. Returns the number
    of matches made. Safe to run twice on the same messages."""
    # (pk, text, kind, sent at, organization) rows, not instances with their channel and
    # brand built again for every message.
    messages = (
        InboundMessage.objects.filter(pk__in=message_ids, understood_at__isnull=False)
        .exclude(claim_matches__isnull=False)
        .order_by("pk")
        .values_list("pk", "text", "category", "sent_at", "channel__brand__organization_id")
    )
    by_org: dict[int, list[_Arrival]] = {}
    for pk, text, category, sent_at, organization_id in messages:
        by_org.setdefault(organization_id, []).append(_Arrival(pk, text, category, sent_at))
    made = 0
    for organization_id, group in by_org.items():
        references = references_for(organization_id)
        if not references:
            # No claim to match: only rumours are kept, as candidates for a new one.
            group = [m for m in group if m.category == RUMOUR_KIND]
            if not group:
                continue
        rows = vectors([m.text for m in group])
        matches: list[ClaimMatch] = []
        candidates: list[RumourCandidate] = []
        for message, row in zip(group, rows, strict=True):
            verdict = best_claim(row, references)
            if verdict is not None:
                matches.append(
                    ClaimMatch(
                        claim_id=verdict.claim_id,
                        message_id=message.pk,
                        score=round(verdict.score, 4),
                        vector=to_bytes(row),
                        sent_at=message.sent_at,
                    )
                )
            elif message.category == RUMOUR_KIND:
                candidates.append(
                    RumourCandidate(
                        message_id=message.pk,
                        organization_id=organization_id,
                        vector=to_bytes(row),
                        sent_at=message.sent_at,
                    )
                )
        with transaction.atomic():
            ClaimMatch.objects.bulk_create(matches, ignore_conflicts=True)
            RumourCandidate.objects.bulk_create(candidates, ignore_conflicts=True)
            if matches:
                Claim.objects.filter(pk__in={m.claim_id for m in matches}).update(
                    updated_at=timezone.now()
                )
        made += len(matches)
        if candidates:
            propose_claims(organization_id)
    return made


def match_arrivals(message_ids: Sequence[int]) -> int:
    """The inbox's arrival hook: never lets a matching fault reach ingest."""
    try:
        return match_messages(message_ids)
    except Exception:  # noqa: BLE001 - ingest must go on; the messages stay unmatched
        logger.exception("claim matching failed on %d messages", len(message_ids))
        return 0


def clusters(rows: np.ndarray, *, threshold: float = CLUSTER_THRESHOLD) -> list[list[int]]:
    """Groups of row indices joined by a similarity at or above ``threshold`` (single link)."""
    n = len(rows)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n:
        similar = rows @ rows.T
        for i in range(n):
            for j in np.nonzero(similar[i, i + 1 :] >= threshold)[0]:
                a, b = find(i), find(i + 1 + int(j))
                if a != b:
                    parent[b] = a
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def propose_claims(organization_id: int) -> list[ClaimProposal]:
    """Candidates of the last days join an open proposal they are close to, or, a cluster of
    at least ``PROPOSAL_SIZE`` of them, become a new one."""
    since = timezone.now() - timedelta(days=PROPOSAL_DAYS)
    loose = list(
        RumourCandidate.objects.filter(
            organization_id=organization_id, proposal__isnull=True, sent_at__gte=since
        ).order_by("-sent_at")[:500]
    )
    if not loose:
        return []
    rows = np.vstack([from_bytes(c.vector) for c in loose])
    # Join an open proposal first: its members' vectors are its references.
    members = list(
        RumourCandidate.objects.filter(
            organization_id=organization_id, proposal__state=ProposalState.OPEN
        ).values_list("proposal_id", "vector")
    )
    if members:
        member_rows = np.vstack([from_bytes(v) for _, v in members])
        similar = rows @ member_rows.T
        joined: dict[int, list[int]] = {}
        keep: list[int] = []
        for i in range(len(loose)):
            j = int(np.argmax(similar[i]))
            if similar[i, j] >= CLUSTER_THRESHOLD:
                joined.setdefault(members[j][0], []).append(loose[i].pk)
            else:
                keep.append(i)
        for proposal_id, ids in joined.items():
            RumourCandidate.objects.filter(pk__in=ids).update(proposal_id=proposal_id)
            ClaimProposal.objects.filter(pk=proposal_id).update(updated_at=timezone.now())
        loose = [loose[i] for i in keep]
        rows = rows[keep] if keep else rows[:0]
    made = []
    for group in clusters(rows):
        if len(group) < PROPOSAL_SIZE:
            continue
        centre = rows[group].mean(axis=0)
        example = loose[group[int(np.argmax(rows[group] @ centre))]]
        with transaction.atomic():
            proposal = ClaimProposal.objects.create(
                organization_id=organization_id, example_id=example.pk
            )
            RumourCandidate.objects.filter(pk__in=[loose[i].pk for i in group]).update(
                proposal=proposal
            )
        made.append(proposal)
    return made
