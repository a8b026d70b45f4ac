"""Checking a hash chain against signed checkpoints of its head.

A chain checks itself link by link, but someone who can write the database can cut its end
off, or rewrite it and compute every hash again from the start: it still checks. A
checkpoint, signed and kept apart, says "entry N had hash H" and catches both: the entry is
missing, or its hash is not the one signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class Anchor:
    sequence: int
    head_hash: str
    signature_ok: bool


@dataclass(frozen=True)
class Break:
    sequence: int  # the first entry that cannot be trusted
    reason: str


class AnchorWatch:
    """Fed each entry of a chain in order, says where it parts from its checkpoints."""

    def __init__(self, anchors: Iterable[Anchor]) -> None:
        self.anchors = {a.sequence: a for a in anchors}
        self.last_good = 0  # the newest checkpoint the chain has matched so far

    def first_bad_signature(self) -> Break | None:
        for sequence in sorted(self.anchors):
            if not self.anchors[sequence].signature_ok:
                return Break(sequence, f"the checkpoint of entry {sequence} is not validly signed")
        return None

    def see(self, sequence: int, entry_hash: str) -> Break | None:
        anchor = self.anchors.get(sequence)
        if anchor is None:
            return None
        if anchor.head_hash != entry_hash:
            return Break(
                self.last_good + 1,
                f"entry {sequence} differs from its signed checkpoint: the chain was rewritten "
                f"after entry {self.last_good}",
            )
        self.last_good = sequence
        return None

    def finish(self, last_sequence: int) -> Break | None:
        signed = max(self.anchors, default=0)
        if signed > last_sequence:
            return Break(
                last_sequence + 1,
                f"entries {last_sequence + 1} to {signed} were signed but are missing: the chain "
                "was cut short",
            )
        return None

    def resume(self, head: Head, stored: dict[int, str]) -> Break | None:
        """Before checking only the entries after ``head`` (the end of an earlier full check):
        the chain still holds ``head`` as it was verified, and agrees with the newest
        checkpoint at or before it. ``stored`` maps those two sequences to the hashes the
        chain now holds. A chain cut below ``head``, or rewritten and hashed again up to it,
        fails here; an entry changed in place without new hashes waits for the next full
        check."""
        signed = [s for s in self.anchors if s <= head.sequence]
        if signed:
            anchor = self.anchors[max(signed)]
            if stored.get(anchor.sequence) != anchor.head_hash:
                return Break(
                    anchor.sequence,
                    f"entry {anchor.sequence} differs from its signed checkpoint or is missing: "
                    "the chain was changed since its last full check",
                )
            self.last_good = anchor.sequence
        if head.sequence and stored.get(head.sequence) != head.hash:
            return Break(
                head.sequence,
                f"entry {head.sequence} is missing or no longer the one verified: the chain was "
                "changed since its last full check",
            )
        return None

    def resume_sequences(self, head: Head) -> list[int]:
        """The sequences whose stored hashes :meth:`resume` needs."""
        signed = [s for s in self.anchors if s <= head.sequence]
        return [head.sequence, *([max(signed)] if signed else [])]

    def resume_chain(self, head: Head, rows: QuerySet[Any]) -> Break | None:
        """:meth:`resume` on a chain's rows (a queryset with ``sequence`` and ``hash``)."""
        stored = dict(
            rows.filter(sequence__in=self.resume_sequences(head)).values_list("sequence", "hash")
        )
        return self.resume(head, stored)


@dataclass(frozen=True)
class Head:
    """The last entry a check verified: where the next check may start."""

    sequence: int
    hash: str
