"""Routing everywhere: messages understood later by the retry job are routed and given due
times like those understood on arrival; a rule may hold only during an incident (or only
outside one), read from the incidents app's scope; the demo organization's inbox is routed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicdesk.inbox import routing, scope
from civicdesk.inbox.models import (
    Conversation,
    InboundMessage,
    ResponseTarget,
    RoutingDecision,
    RoutingRule,
)
from civicdesk.inbox.scope import incident_channels
from civicdesk.inbox.understanding import understand_pending
from civicdesk.incidents import services as incidents
from civicdesk.incidents.selectors import channels_in_incident
from civicdesk.organizations.models import BusinessArea
from civicdesk.runtime import demo
from tests.core import test_demo_seed
from tests.core.test_demo_seed import VANCOUVER, Clock
from tests.factories import World, make_message

# The demo seed's fixtures: the exercise network on the live server, a settable clock.
network = test_demo_seed.network
clock = test_demo_seed.clock

DEMO_NOW = datetime(2026, 6, 10, 12, 0, tzinfo=VANCOUVER)

pytestmark = pytest.mark.django_db


def _rule(world: World, name: str, **fields: object) -> RoutingRule:
    return routing.rule_save(
        organization=world.org, rule=RoutingRule(name=name, **fields), actor=world.admin
    )


def test_messages_understood_by_the_retry_job_are_routed_and_due(world: World) -> None:
    roads = BusinessArea.objects.create(organization=world.org, name="Roads")
    _rule(world, "Holes", phrases="pothole", route_to_area=roads)
    ResponseTarget.objects.create(organization=world.org, minutes=30, business_hours=False)
    sent = timezone.now() - timedelta(minutes=5)
    message = make_message(channel=world.channel, text="A pothole on Main Street", sent_at=sent)
    # The model was down when it arrived: nothing understood, routed or due.
    InboundMessage.objects.filter(pk=message.pk).update(
        understood_at=None, category="", urgency="", language=""
    )
    assert understand_pending() == 1
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.business_area == "Roads"
    assert conversation.due_at == sent + timedelta(minutes=30)
    assert RoutingDecision.objects.get(message=message).rule_name == "Holes"


def _declare(world: World) -> None:
    incidents.incident_declare(
        organization=world.org,
        actor=world.admin,
        declaration=incidents.Declaration(
            name="Flood", kind="flood", severity="major", area="", brands=[world.brand]
        ),
    )


def test_a_rule_can_hold_only_during_an_incident(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The incidents app's selector, as the app installs it when it starts (another test may
    # have installed its own since).
    monkeypatch.setattr(scope, "_incident_scope", channels_in_incident)
    crisis = BusinessArea.objects.create(organization=world.org, name="Crisis cell")
    usual = BusinessArea.objects.create(organization=world.org, name="Roads")
    _rule(world, "In the flood", during_incident=True, route_to_area=crisis)
    _rule(world, "Otherwise", during_incident=False, route_to_area=usual)
    before = make_message(channel=world.channel, text="Is the road open?")
    routing.route_messages([before.pk])
    _declare(world)
    # The incident covers the brand's channels, not the other brand's.
    assert incident_channels({world.channel.pk, world.other_channel.pk}) == {world.channel.pk}
    during = make_message(channel=world.channel, text="Is the road open now?")
    elsewhere = make_message(channel=world.other_channel, text="Bus times?")
    routing.route_messages([during.pk, elsewhere.pk])
    areas = dict(
        Conversation.objects.filter(
            pk__in=[before.conversation_id, during.conversation_id, elsewhere.conversation_id]
        ).values_list("pk", "business_area")
    )
    assert areas == {
        before.conversation_id: "Roads",
        during.conversation_id: "Crisis cell",
        elsewhere.conversation_id: "Roads",
    }
    caught, _ = routing.preview(organization=world.org)
    rules = {r.name: r.pk for r in RoutingRule.objects.all()}
    assert {m.pk for m in caught[rules["In the flood"]]} == {before.pk, during.pk}


def test_the_rules_screen_sets_the_incident_condition(client: Client, world: World) -> None:
    client.force_login(world.admin)
    url = f"/settings/{world.org.pk}/routing/"
    client.post(
        url,
        {"name": "Flood", "is_active": "on", "during_incident": "true", "set_priority": "urgent"},
    )
    rule = RoutingRule.objects.get()
    assert rule.during_incident is True
    assert "during an incident" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_demo_inbox_is_routed_and_due(network: str, clock: Clock) -> None:
    clock(DEMO_NOW)
    info = demo.seed_demo_fully(days=7, now=DEMO_NOW)
    conversations = Conversation.objects.filter(channel__brand__organization=info.organization)
    areas = set(conversations.exclude(business_area="").values_list("business_area", flat=True))
    assert areas == set(demo.DEMO_AREAS)
    assert RoutingDecision.objects.filter(conversation__in=conversations).exists()
    unanswered = conversations.filter(first_response_at__isnull=True)
    assert unanswered.exists() and not unanswered.filter(due_at__isnull=True).exists()
