"""The conversation page's moderation control: the policy's clauses and each message's latest
moderation, read once per conversation however many messages it shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from civicdesk.inbox.models import InboundMessage
from civicdesk.policies.models import ModerationAction
from civicdesk.policies.moderation import (
    ON_OUR_POSTS,
    ModerationState,
    cannot_hide_reason,
    moderation_state,
)
from civicdesk.policies.removal import cannot_block_reason, cannot_delete_reason

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_for(context: template.Context, message: InboundMessage) -> dict[str, Any]:
    """``{% moderation_for m as mod %}``: clauses to choose from, the message's latest action."""
    request = context.get("request")
    memo: dict[int, ModerationState] = getattr(request, "_policies_moderation", None) or {}
    state = memo.get(message.conversation_id)
    if state is None:
        organization = context.get("org") or message.channel.brand.organization
        state = moderation_state(
            organization=organization,
            conversation_id=message.conversation_id,
            language=get_language(),
        )
        memo[message.conversation_id] = state
        if request is not None:
            request._policies_moderation = memo
    latest: ModerationAction | None = state.latest.get(message.pk)
    return {
        "clauses": state.clauses,
        "latest": latest,
        "delete_clauses": state.delete_clauses,
        "block_clauses": state.block_clauses,
        "deleted": state.deleted.get(message.pk),
        # Only comments and replies under our own posts can be removed by us.
        "deletable": message.kind in ON_OUR_POSTS,
        "blocked": state.blocked.get(message.author_id),
    }


@register.simple_tag(takes_context=True)
def platform_cannot_hide(context: template.Context, message: InboundMessage) -> str:
    """Why the platform cannot hide this message (empty when it can)."""
    conversation = context.get("conversation")
    channel = conversation.channel if conversation else None
    return cannot_hide_reason(channel or message.channel, message.kind) or ""


@register.simple_tag(takes_context=True)
def platform_cannot_delete(context: template.Context, message: InboundMessage) -> str:
    """Why the platform cannot delete this message (empty when it can)."""
    conversation = context.get("conversation")
    channel = conversation.channel if conversation else None
    return cannot_delete_reason(channel or message.channel, message.kind) or ""


@register.simple_tag(takes_context=True)
def platform_cannot_block(context: template.Context, message: InboundMessage) -> str:
    """Why the channel's account cannot block this message's author (empty when it can)."""
    conversation = context.get("conversation")
    channel = conversation.channel if conversation else None
    return cannot_block_reason(channel or message.channel) or ""
