"""Signed checkpoints of the audit log's and the archive's chains.

A periodic job (``records.checkpoint`` in the worker) signs, for each organization and each
chain that has grown, the newest entry's sequence and hash with the installation's Ed25519
key, stores the checkpoint, and appends it to ``records/checkpoints.jsonl`` in the data
folder, a copy outside the database. ``civicdesk verify_audit`` and ``civicdesk records
verify`` compare the chains with the checkpoints: an entry that is missing (the log cut
short) or whose hash is not the one signed (the log rewritten and hashed again from the
start) is named. ``civicdesk records checkpoints`` exports them, to keep elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicdesk.core.anchors import Anchor
from civicdesk.organizations.models import AuditEvent, Organization
from civicdesk.records import signing
from civicdesk.records.models import ArchiveEntry, Chain, Checkpoint


def statement(*, organization_id: int, chain: str, sequence: int, head_hash: str) -> bytes:
    """The bytes a checkpoint's signature covers."""
    body = {
        "organization": organization_id,
        "chain": chain,
        "sequence": sequence,
        "head_hash": head_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_log() -> Path:
    return Path(settings.DATA_DIR) / "records" / "checkpoints.jsonl"


def as_json(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "organization": checkpoint.organization_id,
        "chain": checkpoint.chain,
        "sequence": checkpoint.sequence,
        "head_hash": checkpoint.head_hash,
        "created_at": checkpoint.created_at.isoformat(),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def _head(organization_id: int, chain: str) -> tuple[int, str] | None:
    if chain == Chain.AUDIT:
        rows = AuditEvent.objects.filter(organization_id=organization_id)
        return rows.order_by("-sequence").values_list("sequence", "hash").first()
    entries = ArchiveEntry.objects.filter(organization_id=organization_id)
    return entries.order_by("-sequence").values_list("sequence", "hash").first()


def checkpoint_chain(organization_id: int, chain: str) -> Checkpoint | None:
    """Sign the chain's head if it moved since the last checkpoint."""
    head = _head(organization_id, chain)
    if head is None:
        return None
    sequence, head_hash = head
    with transaction.atomic():
        last = (
            Checkpoint.objects.filter(organization_id=organization_id, chain=chain)
            .order_by("-sequence")
            .first()
        )
        if last is not None and last.sequence >= sequence:
            return None
        checkpoint = Checkpoint.objects.create(
            organization_id=organization_id,
            chain=chain,
            sequence=sequence,
            head_hash=head_hash,
            created_at=timezone.now(),
            key_id=signing.key_id(),
            signature=signing.sign(
                statement(
                    organization_id=organization_id,
                    chain=chain,
                    sequence=sequence,
                    head_hash=head_hash,
                )
            ),
        )
    path = checkpoint_log()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(as_json(checkpoint), sort_keys=True) + "\n")
    return checkpoint


def checkpoint_all() -> int:
    """The periodic job: sign every chain that moved. Returns how many checkpoints it made."""
    made = 0
    for organization_id in Organization.objects.values_list("pk", flat=True):
        for chain in (Chain.AUDIT, Chain.ARCHIVE):
            if checkpoint_chain(organization_id, chain) is not None:
                made += 1
    return made


@dataclass(frozen=True)
class Signed:
    organization_id: int
    chain: str
    sequence: int
    head_hash: str
    signature: str


def _file_checkpoints(path: Path) -> list[Signed]:
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            found.append(
                Signed(
                    int(row["organization"]),
                    str(row["chain"]),
                    int(row["sequence"]),
                    str(row["head_hash"]),
                    str(row["signature"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a damaged line proves nothing either way
    return found


def anchors(
    organization_id: int,
    chain: str,
    *,
    extra: Iterable[Signed] = (),
    key: Any = None,
    resume_at: int | None = None,
) -> list[Anchor]:
    """Every checkpoint known for the chain: the database's, the data folder's copy and
    ``extra`` (an exported file), each with whether its signature holds.

    With ``resume_at`` (a check that starts after that entry), only the checkpoints a
    resumed check compares: those after it and the newest at or before it, so a year of
    hourly checkpoints is not verified again on every page view."""
    checkpoints = Checkpoint.objects.filter(organization_id=organization_id, chain=chain)
    rows = [
        Signed(c.organization_id, c.chain, c.sequence, c.head_hash, c.signature)
        for c in checkpoints
    ]
    rows += _file_checkpoints(checkpoint_log())
    rows += list(extra)
    rows = [r for r in rows if r.organization_id == organization_id and r.chain == chain]
    if resume_at is not None:
        before = max((r.sequence for r in rows if r.sequence <= resume_at), default=0)
        rows = [r for r in rows if r.sequence >= before]
    result: dict[tuple[int, str], Anchor] = {}
    for row in rows:
        ok = signing.signature_ok(
            statement(
                organization_id=row.organization_id,
                chain=row.chain,
                sequence=row.sequence,
                head_hash=row.head_hash,
            ),
            row.signature,
            key,
        )
        current = result.get((row.sequence, row.head_hash))
        if current is None or (ok and not current.signature_ok):
            result[(row.sequence, row.head_hash)] = Anchor(row.sequence, row.head_hash, ok)
    # Two different hashes signed for one entry: keep the validly signed one.
    by_sequence: dict[int, Anchor] = {}
    for anchor in sorted(result.values(), key=lambda a: not a.signature_ok):
        by_sequence.setdefault(anchor.sequence, anchor)
    return sorted(by_sequence.values(), key=lambda a: a.sequence)


def audit_checkpoints(organization_id: int) -> list[Anchor]:
    """The reader ``organizations.audit.verify_chain`` asks (installed at start-up)."""
    return anchors(organization_id, Chain.AUDIT)


def read_exported(path: Path) -> list[Signed]:
    return _file_checkpoints(path)
