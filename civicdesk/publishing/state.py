"""The publication state machine: which moves are allowed, and making one atomically."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.CANCELLED, S.MISSED}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.APPROVED, S.SCHEDULED, S.CANCELLED, S.MISSED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.DRAFT, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.PUBLISHING, S.DRAFT, S.CANCELLED, S.MISSED, S.APPROVED}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.SCHEDULED, S.FAILED, S.UNCONFIRMED, S.MISSED}),
    S.UNCONFIRMED: frozenset({S.PUBLISHED, S.SCHEDULED, S.FAILED, S.MISSED}),
    S.FAILED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.MISSED: frozenset({S.SCHEDULED, S.CANCELLED, S.DRAFT}),
    S.PUBLISHED: frozenset({S.DELETING}),
    S.DELETING: frozenset({S.DELETED, S.PUBLISHED}),
    S.DELETED: frozenset(),
    S.CANCELLED: frozenset({S.DRAFT}),
}

# States in which the post may still change without touching a platform.
PENDING = frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.MISSED, S.FAILED})
# States that mean "the platform may have it".
LIVE_OR_UNKNOWN = frozenset({S.PUBLISHING, S.PUBLISHED, S.UNCONFIRMED, S.DELETING,
                             S.DELETED})


class InvalidTransition(ValueError):
    pass


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())


def move(publication: Publication, target: str, **fields: Any) -> bool:
    """Move from the state the object holds to ``target`` if nobody moved it meanwhile.

    A conditional UPDATE: True means this caller made the move; False means the row was
    no longer in the expected state (another worker or person got there first).
    """
    source = publication.state
    if not can_move(source, target):
        raise InvalidTransition(f"a publication cannot go from {source} to {target}")
    fields.setdefault("updated_at", timezone.now())
    updated = Publication.objects.filter(pk=publication.pk, state=source).update(
        state=target, **fields
    )
    if updated == 1:
        publication.state = target
        for name, value in fields.items():
            setattr(publication, name, value)
        return True
    return False
