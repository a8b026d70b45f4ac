"""The publication state machine: which moves are allowed, and the only code that makes them.

Every write of ``Publication.state`` goes through :func:`move` (one publication) or
:func:`move_many` (a bulk move); ``tests/engine/test_state_writers.py`` fails if anything else
writes it. Both refuse a move the table forbids and stamp ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.CANCELLED, S.MISSED}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.APPROVED, S.SCHEDULED, S.CANCELLED, S.MISSED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.DRAFT, S.CANCELLED, S.IN_REVIEW, S.WITHHELD}),
    # A publication that lost its claim's answer may be live: a check must decide (UNCONFIRMED).
    S.SCHEDULED: frozenset(
        {
            S.PUBLISHING,
            S.DRAFT,
            S.CANCELLED,
            S.MISSED,
            S.APPROVED,
            S.IN_REVIEW,
            S.UNCONFIRMED,
            S.WITHHELD,
        }
    ),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.SCHEDULED, S.FAILED, S.UNCONFIRMED, S.MISSED}),
    S.UNCONFIRMED: frozenset({S.PUBLISHED, S.SCHEDULED, S.FAILED, S.MISSED}),
    # Editing a failed or missed post starts a new round of approval, or (same content, new
    # time) puts it back where the post stands.
    S.FAILED: frozenset(
        {S.SCHEDULED, S.CANCELLED, S.DRAFT, S.IN_REVIEW, S.APPROVED, S.UNCONFIRMED}
    ),
    S.MISSED: frozenset(
        {S.SCHEDULED, S.CANCELLED, S.DRAFT, S.IN_REVIEW, S.APPROVED, S.UNCONFIRMED}
    ),
    # Another language of its set failed for good: not sent. Sending it again, or editing the
    # post, puts it back like a failed one.
    S.WITHHELD: frozenset({S.SCHEDULED, S.CANCELLED, S.DRAFT, S.IN_REVIEW, S.APPROVED}),
    S.PUBLISHED: frozenset({S.DELETING}),
    S.DELETING: frozenset({S.DELETED, S.PUBLISHED}),
    S.DELETED: frozenset(),
    S.CANCELLED: frozenset({S.DRAFT}),
}

# States in which the post may still change without touching a platform.
PENDING = frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.MISSED, S.FAILED, S.WITHHELD})
# States that mean "the platform may have it".
LIVE_OR_UNKNOWN = frozenset({S.PUBLISHING, S.PUBLISHED, S.UNCONFIRMED, S.DELETING, S.DELETED})


class InvalidTransition(ValueError):
    pass


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())


def move(publication: Publication, target: str, *, token: str | None = None, **fields: Any) -> bool:
    """Move from the state the object holds to ``target`` if nobody moved it meanwhile.

    A conditional UPDATE: True means this caller made the move; False means the row was
    no longer in the expected state (another worker or person got there first). With
    ``token``, the move also requires that the claim is still that token: a worker whose
    lease passed to another must not settle.
    """
    source = publication.state
    if not can_move(source, target):
        raise InvalidTransition(f"a publication cannot go from {source} to {target}")
    fields.setdefault("updated_at", timezone.now())
    rows = Publication.objects.filter(pk=publication.pk, state=source)
    if token is not None:
        rows = rows.filter(claim_token=token)
    if rows.update(state=target, **fields) == 1:
        publication.state = target
        for name, value in fields.items():
            setattr(publication, name, value)
        return True
    return False


def move_many(
    publications: QuerySet[Publication], target: str, *, sources: Iterable[str], **fields: Any
) -> int:
    """Move every publication of ``publications`` that is in one of ``sources`` to ``target``.

    Staying in the same state (only other fields change) is allowed; any other source must be
    allowed by the table, or nothing is written. Returns how many rows moved.
    """
    sources = frozenset(sources)
    forbidden = sorted(s for s in sources if s != target and not can_move(s, target))
    if forbidden:
        raise InvalidTransition(f"a publication cannot go from {', '.join(forbidden)} to {target}")
    fields.setdefault("updated_at", timezone.now())
    return publications.filter(state__in=sources).update(state=target, **fields)
