"""The firmer moderation actions: delete a public comment under one of our posts, and block
its author from the channel's account, each under a clause of the policy.

Unlike hiding, neither can be done in Civic Desk alone: where the platform cannot do it, the
action is refused before anything is recorded, with the platform's reason. Otherwise the
decision is recorded and audited in one transaction, and the platform is asked afterwards,
outside it (a slow platform must not hold the database); its answer is recorded on the action.
A deleted comment is hidden in the inbox once the platform confirms it is gone.
"""

from __future__ import annotations

from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicdesk.connectors.base import Capability, ConnectorError, RemoteAuthor
from civicdesk.connectors.registry import connector_for, limitation, supports
from civicdesk.core import archive
from civicdesk.inbox.models import InboundMessage, MessageStatus
from civicdesk.organizations.access import Perm, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel
from civicdesk.policies.models import ModerationAction, ModerationKind, PlatformResult
from civicdesk.policies.moderation import ON_OUR_POSTS
from civicdesk.policies.selectors import policy_in_force
from civicdesk.rules import ModerationClause


def cannot_delete_reason(channel: Channel, kind: str) -> str | None:
    """Why this message cannot be deleted from the platform, in the users' words; None when
    it can."""
    platform = channel.get_platform_display()
    if kind not in ON_OUR_POSTS:
        return _(
            "only comments and replies under our own posts can be deleted, and %(platform)s "
            "does not let us delete anyone's own posts or messages"
        ) % {"platform": platform}
    if not supports(channel, Capability.DELETE_COMMENT):
        return limitation(channel, Capability.DELETE_COMMENT) or _(
            "%(platform)s does not let an account delete other people's comments"
        ) % {"platform": platform}
    return None


def cannot_block_reason(channel: Channel) -> str | None:
    """Why this channel's account cannot block an author; None when it can."""
    if not supports(channel, Capability.BLOCK):
        return limitation(channel, Capability.BLOCK) or _(
            "%(platform)s does not let an account block people through its API"
        ) % {"platform": channel.get_platform_display()}
    return None


def latest_block(message: InboundMessage) -> ModerationAction | None:
    """The latest block of this message's author on this message's channel, if any."""
    return (
        ModerationAction.objects.filter(
            action=ModerationKind.BLOCK,
            message__author_id=message.author_id,
            message__channel_id=message.channel_id,
        )
        .exclude(platform_result=PlatformResult.FAILED)
        .order_by("-created_at", "-pk")
        .first()
    )


def _clause_for(
    message: InboundMessage, clause_id: str, kind: ModerationKind, language: str | None
) -> tuple[ModerationClause, int]:
    in_force = policy_in_force(message.channel.brand.organization)
    clause = in_force.policy.clause(clause_id) if clause_id else None
    if clause is None:
        raise ValidationError(_("Choose the policy clause under which you act."))
    if kind not in clause.actions:
        title = clause.title_in(language)
        if kind == ModerationKind.DELETE:
            raise ValidationError(
                _("The policy's clause “%(title)s” does not allow deleting a message.")
                % {"title": title}
            )
        raise ValidationError(
            _("The policy's clause “%(title)s” does not allow blocking an author.")
            % {"title": title}
        )
    return clause, in_force.number


@transaction.atomic
def _record(
    *,
    message: InboundMessage,
    actor: Person,
    clause_id: str,
    kind: ModerationKind,
    language: str | None,
) -> ModerationAction:
    message = InboundMessage.objects.select_related("channel__brand__organization", "author").get(
        pk=message.pk
    )
    brand = message.channel.brand
    require(actor, brand, Perm.REPLY)
    clause, version = _clause_for(message, clause_id, kind, language)
    if kind == ModerationKind.DELETE:
        reason = cannot_delete_reason(message.channel, message.kind)
        done_before = message.moderation_actions.filter(
            action=ModerationKind.DELETE, platform_result=PlatformResult.DONE
        ).exists()
        if done_before:
            raise ValidationError(_("This comment has already been deleted from the platform."))
    else:
        reason = cannot_block_reason(message.channel)
        before = latest_block(message)
        if before is not None and before.platform_result == PlatformResult.DONE:
            raise ValidationError(_("This author is already blocked on this channel."))
    if reason is not None:
        raise ValidationError(reason)
    title = clause.title_in(language)
    action = ModerationAction.objects.create(
        message=message,
        action=kind,
        clause_id=clause.id,
        clause_title=title,
        policy_version=version,
        previous_status=message.status,
        actor=actor,
    )
    data = {
        "clause": clause.id,
        "clause_title": title,
        "policy_version": version,
        "moderation": action.pk,
    }
    if kind == ModerationKind.DELETE:
        audit(
            organization=brand.organization_id,
            actor=actor,
            action="message.delete",
            target=message,
            data=data,
        )
    else:
        audit(
            organization=brand.organization_id,
            actor=actor,
            action="author.block",
            target=message.author,
            data=data
            | {
                "channel": message.channel_id,
                "handle": message.author.handle,
                "message": message.pk,
            },
        )
    archive.note(
        "moderation",
        message.pk,
        actor=actor,
        why=f"message.{kind}",
        detail={"action": str(kind), "clause": clause.id, "clause_title": title},
    )
    return action


def _ask_platform(action: ModerationAction) -> None:
    message = action.message
    try:
        with connector_for(message.channel) as connector:
            if action.action == ModerationKind.DELETE:
                connector.delete_comment(message.remote_id)
            else:
                author = message.author
                connector.block(
                    RemoteAuthor(
                        remote_id=author.remote_id,
                        handle=author.handle,
                        display_name=author.display_name,
                    ),
                    message_remote_id=message.remote_id,
                )
    except ConnectorError as error:
        result, detail = PlatformResult.FAILED, str(error)
    else:
        result, detail = PlatformResult.DONE, ""
    with transaction.atomic():
        action.platform_result, action.platform_detail = result, detail[:500]
        action.save(update_fields=["platform_result", "platform_detail"])
        if action.action == ModerationKind.DELETE and result == PlatformResult.DONE:
            # Gone from the platform: nothing is left to answer, so it leaves the queue.
            InboundMessage.objects.filter(pk=message.pk).exclude(
                status=MessageStatus.HIDDEN
            ).update(status=MessageStatus.HIDDEN)


def message_delete(
    *, message: InboundMessage, actor: Person, clause_id: str, language: str | None = None
) -> ModerationAction:
    """Delete a public comment under one of our posts from the platform, under the policy
    clause ``clause_id``. Refused (ValidationError) where the platform cannot do it."""
    action = _record(
        message=message,
        actor=actor,
        clause_id=clause_id,
        kind=ModerationKind.DELETE,
        language=language or get_language(),
    )
    _ask_platform(action)
    return action


def author_block(
    *, message: InboundMessage, actor: Person, clause_id: str, language: str | None = None
) -> ModerationAction:
    """Block the author of ``message`` from the channel's account, under the policy clause
    ``clause_id``. Refused (ValidationError) where the platform cannot do it."""
    action = _record(
        message=message,
        actor=actor,
        clause_id=clause_id,
        kind=ModerationKind.BLOCK,
        language=language or get_language(),
    )
    _ask_platform(action)
    return action
