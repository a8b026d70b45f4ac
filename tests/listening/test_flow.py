"""From posts on the exercise network to an issue card and its alerts, over real HTTP: the
network's search, topics grouped with the inbox's messages, a spike, the card, an email
through an SMTP server and a signed webhook on loopback. Then the people's actions and their
permissions, and the screens."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicdesk.claims.models import Claim
from civicdesk.exnet.services import create_account, create_post, follow_account
from civicdesk.inbox.models import InboundMessage
from civicdesk.listening import jobs, services
from civicdesk.listening.models import (
    CardState,
    FollowedTerm,
    IssueAlert,
    IssueCard,
    ListeningItem,
    TopicEntry,
)
from civicdesk.organizations.models import AuditEvent
from tests.browser.test_core_loop import connect_to_network
from tests.factories import World, make_world
from tests.listening.peers import Hook, webhook  # noqa: F401 - the webhook fixture
from tests.mail import Mailbox

pytestmark = pytest.mark.django_db(transaction=True)

SPIKE = [
    ("lgmarie", "The Lions Gate bridge is closed, a truck is on fire in the middle lane"),
    ("lgomar", "Lions Gate bridge closed because of a truck fire, avoid the north shore"),
    ("lgjules", "Le pont Lions Gate est fermé, un camion est en feu sur la voie du milieu"),
    ("lgsam", "Truck fire on the Lions Gate bridge, the bridge is closed both ways"),
    ("lgana", "El puente Lions Gate está cerrado por el incendio de un camión"),
    ("lgpat", "Huge smoke over the Lions Gate bridge, truck fire, bridge closed"),
]
HOSTILE = "<script>alert('x')</script> Lions Gate bridge closed ‮txet‬"


def _world(live_server: Any, settings: Any) -> World:
    settings.SITE_URL = live_server.url
    world = make_world(prefix="lg")
    connect_to_network(world.channel, live_server.url)
    return world


def test_a_spike_on_the_network_becomes_a_card_and_alerts_the_team(
    live_server: Any,
    settings: Any,
    smtp: Mailbox,
    webhook: Hook,  # noqa: F811
) -> None:
    world = _world(live_server, settings)
    term = services.term_follow(
        actor=world.responder, channel=world.channel, kind="keyword", value="Lions Gate"
    )
    secret = services.alerts_configure(
        actor=world.admin,
        organization=world.org,
        emails="duty@city.example\nlead@city.example",
        webhook_url=webhook.url,
        new_secret=True,
    )
    assert secret
    for handle, text in [*SPIKE, ("lgbad", HOSTILE)]:
        account, _token = create_account(handle=handle, display_name=handle, simulated=True)
        if handle == "lgmarie":
            for follower in range(3):
                fan, _ = create_account(handle=f"lgfan{follower}", simulated=True)
                follow_account(follower=fan, followee=account)
        create_post(account=account, text=text)
    create_post(account=create_account(handle="lgother")[0], text="Library hours on Sunday?")

    report = jobs.fetch()
    assert report.stored == len(SPIKE) + 1 and report.errors == 0
    assert ListeningItem.objects.filter(term=term).count() == len(SPIKE) + 1
    item = ListeningItem.objects.get(author_handle="lgjules")
    assert item.language == "fr" and item.understood_at is not None
    # Nothing of it entered the inbox.
    assert not InboundMessage.objects.filter(channel=world.channel).exists()
    # Fetching again finds nothing new: the cursor moved past it.
    assert jobs.fetch().stored == 0

    cards = jobs.topics_and_spikes()
    # One story, one card: the followed term's own spike is noted on the topic's card.
    assert len(cards) == 1
    card = IssueCard.objects.get(pk=cards[0])
    assert card.term == term and card.topic is not None
    assert card.state == CardState.OPEN and card.observed >= 5
    topic_entries = TopicEntry.objects.filter(topic=card.topic)
    assert {e.language for e in topic_entries} >= {"en", "fr"}
    assert "lions" in " ".join(card.top_terms).lower() or "bridge" in card.top_terms
    assert card.authors[0]["author"] == "lgmarie" and card.authors[0]["reach"] == 3
    assert card.curve[-1][1] >= 5 and len(card.curve) == 48
    # A second pass within the cooldown updates the card; it does not raise another.
    assert jobs.topics_and_spikes() == []

    # In the app, by email, by signed webhook.
    assert IssueAlert.objects.filter(card=card, user=world.responder).exists()
    assert smtp.arrived.wait(10) and webhook.arrived.wait(10)
    mail = smtp.messages[0]
    assert set(mail["To"].split(", ")) == {"duty@city.example", "lead@city.example"}
    assert f"/listening/issues/{card.pk}/" in mail.get_payload()
    signed = webhook.verified(secret)
    assert len(signed) == 1 and webhook.verified("not-the-secret") == []
    body = signed[0]
    assert body["text"].startswith("Rising issue") and body["card"]["id"] == card.pk
    assert webhook.received[0]["content_type"] == "application/json"
    card.refresh_from_db()
    assert card.alerts["webhook"]["ok"] and card.alerts["email"]["ok"]

    # The screens: the card, escaped; the alert read once opened; the audit log.
    client = Client()
    client.force_login(world.responder)
    page = client.get("/listening/").url
    home = client.get(page).content.decode()
    assert f"/listening/issues/{card.pk}/" in home and "Lions Gate" in home
    detail = client.get(f"/listening/issues/{card.pk}/").content.decode()
    assert "<script>alert" not in detail
    assert not IssueAlert.objects.filter(card=card, user=world.responder, read_at=None).exists()
    claim = Claim.objects.create(organization=world.org, statement="The bridge collapsed")
    answer = client.post(
        f"/listening/issues/{card.pk}/", {"action": "link", "claim": claim.pk, "incident": ""}
    )
    assert answer.status_code == 302
    card.refresh_from_db()
    assert card.claim == claim
    client.post(f"/listening/issues/{card.pk}/", {"action": "close"})
    card.refresh_from_db()
    assert card.state == CardState.CLOSED
    actions = set(
        AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True)
    )
    assert {
        "listening.follow",
        "listening.alerts",
        "listening.card_link",
        "listening.card_close",
    } <= actions


def test_permissions_and_bad_input(live_server: Any, settings: Any) -> None:
    world = _world(live_server, settings)
    # A viewer sees listening but follows nothing; an outsider sees nothing.
    with pytest.raises(PermissionDenied):
        services.term_follow(
            actor=world.viewer, channel=world.channel, kind="keyword", value="bridge"
        )
    client = Client()
    client.force_login(world.viewer)
    assert client.get(f"/listening/{world.org.pk}/").status_code == 200
    client.force_login(world.outsider)
    assert client.get(f"/listening/{world.org.pk}/").status_code == 404
    # Only admins set where alerts go.
    with pytest.raises(PermissionDenied):
        services.alerts_configure(
            actor=world.manager,
            organization=world.org,
            emails="",
            webhook_url="",
            new_secret=False,
        )
    with pytest.raises(ValidationError):
        services.alerts_configure(
            actor=world.admin,
            organization=world.org,
            emails="not an address",
            webhook_url="",
            new_secret=False,
        )
    with pytest.raises(ValidationError):
        services.term_follow(
            actor=world.responder, channel=world.channel, kind="hashtag", value="two words"
        )
    with pytest.raises(ValidationError):
        services.term_follow(
            actor=world.responder, channel=world.channel, kind="keyword", value=" "
        )
    services.term_follow(
        actor=world.responder, channel=world.channel, kind="hashtag", value="#Bridge"
    )
    with pytest.raises(ValidationError):
        services.term_follow(
            actor=world.responder, channel=world.channel, kind="hashtag", value="Bridge"
        )
    assert FollowedTerm.objects.get(organization=world.org).value == "Bridge"
    # The form keeps what was typed when it is refused.
    client.force_login(world.responder)
    page = client.post(
        f"/listening/{world.org.pk}/",
        {"action": "follow", "kind": "account", "value": "two words", "channel": world.channel.pk},
    ).content.decode()
    assert 'value="two words"' in page and "one word" in page
