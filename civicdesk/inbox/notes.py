"""The team's side of a conversation: internal notes (never sent to the public) with
@mentions that notify colleagues in the app, asking a business area's experts, and the
experts handing the conversation back."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.experts import is_expert_on, may_note
from civicdesk.inbox.models import Conversation, ConversationStatus, Note, Notification
from civicdesk.inbox.state import can_move_conversation, conversation_move
from civicdesk.organizations.access import Perm, has_perm, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import BusinessArea, Membership

MAX_NOTE = 5_000
MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


def _conversation(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_related("channel__brand").get(pk=conversation.pk)


def _require_note(actor: Person, conversation: Conversation) -> None:
    if may_note(actor, conversation):
        return
    if has_perm(actor, conversation.channel.brand, Perm.VIEW):
        raise PermissionDenied(_("Only those who answer, or the area's experts, write notes."))
    raise Http404(_("No such conversation"))


def mentioned(text: str, organization_id: int) -> list[Person]:
    """The organization's members named ``@username`` in ``text``."""
    names = {m.rstrip(".") for m in MENTION.findall(text)}
    if not names:
        return []
    model = get_user_model()
    members = Membership.objects.filter(organization_id=organization_id).values("user_id")
    return list(model.objects.filter(pk__in=members, **{f"{model.USERNAME_FIELD}__in": names}))


@transaction.atomic
def note_create(*, conversation: Conversation, actor: Person, text: str) -> Note:
    """Write an internal note; each colleague it mentions is notified in the app."""
    conversation = _conversation(conversation)
    _require_note(actor, conversation)
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note first."), code="empty")
    if len(text) > MAX_NOTE:
        raise ValidationError(_("The note is too long."), code="too_long")
    organization_id = conversation.channel.brand.organization_id
    note = Note.objects.create(conversation=conversation, author=actor, text=text)
    people = [p for p in mentioned(text, organization_id) if p.pk != actor.pk]
    note.mentions.set(people)
    Notification.objects.bulk_create(
        Notification(
            user=person,
            conversation=conversation,
            kind="mention",
            text=_("%(name)s mentioned you in a note") % {"name": actor.get_username()},
        )
        for person in people
    )
    audit(
        organization=organization_id,
        actor=actor,
        action="note.create",
        target=note,
        data={"conversation": conversation.pk, "mentions": [p.pk for p in people]},
    )
    return note


@transaction.atomic
def conversation_ask_expert(
    *, conversation: Conversation, actor: Person, area: BusinessArea
) -> None:
    """Route the conversation to ``area`` and wait on its experts."""
    conversation = _conversation(conversation)
    require(actor, conversation.channel.brand, Perm.REPLY)
    if area.organization_id != conversation.channel.brand.organization_id:
        raise ValidationError(_("That business area belongs to another organization."))
    if not can_move_conversation(conversation.status, ConversationStatus.EXPERT):
        raise ValidationError(_("Reopen the conversation first."), code="transition")
    Conversation.objects.filter(pk=conversation.pk).update(business_area=area.name)
    conversation_move([conversation.pk], ConversationStatus.EXPERT)
    audit(
        organization=area.organization_id,
        actor=actor,
        action="conversation.ask_expert",
        target=conversation,
        data={"area": area.name},
    )


@transaction.atomic
def conversation_hand_back(*, conversation: Conversation, actor: Person) -> None:
    """The expert has answered the team: the conversation goes back to the responders."""
    conversation = _conversation(conversation)
    if not (is_expert_on(actor, conversation) or may_note(actor, conversation)):
        raise Http404(_("No such conversation"))
    moved = conversation_move(
        [conversation.pk], ConversationStatus.OPEN, sources={ConversationStatus.EXPERT}
    )
    if not moved:
        raise ValidationError(_("The conversation is not waiting on an expert."), code="state")
    audit(
        organization=conversation.channel.brand.organization_id,
        actor=actor,
        action="conversation.hand_back",
        target=conversation,
        data={"area": conversation.business_area},
    )


def notifications_read(*, user: Person, conversation: Conversation) -> int:
    """The person opened the conversation: what told them about it is read."""
    return Notification.objects.filter(
        user_id=user.pk, conversation=conversation, read_at__isnull=True
    ).update(read_at=timezone.now())
