"""Hiding a message from the inbox under a policy clause: recorded, audited, asked of the
platform where it can, said plainly where it cannot."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicdesk.connectors import registry
from civicdesk.inbox.models import InboundMessage, MessageStatus
from civicdesk.organizations.models import AuditEvent
from civicdesk.policies.models import ModerationAction, PlatformResult
from civicdesk.policies.moderation import message_hide, message_unhide
from civicdesk.policies.selectors import shipped_document
from civicdesk.policies.services import policy_save
from tests.factories import World, make_message
from tests.policies.fakes import HidingConnector

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(world: World) -> InboundMessage:
    return make_message(channel=world.channel, text="You are all idiots", category="abuse")


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> type[HidingConnector]:
    """Make the channels' platform one whose connector can hide comments."""
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.HidingConnector")
    HidingConnector.calls.clear()
    return HidingConnector


def test_hide_records_the_clause_audits_it_and_asks_the_platform(
    world: World, message: InboundMessage, platform: type[HidingConnector]
) -> None:
    action = message_hide(message=message, actor=world.responder, clause_id="abuse", language="en")
    message.refresh_from_db()
    assert message.status == MessageStatus.HIDDEN
    assert (action.action, action.clause_id, action.clause_title) == (
        "hide",
        "abuse",
        "Abuse and harassment",
    )
    assert action.policy_version == 0 and action.previous_status == MessageStatus.NEW
    assert action.platform_result == PlatformResult.DONE
    assert platform.calls == [(message.remote_id, True)]
    event = AuditEvent.objects.get(organization=world.org, action="message.hide")
    assert event.data["clause"] == "abuse"
    assert event.data["clause_title"] == "Abuse and harassment"
    assert event.actor == world.responder and event.object_id == str(message.pk)


def test_unhide_restores_the_status_and_tells_the_platform(
    world: World, message: InboundMessage, platform: type[HidingConnector]
) -> None:
    InboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.REPLIED)
    message_hide(message=message, actor=world.responder, clause_id="spam")
    action = message_unhide(message=message, actor=world.responder)
    message.refresh_from_db()
    assert message.status == MessageStatus.REPLIED
    assert action.action == "unhide" and action.platform_result == PlatformResult.DONE
    assert platform.calls[-1] == (message.remote_id, False)
    event = AuditEvent.objects.get(action="message.unhide")
    assert event.data["hidden_under"] == "spam"
    with pytest.raises(ValidationError, match="not hidden"):
        message_unhide(message=message, actor=world.responder)


def test_where_the_platform_cannot_hide_it_says_so_in_its_own_words(
    world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.NoHideConnector")
    action = message_hide(message=message, actor=world.responder, clause_id="abuse")
    assert action.platform_result == PlatformResult.UNSUPPORTED
    assert action.platform_detail == "Fakebook does not let us hide comments"
    message.refresh_from_db()
    assert message.status == MessageStatus.HIDDEN


def test_without_a_limitations_text_the_platform_is_named(
    world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.SilentConnector")
    action = message_hide(message=message, actor=world.responder, clause_id="abuse")
    assert action.platform_result == PlatformResult.UNSUPPORTED
    assert action.platform_detail == "Exercise network does not let us hide comments"


def test_a_direct_message_is_hidden_here_only(
    world: World, platform: type[HidingConnector]
) -> None:
    direct = make_message(channel=world.channel, text="my file number is 1234", kind="direct")
    action = message_hide(message=direct, actor=world.responder, clause_id="personal-data")
    assert action.platform_result == PlatformResult.UNSUPPORTED
    assert "not under one of our posts" in action.platform_detail
    assert platform.calls == []


def test_a_platform_refusal_is_recorded_and_the_message_stays_hidden_here(
    world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.RefusingConnector")
    action = message_hide(message=message, actor=world.responder, clause_id="abuse")
    assert action.platform_result == PlatformResult.FAILED
    assert "comment not found" in action.platform_detail
    message.refresh_from_db()
    assert message.status == MessageStatus.HIDDEN


def test_the_clause_must_exist_and_allow_hiding(world: World, message: InboundMessage) -> None:
    with pytest.raises(ValidationError, match="Choose the policy clause"):
        message_hide(message=message, actor=world.responder, clause_id="")
    with pytest.raises(ValidationError, match="Choose the policy clause"):
        message_hide(message=message, actor=world.responder, clause_id="no-such-clause")
    with pytest.raises(ValidationError, match="does not allow hiding"):
        message_hide(message=message, actor=world.responder, clause_id="illegal")
    message_hide(message=message, actor=world.responder, clause_id="abuse")
    with pytest.raises(ValidationError, match="already hidden"):
        message_hide(message=message, actor=world.responder, clause_id="abuse")
    assert ModerationAction.objects.count() == 1


def test_the_clause_comes_from_the_policy_in_force_in_the_responders_language(
    world: World, message: InboundMessage
) -> None:
    document = shipped_document().replace(
        "  - id: off-topic",
        "  - id: trolling\n    title: {en: Trolling, fr: Trollage}\n"
        "    text: {en: Bait is hidden., fr: Les provocations sont masquées.}\n"
        "    actions: [hide]\n  - id: off-topic",
    )
    policy_save(organization=world.org, actor=world.admin, yaml_text=document)
    action = message_hide(
        message=message, actor=world.responder, clause_id="trolling", language="fr"
    )
    assert (action.clause_title, action.policy_version) == ("Trollage", 1)


def test_only_responders_moderate(world: World, message: InboundMessage) -> None:
    for member in (world.viewer, world.author, world.approver):
        with pytest.raises(PermissionDenied):
            message_hide(message=message, actor=member, clause_id="abuse")
    message.refresh_from_db()
    assert message.status == MessageStatus.NEW


def test_the_moderation_view_for_every_visitor(
    world: World, message: InboundMessage, platform: type[HidingConnector]
) -> None:
    url = f"/policy/moderate/{message.pk}/"
    data = {"action": "hide", "clause": "abuse"}
    client = Client()
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.startswith("/login/")
    for visitor, status in ((world.outsider, 404), (world.other_member, 404), (world.viewer, 403)):
        client.force_login(visitor)
        assert client.post(url, data).status_code == status, visitor
    assert not ModerationAction.objects.exists()
    client.force_login(world.responder)
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == f"/inbox/c/{message.conversation_id}/#m{message.pk}"
    assert ModerationAction.objects.get().clause_id == "abuse"


def test_the_conversation_shows_the_clause_and_plain_words_where_platform_cannot(
    client: Client, world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.SilentConnector")
    client.force_login(world.responder)
    response = client.post(
        f"/policy/moderate/{message.pk}/", {"action": "hide", "clause": "abuse"}, follow=True
    )
    body = response.content.decode()
    assert "Hidden in Civic Desk only: Exercise network does not let us hide comments" in body
    assert "Hidden under the policy’s clause <strong>“Abuse and harassment”</strong>" in body
    assert "Show again" in body
    response = client.post(f"/policy/moderate/{message.pk}/", {"action": "unhide"}, follow=True)
    assert "Shown again in Civic Desk only" in response.content.decode()
    message.refresh_from_db()
    assert message.status == MessageStatus.NEW


def test_the_conversation_page_reads_moderation_once_per_conversation(
    client: Client,
    world: World,
    message: InboundMessage,
    django_assert_max_num_queries: object,
) -> None:
    for n in range(5):
        make_message(channel=world.channel, text=f"more {n}", conversation=message.conversation)
    message_hide(message=message, actor=world.responder, clause_id="abuse")
    client.force_login(world.responder)
    url = f"/inbox/c/{message.conversation_id}/"
    client.get(url)
    with django_assert_max_num_queries(30) as few:  # type: ignore[operator]
        client.get(url)
    for n in range(20):
        make_message(
            channel=world.channel, text=f"even more {n}", conversation=message.conversation
        )
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        client.get(url)
