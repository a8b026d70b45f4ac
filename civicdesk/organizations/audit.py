"""The hash-chained audit log: append an event, verify a chain.

Each event's hash covers its own fields and the hash of the event before it, per
organization. Changing, removing or reordering any stored event breaks every hash after
it, and ``verify_chain`` names the first broken link. Cutting the end off, or rewriting the
whole chain with fresh hashes, is caught against signed checkpoints of the chain's head: the
records app keeps them and installs their reader when Django starts (``use_checkpoints``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from civicdesk.core.anchors import Anchor, AnchorWatch, Head
from civicdesk.organizations.models import AuditEvent, Organization

GENESIS = "0" * 64

CheckpointSource = Callable[[int], list[Anchor]]


def _no_checkpoints(organization_id: int) -> list[Anchor]:
    return []


_checkpoints: CheckpointSource = _no_checkpoints


def use_checkpoints(source: CheckpointSource) -> None:
    """Install the reader of the audit chain's signed checkpoints (organization id → anchors)."""
    global _checkpoints
    _checkpoints = source


def _digest(event: AuditEvent) -> str:
    body = {
        "organization": event.organization_id,
        "sequence": event.sequence,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit(
    *,
    organization: Organization | int,
    actor: Person | AnonymousUser | None,
    action: str,
    target: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the organization's chain. Call inside the action's transaction."""
    org_id = organization if isinstance(organization, int) else organization.pk
    with transaction.atomic():
        # Serialize appends per organization: lock its row (PostgreSQL); SQLite's
        # IMMEDIATE transactions already serialize writers.
        Organization.objects.select_for_update().filter(pk=org_id).values_list("pk").first()
        last = (
            AuditEvent.objects.filter(organization_id=org_id)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        real_actor = actor if isinstance(actor, Person) else None
        label = real_actor.get_username() if real_actor is not None else "system"
        event = AuditEvent(
            organization_id=org_id,
            sequence=sequence,
            created_at=timezone.now(),
            actor=real_actor,
            actor_label=label,
            action=action,
            object_type=type(target).__name__ if target is not None else "",
            object_id=str(getattr(target, "pk", "") or "") if target is not None else "",
            data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
            prev_hash=prev_hash,
        )
        event.hash = _digest(event)
        event.save()
    return event


@dataclass(frozen=True)
class ChainReport:
    organization_id: int
    events: int
    first_broken: int | None  # the sequence number of the first event that does not verify
    reason: str = ""
    # The last event found good: where a later check may resume (``verify_chain(after=)``).
    head: Head = Head(0, GENESIS)

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_chain(
    organization: Organization | int,
    anchors: list[Anchor] | None = None,
    *,
    after: Head | None = None,
) -> ChainReport:
    """Check every link, and the chain against ``anchors`` (by default, every checkpoint the
    installed reader knows).

    With ``after`` (the head an earlier full check reached), check only the events after it,
    once the chain is seen to still hold that head and its newest checkpoint before it:
    ``events`` then counts the events checked now."""
    org_id = organization if isinstance(organization, int) else organization.pk
    watch = AnchorWatch(_checkpoints(org_id) if anchors is None else anchors)
    bad_signature = watch.first_bad_signature()
    events = AuditEvent.objects.filter(organization_id=org_id)
    head = after or Head(0, GENESIS)
    if after is not None:
        broken = watch.resume_chain(after, events)
        if broken is not None:
            return ChainReport(org_id, 0, broken.sequence, broken.reason, head)
    count = 0
    for event in events.filter(sequence__gt=head.sequence).order_by("sequence").iterator():
        count += 1
        if event.sequence != head.sequence + 1:
            return ChainReport(org_id, count, head.sequence + 1, "an event is missing", head)
        if event.prev_hash != head.hash:
            return ChainReport(
                org_id, count, event.sequence, "it does not follow the one before", head
            )
        if _digest(event) != event.hash:
            return ChainReport(org_id, count, event.sequence, "its content was changed", head)
        broken = watch.see(event.sequence, event.hash)
        if broken is not None:
            return ChainReport(org_id, count, broken.sequence, broken.reason, head)
        head = Head(event.sequence, event.hash)
    broken = watch.finish(head.sequence) or bad_signature
    if broken is not None:
        return ChainReport(org_id, count, broken.sequence, broken.reason, head)
    return ChainReport(org_id, count, None, "", head)
