"""Routing rules: tried in order on each understood message (on arrival, and again when a
person corrects the kind); the first that matches acts and every decision names its rule.
Rules are edited by the organization's admins, audited, with a preview of what each catches."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox import routing, services
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    InboundMessage,
    MessageStatus,
    RoutingDecision,
    RoutingRule,
)
from civicdesk.organizations.models import AuditEvent, BusinessArea
from tests.factories import World, make_message, make_world

pytestmark = pytest.mark.django_db


def _area(world: World, name: str) -> BusinessArea:
    return BusinessArea.objects.create(organization=world.org, name=name)


def _rule(world: World, name: str, **fields: Any) -> RoutingRule:
    return routing.rule_save(
        organization=world.org, rule=RoutingRule(name=name, **fields), actor=world.admin
    )


def _facts(**overrides: Any) -> routing.Facts:
    base = dict(
        brand_id=1,
        channel_id=10,
        platform="exnet",
        message_kind="comment",
        category="question",
        urgency="medium",
        language="en",
        text="is highway 7 open tonight?",
    )
    return routing.Facts(**{**base, **overrides})


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"brand_id": 1}, True),
        ({"brand_id": 2}, False),
        ({"channel_id": 11}, False),
        ({"platform": "mastodon"}, False),
        ({"message_kind": "direct"}, False),
        ({"category": "question", "urgency": "medium", "language": "en"}, True),
        ({"category": "complaint"}, False),
        ({"urgency": "critical"}, False),
        ({"language": "fr"}, False),
        ({"phrases": "Pothole\nHighway 7"}, True),  # any line, any case
        ({"phrases": "pothole\nbridge"}, False),
        ({"phrases": "highway 7", "language": "fr"}, False),  # every condition holds
    ],
)
def test_a_rule_matches_when_every_condition_it_sets_holds(
    conditions: dict[str, Any], expected: bool
) -> None:
    assert routing.matches(RoutingRule(name="r", **conditions), _facts()) is expected


def test_the_first_active_rule_that_matches_wins() -> None:
    off = RoutingRule(name="off", is_active=False)
    broad = RoutingRule(name="broad")
    narrow = RoutingRule(name="narrow", phrases="highway")
    assert routing.first_match([off, narrow, broad], _facts()) is narrow
    assert routing.first_match([off, narrow, broad], _facts(text="hello")) is broad
    assert routing.first_match([off], _facts()) is None


def test_arrival_routes_by_the_first_matching_rule_and_records_it(world: World) -> None:
    roads, water = _area(world, "Roads"), _area(world, "Water")
    _rule(world, "Potholes", phrases="pothole", route_to_area=roads, set_priority="high")
    _rule(world, "Water", phrases="water\npothole", route_to_area=water, add_label="utilities")
    pothole = make_message(channel=world.channel, text="A pothole on Rue Garibaldi")
    leak = make_message(channel=world.channel, text="Water leak at the station")
    other = make_message(channel=world.channel, text="Thanks for the update")
    assert routing.route_messages([pothole.pk, leak.pk, other.pk]) == 2
    first = Conversation.objects.get(pk=pothole.conversation_id)
    assert (first.business_area, first.priority, first.labels) == ("Roads", "high", [])
    second = Conversation.objects.get(pk=leak.conversation_id)
    assert (second.business_area, second.labels) == ("Water", ["utilities"])
    assert Conversation.objects.get(pk=other.conversation_id).business_area == ""
    decision = RoutingDecision.objects.get(message=pothole)
    assert decision.rule_name == "Potholes" and decision.trigger == "arrival"
    assert decision.actions == {"area": "Roads", "priority": "high"}
    assert not RoutingDecision.objects.filter(message=other).exists()


def test_a_rule_never_takes_a_conversation_from_its_holder_and_spam_is_closed(
    world: World,
) -> None:
    _rule(world, "Mine", phrases="bus", assign_to=world.responder)
    _rule(world, "Spam", phrases="crypto", mark_spam=True)
    held = make_message(channel=world.channel, text="Bus 12 is late")
    services.conversation_take(conversation=held.conversation, actor=world.manager)
    free = make_message(channel=world.channel, text="Bus 4 is early")
    spam = make_message(channel=world.channel, text="Win crypto now")
    routing.route_messages([held.pk, free.pk, spam.pk])
    assert Conversation.objects.get(pk=held.conversation_id).assigned_to == world.manager
    assert RoutingDecision.objects.get(message=held).actions == {"assigned_to": ""}
    assert Conversation.objects.get(pk=free.conversation_id).assigned_to == world.responder
    junk = Conversation.objects.get(pk=spam.conversation_id)
    assert junk.is_spam and junk.status == ConversationStatus.CLOSED and junk.unread_count == 0
    assert InboundMessage.objects.get(pk=spam.pk).status == MessageStatus.DONE


def test_correcting_the_kind_routes_again(world: World) -> None:
    legal = _area(world, "Legal")
    _rule(world, "Complaints", category="complaint", route_to_area=legal)
    message = make_message(channel=world.channel, text="You towed my car", category="question")
    routing.route_messages([message.pk])
    assert Conversation.objects.get(pk=message.conversation_id).business_area == ""
    services.message_correct(
        message=message, actor=world.responder, field="category", value="complaint"
    )
    assert Conversation.objects.get(pk=message.conversation_id).business_area == "Legal"
    message.refresh_from_db()
    services.message_correct(
        message=message, actor=world.responder, field="category", value="question"
    )
    assert Conversation.objects.get(pk=message.conversation_id).business_area == ""
    decisions = list(RoutingDecision.objects.filter(message=message).order_by("pk"))
    assert [(d.trigger, d.rule_name) for d in decisions] == [
        ("correction", "Complaints"),
        ("correction", ""),
    ]
    # Correcting the urgency leaves the routing alone.
    services.message_correct(message=message, actor=world.responder, field="urgency", value="low")
    assert RoutingDecision.objects.filter(message=message).count() == 2


@pytest.mark.django_db(transaction=True)
def test_messages_from_the_exercise_network_are_routed_on_arrival(
    live_server: Any, world: World
) -> None:
    """Real HTTP, real understanding: two questions go to two business areas."""
    roads, transit = _area(world, "Roads"), _area(world, "Transit")
    _rule(world, "Roads", phrases="pothole\nroad", route_to_area=roads)
    _rule(world, "Transit", phrases="tram\nbus", route_to_area=transit)
    account, token = create_account(handle=world.channel.handle, display_name="City Hall")
    world.channel.api_base_url = f"{live_server.url}/exnet/api"
    world.channel.set_credentials({"token": token})
    world.channel.save(update_fields=["api_base_url", "credentials_encrypted"])
    ours = create_post(account=account, text="Works on the ring road this week.").obj
    one, _ = create_account(handle="driver", display_name="Driver")
    two, _ = create_account(handle="rider", display_name="Rider")
    create_post(account=one, in_reply_to=ours.pk, text="There is a huge pothole on Rue Neuve")
    create_post(account=two, text="@" + world.channel.handle + " is the tram running tonight?")
    assert ingest_channel(world.channel.pk).stored >= 2
    routed = {
        d.message.author.handle: (d.rule_name, d.conversation.business_area)
        for d in RoutingDecision.objects.select_related("message__author", "conversation")
    }
    assert routed == {"driver": ("Roads", "Roads"), "rider": ("Transit", "Transit")}
    assert InboundMessage.objects.filter(understood_at__isnull=True).count() == 0


def test_rules_are_the_admins_audited_and_reordered(world: World) -> None:
    roads = _area(world, "Roads")
    first = _rule(world, "First", phrases="a", route_to_area=roads)
    second = _rule(world, "Second", phrases="b", set_priority="low")
    assert (first.position, second.position) == (1, 2)
    with pytest.raises(PermissionDenied):
        routing.rule_save(
            organization=world.org,
            rule=RoutingRule(name="x", set_priority="low"),
            actor=world.manager,
        )
    with pytest.raises(ValidationError):
        routing.rule_save(organization=world.org, rule=RoutingRule(name="x"), actor=world.admin)
    elsewhere = make_world(prefix="b")
    foreign = BusinessArea.objects.create(organization=elsewhere.org, name="Theirs")
    with pytest.raises(ValidationError):
        routing.rule_save(
            organization=world.org,
            rule=RoutingRule(name="x", route_to_area=foreign),
            actor=world.admin,
        )
    routing.rule_move(rule=second, actor=world.admin, up=True)
    assert [r.name for r in routing.rules_for(world.org.pk)] == ["Second", "First"]
    routing.rule_delete(rule=first, actor=world.admin)
    actions = list(
        AuditEvent.objects.filter(organization=world.org, action__startswith="routing_rule.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "routing_rule.create",
        "routing_rule.create",
        "routing_rule.move",
        "routing_rule.delete",
    ]


def test_the_preview_gives_each_message_to_the_first_rule_that_catches_it(world: World) -> None:
    roads = _area(world, "Roads")
    broad = _rule(world, "Questions", category="question", set_priority="normal")
    narrow = _rule(world, "Potholes", phrases="pothole", route_to_area=roads)
    make_message(channel=world.channel, text="A pothole?", category="question")
    make_message(channel=world.channel, text="A pothole!", category="complaint")
    make_message(channel=world.other_channel, text="When is the bus?", category="question")
    caught, looked_at = routing.preview(organization=world.org)
    assert looked_at == 3
    assert sorted(m.text for m in caught[broad.pk]) == ["A pothole?", "When is the bus?"]
    assert [m.text for m in caught[narrow.pk]] == ["A pothole!"]


def test_the_rules_screen(client: Client, world: World) -> None:
    roads = _area(world, "Roads")
    make_message(channel=world.channel, text="A pothole on my street")
    url = f"/settings/{world.org.pk}/routing/"
    client.force_login(world.admin)
    response = client.post(
        url,
        {
            "name": "Potholes",
            "is_active": "on",
            "phrases": "pothole",
            "route_to_area": roads.pk,
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(organization=world.org)
    page = client.get(url).content.decode()
    assert "Potholes" in page and "Catches 1 of the recent messages" in page
    assert "A pothole on my street" in page
    # Editing keeps it in place; a rule doing nothing is refused with the reason shown.
    client.post(
        f"{url}{rule.pk}/",
        {"name": "Holes", "is_active": "on", "phrases": "hole", "route_to_area": roads.pk},
    )
    assert RoutingRule.objects.get(pk=rule.pk).name == "Holes"
    page = client.post(url, {"name": "Nothing"}, follow=True).content.decode()
    assert "Choose at least one thing the rule does." in page
    assert RoutingRule.objects.count() == 1
    client.force_login(world.manager)
    assert client.get(url).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    client.force_login(world.admin)
    client.post(f"{url}{rule.pk}/delete/")
    assert not RoutingRule.objects.exists()
