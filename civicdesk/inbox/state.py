"""The inbox's state machines: replies and conversations. Which moves are allowed, and
making one atomically (a conditional UPDATE, bulk moves included).

A failed reply never goes back to the queue: editing and sending it again makes a new reply
(``Reply.retry_of``), so the record keeps every attempt with the platform's reason.
An unconfirmed reply is not resent either: the platform may have it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from civicdesk.inbox.models import Conversation, Reply, SavedReplyVersion
from civicdesk.inbox.models import ConversationStatus as C
from civicdesk.inbox.models import ReplyState as S
from civicdesk.inbox.models import SavedReplyState as V
from civicdesk.inbox.sla import record_times

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


# A conversation: new until someone acts on it; waiting on the public after our answer or
# on an expert while one is asked; a new message from the public reopens a closed or
# waiting one (``REOPENED_BY_MESSAGE``); a person may close from anywhere and reopen.
CONVERSATION_TRANSITIONS: dict[str, frozenset[str]] = {
    C.NEW: frozenset({C.OPEN, C.WAITING, C.EXPERT, C.CLOSED}),
    C.OPEN: frozenset({C.WAITING, C.EXPERT, C.CLOSED}),
    C.WAITING: frozenset({C.OPEN, C.EXPERT, C.CLOSED}),
    C.EXPERT: frozenset({C.OPEN, C.WAITING, C.CLOSED}),
    C.CLOSED: frozenset({C.OPEN}),
}

# What a new message from the public does: it wants an answer again. A conversation new,
# open or with an expert already does.
REOPENED_BY_MESSAGE = frozenset({C.WAITING, C.CLOSED})


def can_move_conversation(source: str, target: str) -> bool:
    return target in CONVERSATION_TRANSITIONS.get(source, frozenset())


def conversation_sources(target: str) -> frozenset[str]:
    """The statuses from which a conversation may move to ``target``."""
    return frozenset(s for s, targets in CONVERSATION_TRANSITIONS.items() if target in targets)


def conversation_move(
    conversations: QuerySet[Conversation] | Iterable[int],
    target: str,
    *,
    sources: Iterable[str] | None = None,
    **fields: Any,
) -> int:
    """Move the conversations that may go to ``target`` (from ``sources``, else from any
    status the table allows), in one conditional UPDATE. Returns how many moved; those
    already elsewhere are left as they are."""
    allowed = conversation_sources(target)
    if sources is not None:
        wanted = frozenset(sources)
        if not wanted <= allowed:
            raise InvalidTransition(
                f"a conversation cannot go from {sorted(wanted - allowed)} to {target}"
            )
        allowed = wanted
    rows = (
        conversations
        if isinstance(conversations, QuerySet)
        else Conversation.objects.filter(pk__in=list(conversations))
    ).filter(status__in=allowed)
    if "closed_at" not in fields:
        return rows.update(status=target, **fields)
    # A close or a reopen: the resolution time the reports read is written (or cleared) too.
    moving = list(rows.values_list("pk", "closed_at"))
    if not moving:
        return 0
    moved = Conversation.objects.filter(
        pk__in=[pk for pk, _closed in moving], status__in=allowed
    ).update(status=target, **fields)
    changed = [pk for pk, closed in moving if closed != fields["closed_at"]]
    if changed:
        record_times(changed)
    return moved


# A saved reply's version: written as a draft, approved by an approver, retired when a newer
# version is approved (or a newer draft replaces an unapproved one).
SAVED_REPLY_TRANSITIONS: dict[str, frozenset[str]] = {
    V.DRAFT: frozenset({V.APPROVED, V.RETIRED}),
    V.APPROVED: frozenset({V.RETIRED}),
    V.RETIRED: frozenset(),
}


def saved_reply_move(
    versions: QuerySet[SavedReplyVersion], source: str, target: str, **fields: Any
) -> int:
    """Move the versions still in ``source`` to ``target``, in one conditional UPDATE."""
    if target not in SAVED_REPLY_TRANSITIONS.get(source, frozenset()):
        raise InvalidTransition(f"a saved reply cannot go from {source} to {target}")
    return versions.filter(state=source).update(state=target, **fields)
