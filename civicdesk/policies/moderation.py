"""Moderating the inbox under the policy: hide a message (or show it again) citing the clause
that applies, and ask the platform to do the same where it can.

The decision is recorded and audited in one transaction; the platform is asked afterwards,
outside it (a slow platform must not hold the database), and its answer is recorded on the
action. Where the platform cannot hide comments, the message is hidden in Civic Desk only and
the action says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicdesk.connectors.base import Capability, ConnectorError
from civicdesk.connectors.registry import connector_for, limitation, supports
from civicdesk.core import archive
from civicdesk.inbox.models import InboundMessage, MessageStatus
from civicdesk.organizations.access import Perm, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, Organization
from civicdesk.policies.models import ModerationAction, ModerationKind, PlatformResult
from civicdesk.policies.selectors import policy_in_force
from civicdesk.rules import ModerationClause, Policy

# Only comments and replies sit under our own posts, where a platform lets us hide them.
ON_OUR_POSTS = {"comment", "reply"}


@dataclass(frozen=True)
class ClauseChoice:
    id: str
    title: str


@dataclass
class ModerationState:
    """What the conversation page shows about moderation: latest action per message, choices."""

    clauses: list[ClauseChoice]
    latest: dict[int, ModerationAction] = field(default_factory=dict)
    delete_clauses: list[ClauseChoice] = field(default_factory=list)
    block_clauses: list[ClauseChoice] = field(default_factory=list)
    # The latest delete of each message, and the latest block of each author on the channel.
    deleted: dict[int, ModerationAction] = field(default_factory=dict)
    blocked: dict[int, ModerationAction] = field(default_factory=dict)


def clauses_for(policy: Policy, kind: str, language: str | None) -> list[ClauseChoice]:
    """The policy's clauses that allow the action ``kind``, titled in ``language``."""
    return [
        ClauseChoice(c.id, c.title_in(language)) for c in policy.moderation if kind in c.actions
    ]


def hide_clauses(policy: Policy, language: str | None) -> list[ClauseChoice]:
    """The policy's clauses under which a message may be hidden, titled in ``language``."""
    return clauses_for(policy, ModerationKind.HIDE, language)


def moderation_state(
    *, organization: Organization, conversation_id: int, language: str | None
) -> ModerationState:
    """A few queries for a whole conversation: the policy in force and the moderation actions."""
    policy = policy_in_force(organization).policy
    latest: dict[int, ModerationAction] = {}
    deleted: dict[int, ModerationAction] = {}
    actions = (
        ModerationAction.objects.filter(message__conversation_id=conversation_id)
        .select_related("actor")
        .order_by("message_id", "-created_at", "-pk")
    )
    for action in actions:
        if action.action == ModerationKind.DELETE:
            deleted.setdefault(action.message_id, action)
        elif action.action != ModerationKind.BLOCK:
            latest.setdefault(action.message_id, action)
    # Blocks belong to the author on the channel, whichever message they were made from.
    blocked: dict[int, ModerationAction] = {}
    conversation = InboundMessage.objects.filter(conversation_id=conversation_id)
    blocks = (
        ModerationAction.objects.filter(
            action=ModerationKind.BLOCK,
            message__author_id__in=conversation.values("author_id"),
            message__channel_id__in=conversation.values("channel_id"),
        )
        .exclude(platform_result=PlatformResult.FAILED)
        .select_related("actor", "message")
        .order_by("-created_at", "-pk")
    )
    for action in blocks:
        blocked.setdefault(action.message.author_id, action)
    return ModerationState(
        clauses=hide_clauses(policy, language),
        latest=latest,
        delete_clauses=clauses_for(policy, ModerationKind.DELETE, language),
        block_clauses=clauses_for(policy, ModerationKind.BLOCK, language),
        deleted=deleted,
        blocked=blocked,
    )


def _fresh_message(message: InboundMessage) -> InboundMessage:
    return InboundMessage.objects.select_related("channel__brand__organization").get(pk=message.pk)


@transaction.atomic
def _record_hide(
    *, message: InboundMessage, actor: Person, clause_id: str, language: str | None
) -> ModerationAction:
    message = _fresh_message(message)
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    in_force = policy_in_force(brand.organization)
    clause: ModerationClause | None = in_force.policy.clause(clause_id) if clause_id else None
    if clause is None:
        raise ValidationError(_("Choose the policy clause under which this message is hidden."))
    title = clause.title_in(language)
    if ModerationKind.HIDE not in clause.actions:
        raise ValidationError(
            _("The policy's clause “%(title)s” does not allow hiding a message.") % {"title": title}
        )
    if message.status == MessageStatus.HIDDEN:
        raise ValidationError(_("This message is already hidden."))
    # Conditional: if someone changed the message meanwhile, they win and we say so.
    changed = InboundMessage.objects.filter(pk=message.pk, status=message.status).update(
        status=MessageStatus.HIDDEN
    )
    if changed != 1:
        raise ValidationError(_("The message changed while you were looking; try again."))
    action = ModerationAction.objects.create(
        message=message,
        action=ModerationKind.HIDE,
        clause_id=clause.id,
        clause_title=title,
        policy_version=in_force.number,
        previous_status=message.status,
        actor=actor,
    )
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="message.hide",
        target=message,
        data={
            "clause": clause.id,
            "clause_title": title,
            "policy_version": in_force.number,
            "moderation": action.pk,
        },
    )
    archive.note(
        "moderation",
        message.pk,
        actor=actor,
        why="message.hide",
        detail={"action": "hide", "clause": clause.id, "clause_title": title},
    )
    return action


@transaction.atomic
def _record_unhide(*, message: InboundMessage, actor: Person) -> ModerationAction:
    message = _fresh_message(message)
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    if message.status != MessageStatus.HIDDEN:
        raise ValidationError(_("This message is not hidden."))
    if message.moderation_actions.filter(
        action=ModerationKind.DELETE, platform_result=PlatformResult.DONE
    ).exists():
        raise ValidationError(
            _("This comment was deleted from the platform; it cannot be shown again.")
        )
    hid = message.moderation_actions.filter(action=ModerationKind.HIDE).first()
    restored = hid.previous_status if hid and hid.previous_status else MessageStatus.NEW
    changed = InboundMessage.objects.filter(pk=message.pk, status=MessageStatus.HIDDEN).update(
        status=restored
    )
    if changed != 1:
        raise ValidationError(_("The message changed while you were looking; try again."))
    action = ModerationAction.objects.create(
        message=message,
        action=ModerationKind.UNHIDE,
        actor=actor,
        policy_version=hid.policy_version if hid else 0,
        previous_status=MessageStatus.HIDDEN,
    )
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="message.unhide",
        target=message,
        data={"hidden_under": hid.clause_id if hid else "", "moderation": action.pk},
    )
    archive.note(
        "moderation",
        message.pk,
        actor=actor,
        why="message.unhide",
        detail={"action": "unhide", "clause": hid.clause_id if hid else ""},
    )
    return action


def cannot_hide_reason(channel: Channel, kind: str) -> str | None:
    """Why the platform cannot hide this message, in the users' words; None when it can."""
    platform = channel.get_platform_display()
    if kind not in ON_OUR_POSTS:
        return _(
            "This message is not under one of our posts, so %(platform)s cannot hide it for us."
        ) % {"platform": platform}
    if not supports(channel, Capability.HIDE):
        return limitation(channel, Capability.HIDE) or _(
            "%(platform)s does not let us hide comments"
        ) % {"platform": platform}
    return None


def _ask_platform(action: ModerationAction, message: InboundMessage, *, hidden: bool) -> None:
    channel = message.channel
    reason = cannot_hide_reason(channel, message.kind)
    if reason is not None:
        result, detail = PlatformResult.UNSUPPORTED, reason
    else:
        try:
            with connector_for(channel) as connector:
                connector.hide(message.remote_id, hidden=hidden)
        except ConnectorError as error:
            result, detail = PlatformResult.FAILED, str(error)
        else:
            result, detail = PlatformResult.DONE, ""
    action.platform_result, action.platform_detail = result, detail[:500]
    action.save(update_fields=["platform_result", "platform_detail"])


def message_hide(
    *, message: InboundMessage, actor: Person, clause_id: str, language: str | None = None
) -> ModerationAction:
    """Hide a message under the policy clause ``clause_id``, here and on the platform if it can.

    ``language`` chooses the language of the clause title recorded (the actor's by default).
    """
    action = _record_hide(
        message=message, actor=actor, clause_id=clause_id, language=language or get_language()
    )
    _ask_platform(action, action.message, hidden=True)
    return action


def message_unhide(*, message: InboundMessage, actor: Person) -> ModerationAction:
    """Show a hidden message again, here and on the platform if it can."""
    action = _record_unhide(message=message, actor=actor)
    _ask_platform(action, action.message, hidden=False)
    return action
