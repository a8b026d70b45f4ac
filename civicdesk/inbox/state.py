"""The reply state machine: which moves are allowed, and making one atomically.

A failed reply never goes back to the queue: editing and sending it again makes a new reply
(``Reply.retry_of``), so the record keeps every attempt with the platform's reason.
An unconfirmed reply is not resent either: the platform may have it.
"""

from __future__ import annotations

from typing import Any

from civicdesk.inbox.models import Reply
from civicdesk.inbox.models import ReplyState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.SENDING}),
    # Back to the queue only for a temporary failure, with the same idempotency key.
    S.SENDING: frozenset({S.SENT, S.QUEUED, S.FAILED, S.UNCONFIRMED}),
    S.UNCONFIRMED: frozenset({S.SENT, S.FAILED}),
    S.SENT: frozenset(),
    S.FAILED: frozenset(),
}

# The states in which a reply may still reach the platform without anyone's action.
PENDING = frozenset({S.QUEUED, S.SENDING})


class InvalidTransition(ValueError):
    pass


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())


def move(reply_id: int, source: str, target: str, **fields: Any) -> bool:
    """Move the reply from ``source`` to ``target`` if it is still in ``source``.

    A conditional UPDATE: True means this caller made the move; False means another worker
    or person moved it first.
    """
    if not can_move(source, target):
        raise InvalidTransition(f"a reply cannot go from {source} to {target}")
    return Reply.objects.filter(pk=reply_id, state=source).update(state=target, **fields) == 1
