"""Bulk actions from the inbox list: assign, close, mark as spam, on many conversations at once.

Invariants:
- Each conversation is checked on its own: the person must be allowed to answer on its brand
  (and an assignee must be too); the ones refused are named back, the others acted on.
- Statuses move only through the transition table (``state.conversation_move``), in one
  conditional UPDATE; a conversation already closed stays as it is.
- Messages are updated before their conversations, the lock order of the inbox counters.
- One audit event per organization touched, naming every conversation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.models import Conversation, ConversationStatus, InboundMessage, MessageStatus
from civicdesk.inbox.state import conversation_move
from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.organizations.audit import audit

# A page of the inbox holds fifty; a hand-made request may not ask for thousands.
MAX_BULK = 200


class BulkAction(StrEnum):
    ASSIGN_ME = "assign_me"
    ASSIGN = "assign"
    CLOSE = "close"
    SPAM = "spam"


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)


@transaction.atomic
def conversations_bulk(
    *,
    conversation_ids: Iterable[int],
    actor: User,
    action: str,
    assignee: User | None = None,
) -> BulkResult:
    """Apply ``action`` to the conversations the actor may answer; returns which were done
    and which refused."""
    if action not in BulkAction.__members__.values():
        raise ValidationError(_("Unknown action."))
    ids = list(dict.fromkeys(int(i) for i in conversation_ids))[:MAX_BULK]
    if not ids:
        raise ValidationError(_("Choose at least one conversation."))
    if action == BulkAction.ASSIGN_ME:
        action, assignee = BulkAction.ASSIGN, actor
    if action == BulkAction.ASSIGN and assignee is None:
        raise ValidationError(_("Choose whom to assign them to."))
    allowed = set(brands_for(actor, Perm.REPLY).values_list("pk", flat=True))
    if assignee is not None:
        allowed &= set(brands_for(assignee, Perm.REPLY).values_list("pk", flat=True))
    rows = list(
        Conversation.objects.filter(pk__in=ids).values_list(
            "pk", "channel__brand_id", "channel__brand__organization_id"
        )
    )
    result = BulkResult()
    organizations: dict[int, list[int]] = {}
    for pk, brand_id, organization_id in rows:
        if brand_id in allowed:
            result.done.append(pk)
            organizations.setdefault(organization_id, []).append(pk)
    result.refused = [pk for pk in ids if pk not in set(result.done)]
    if not result.done:
        return result
    now = timezone.now()
    if action in (BulkAction.CLOSE, BulkAction.SPAM):
        InboundMessage.objects.filter(
            conversation_id__in=result.done, status=MessageStatus.NEW
        ).update(status=MessageStatus.DONE)
        if action == BulkAction.SPAM:
            Conversation.objects.filter(pk__in=result.done).update(is_spam=True)
        conversation_move(result.done, ConversationStatus.CLOSED, closed_at=now)
    else:
        assert assignee is not None
        Conversation.objects.filter(pk__in=result.done).update(
            assigned_to_id=assignee.pk, assigned_at=now
        )
        conversation_move(result.done, ConversationStatus.OPEN, sources={ConversationStatus.NEW})
    for organization_id, pks in organizations.items():
        audit(
            organization=organization_id,
            actor=actor,
            action=f"conversation.bulk_{action}",
            data={
                "conversations": sorted(pks),
                **({"to": assignee.get_username()} if assignee is not None else {}),
            },
        )
    return result
