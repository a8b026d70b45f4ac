"""The inbox list's everyday handling: bulk assign, close and mark as spam through the
transition table, checked per conversation and audited; the label and "time left" filters;
the keyboard shortcuts' script served from our own origin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from civicdesk.inbox import bulk, routing
from civicdesk.inbox.models import (
    Conversation,
    ConversationLabel,
    ConversationStatus,
    InboundMessage,
    MessageStatus,
    RoutingRule,
)
from civicdesk.organizations.models import AuditEvent
from tests.factories import World, make_message, make_world

pytestmark = pytest.mark.django_db


def _conversation(world: World, text: str, channel: object = None) -> Conversation:
    return make_message(channel=channel or world.channel, text=text).conversation


def test_bulk_close_spam_and_assign_act_only_where_the_person_may_answer(world: World) -> None:
    mine = [_conversation(world, f"Question {i}") for i in range(3)]
    theirs = _conversation(world, "Bus?", channel=world.other_channel)
    ids = [c.pk for c in mine] + [theirs.pk]

    result = bulk.conversations_bulk(
        conversation_ids=ids[:2] + [theirs.pk], actor=world.responder, action="close"
    )
    assert (sorted(result.done), result.refused) == (sorted(ids[:2]), [theirs.pk])
    closed = Conversation.objects.filter(pk__in=ids[:2])
    assert {c.status for c in closed} == {ConversationStatus.CLOSED}
    assert all(c.closed_at and c.unread_count == 0 for c in closed)
    assert not InboundMessage.objects.filter(
        conversation__in=ids[:2], status=MessageStatus.NEW
    ).exists()
    assert Conversation.objects.get(pk=theirs.pk).status == ConversationStatus.NEW

    result = bulk.conversations_bulk(
        conversation_ids=[mine[2].pk], actor=world.responder, action="spam"
    )
    spam = Conversation.objects.get(pk=mine[2].pk)
    assert result.done == [spam.pk] and spam.is_spam and spam.status == ConversationStatus.CLOSED

    # Assigning a closed conversation keeps it closed; a new one opens.
    fresh = _conversation(world, "Another")
    bulk.conversations_bulk(
        conversation_ids=[mine[0].pk, fresh.pk], actor=world.responder, action="assign_me"
    )
    rows = {c.pk: c for c in Conversation.objects.filter(pk__in=[mine[0].pk, fresh.pk])}
    assert {c.assigned_to_id for c in rows.values()} == {world.responder.pk}
    assert rows[mine[0].pk].status == ConversationStatus.CLOSED
    assert rows[fresh.pk].status == ConversationStatus.OPEN
    # Someone who cannot answer on the brand is not given it.
    result = bulk.conversations_bulk(
        conversation_ids=[fresh.pk], actor=world.admin, action="assign", assignee=world.viewer
    )
    assert result.refused == [fresh.pk]
    with pytest.raises(ValidationError):
        bulk.conversations_bulk(conversation_ids=[fresh.pk], actor=world.admin, action="assign")
    with pytest.raises(ValidationError):
        bulk.conversations_bulk(conversation_ids=[fresh.pk], actor=world.admin, action="delete")
    actions = list(
        AuditEvent.objects.filter(action__startswith="conversation.bulk_")
        .order_by("sequence")
        .values_list("action", "data")
    )
    assert actions == [
        ("conversation.bulk_close", {"conversations": sorted(ids[:2])}),
        ("conversation.bulk_spam", {"conversations": [mine[2].pk]}),
        (
            "conversation.bulk_assign",
            {"conversations": sorted([mine[0].pk, fresh.pk]), "to": world.responder.username},
        ),
    ]


def test_the_bulk_form_in_the_list(client: Client, world: World) -> None:
    mine = _conversation(world, "Pothole on the bridge")
    elsewhere = make_world(prefix="x")
    foreign = _conversation(elsewhere, "Not yours")
    client.force_login(world.responder)
    page = client.get("/inbox/").content.decode()
    assert 'id="bulk"' in page and f'name="c" value="{mine.pk}" form="bulk"' in page
    assert "civicdesk/inbox-keys.js" in page
    response = client.post(
        "/inbox/bulk/",
        {"action": "close", "c": [mine.pk, foreign.pk], "query": "status=new"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/inbox/?status=new"
    body = response.content.decode()
    assert "1 conversation done." in body and "1 refused" in body
    assert Conversation.objects.get(pk=mine.pk).status == ConversationStatus.CLOSED
    assert Conversation.objects.get(pk=foreign.pk).status == ConversationStatus.NEW
    # A viewer gets no bulk form, and a bulk request of theirs changes nothing.
    client.force_login(world.viewer)
    assert 'id="bulk"' not in client.get("/inbox/").content.decode()
    other = _conversation(world, "Still new")
    client.post("/inbox/bulk/", {"action": "spam", "c": [other.pk]})
    assert not Conversation.objects.get(pk=other.pk).is_spam


def test_the_label_filter_reads_the_labels_rules_give(client: Client, world: World) -> None:
    routing.rule_save(
        organization=world.org,
        rule=RoutingRule(name="Holes", phrases="pothole", add_label="roads"),
        actor=world.admin,
    )
    hole = make_message(channel=world.channel, text="A pothole again")
    make_message(channel=world.channel, text="Lovely park")
    routing.route_messages(InboundMessage.objects.values_list("pk", flat=True))
    assert list(ConversationLabel.objects.values_list("conversation_id", "label")) == [
        (hole.conversation_id, "roads")
    ]
    client.force_login(world.responder)
    page = client.get("/inbox/?label=roads").content.decode()
    assert "A pothole again" in page and "Lovely park" not in page
    assert '<span class="badge label">roads</span>' in page
    assert "A pothole again" not in client.get("/inbox/?label=other").content.decode()


def test_the_time_left_filter(client: Client, world: World) -> None:
    now = timezone.now()
    texts = {"late": now - timedelta(minutes=5), "soon": now + timedelta(minutes=30)}
    texts["later"] = now + timedelta(hours=5)
    for text, due in texts.items():
        conversation = _conversation(world, f"Message {text}")
        Conversation.objects.filter(pk=conversation.pk).update(due_at=due)
    answered = _conversation(world, "Message answered")
    Conversation.objects.filter(pk=answered.pk).update(
        due_at=now - timedelta(minutes=5), first_response_at=now
    )
    client.force_login(world.responder)

    def listed(query: str) -> set[str]:
        page = client.get(f"/inbox/?{query}").content.decode()
        return {t for t in ("late", "soon", "later", "answered") if f"Message {t}" in page}

    assert listed("time_left=late") == {"late"}
    assert listed("time_left=hour") == {"soon"}
    assert listed("time_left=nonsense") == {"late", "soon", "later", "answered"}


def test_the_shortcuts_script_is_our_own(client: Client, world: World) -> None:
    client.force_login(world.responder)
    conversation = _conversation(world, "Hello")
    page = client.get(f"/inbox/c/{conversation.pk}/")
    body = page.content.decode()
    assert 'src="/static/civicdesk/inbox-keys.js"' in body
    assert "script-src 'self'" in page.headers.get("Content-Security-Policy", "")
