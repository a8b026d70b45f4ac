"""Business areas and their experts: an expert sees only what is routed to their area,
answers the team in an internal note (never sent), and hands the conversation back;
@mentions notify colleagues in the app; responders see the notes beside the reply box."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from civicdesk.inbox import notes
from civicdesk.inbox.models import Conversation, ConversationStatus, Notification, Reply
from civicdesk.organizations.models import AuditEvent, BusinessArea, Role
from civicdesk.pages.inbox_selectors import InboxFilters, conversations_for, visible_conversation
from tests.factories import World, make_member, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def roads(world: World) -> BusinessArea:
    return BusinessArea.objects.create(organization=world.org, name="Roads")


@pytest.fixture
def expert(world: World, roads: BusinessArea) -> object:
    """An engineer of the roads department: a viewer of the other brand, nothing more."""
    person = make_member(
        organization=world.org, role=Role.VIEWER, brand=world.other_brand, username="engineer"
    )
    roads.members.add(person)
    return person


def _routed(world: World, roads: BusinessArea, text: str, *, channel: object = None) -> object:
    message = make_message(channel=channel or world.channel, text=text)
    notes.conversation_ask_expert(
        conversation=message.conversation, actor=world.manager, area=roads
    )
    return message


def test_an_expert_sees_only_what_is_routed_to_their_area(
    world: World, roads: BusinessArea, expert: object
) -> None:
    routed = _routed(world, roads, "Pothole on Rue Neuve")
    other = make_message(channel=world.channel, text="When is the pool open?")
    water = BusinessArea.objects.create(organization=world.org, name="Water")
    elsewhere = make_message(channel=world.channel, text="Leak")
    notes.conversation_ask_expert(
        conversation=elsewhere.conversation, actor=world.manager, area=water
    )
    seen = set(conversations_for(user=expert, filters=InboxFilters()).values_list("pk", flat=True))
    own_brand = set(
        Conversation.objects.filter(channel__brand=world.other_brand).values_list("pk", flat=True)
    )
    assert seen - own_brand == {routed.conversation_id}
    assert visible_conversation(user=expert, pk=routed.conversation_id) is not None
    assert visible_conversation(user=expert, pk=other.conversation_id) is None
    assert visible_conversation(user=expert, pk=elsewhere.conversation_id) is None
    assert Conversation.objects.get(pk=routed.conversation_id).status == ConversationStatus.EXPERT


def test_an_expert_answers_the_team_and_hands_back_but_never_the_public(
    client: Client, world: World, roads: BusinessArea, expert: object
) -> None:
    routed = _routed(world, roads, "Pothole on Rue Neuve")
    pk = routed.conversation_id
    client.force_login(expert)
    page = client.get(f"/inbox/c/{pk}/").content.decode()
    assert "Notes for the team" in page and "Pothole on Rue Neuve" in page
    assert 'name="seen"' not in page  # no reply box for the public
    client.post(f"/inbox/c/{pk}/note/", {"text": "Filled by Friday. @nobody"})
    client.post(f"/inbox/c/{pk}/hand-back/")
    conversation = Conversation.objects.get(pk=pk)
    assert conversation.status == ConversationStatus.OPEN
    # Not a word reached the public: without a role on the brand, the reply action does
    # not know the expert.
    response = client.post(
        f"/inbox/c/{pk}/reply/", {"message": routed.pk, "text": "Friday", "seen": "0"}
    )
    assert response.status_code == 404
    assert not Reply.objects.exists()
    # The responder sees the note beside the reply box.
    client.force_login(world.responder)
    page = client.get(f"/inbox/c/{pk}/").content.decode()
    assert "Filled by Friday." in page and 'name="seen"' in page
    assert page.index("Filled by Friday.") < page.index('id="reply-box"')
    assert list(
        AuditEvent.objects.filter(
            action__in=["note.create", "conversation.hand_back", "conversation.ask_expert"]
        )
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == ["conversation.ask_expert", "note.create", "conversation.hand_back"]


def test_mentions_notify_colleagues_in_the_app_until_they_open_it(
    client: Client, world: World, roads: BusinessArea, expert: object
) -> None:
    routed = _routed(world, roads, "Pothole on Rue Neuve")
    note = notes.note_create(
        conversation=routed.conversation,
        actor=world.responder,
        text=f"@{expert.get_username()} can you confirm? cc @{world.manager.get_username()}, "
        f"@{world.outsider.get_username()} @{world.responder.get_username()}",
    )
    # Members only, never the writer.
    assert set(note.mentions.all()) == {expert, world.manager}
    client.force_login(expert)
    page = client.get("/inbox/").content.decode()
    assert f"{world.responder.get_username()} mentioned you in a note" in page
    client.get(f"/inbox/c/{routed.conversation_id}/")
    assert not Notification.objects.filter(user=expert, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.manager, read_at__isnull=True).count() == 1


def test_who_may_write_notes_ask_and_hand_back(
    world: World, roads: BusinessArea, expert: object
) -> None:
    message = make_message(channel=world.channel, text="Hello")
    conversation = message.conversation
    with pytest.raises(Http404):  # not routed to their area yet
        notes.note_create(conversation=conversation, actor=expert, text="x")
    with pytest.raises(PermissionDenied):
        notes.note_create(conversation=conversation, actor=world.viewer, text="x")
    with pytest.raises(Http404):
        notes.note_create(conversation=conversation, actor=world.outsider, text="x")
    with pytest.raises(ValidationError):
        notes.note_create(conversation=conversation, actor=world.responder, text="   ")
    with pytest.raises(ValidationError):  # nothing to hand back
        notes.conversation_hand_back(conversation=conversation, actor=world.responder)
    with pytest.raises(PermissionDenied):
        notes.conversation_ask_expert(conversation=conversation, actor=world.viewer, area=roads)
    notes.conversation_ask_expert(conversation=conversation, actor=world.responder, area=roads)
    notes.note_create(conversation=conversation, actor=expert, text="On it.")
    notes.conversation_hand_back(conversation=conversation, actor=expert)
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.OPEN
