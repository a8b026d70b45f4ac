"""Deleting a comment and blocking its author under a policy clause: recorded, audited, asked of
the platform; refused with the platform's own reason where it cannot."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicdesk.connectors import registry
from civicdesk.inbox.models import InboundMessage, MessageStatus
from civicdesk.organizations.models import AuditEvent
from civicdesk.policies.models import ModerationAction, PlatformResult
from civicdesk.policies.moderation import message_unhide
from civicdesk.policies.removal import author_block, message_delete
from tests.factories import World, make_message
from tests.policies.fakes import RemovingConnector

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(world: World) -> InboundMessage:
    return make_message(
        channel=world.channel, text="You are all <b>idiots</b>", author_handle="troll"
    )


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> type[RemovingConnector]:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.RemovingConnector")
    RemovingConnector.calls.clear()
    return RemovingConnector


def test_delete_cites_the_clause_audits_and_removes_the_comment(
    world: World, message: InboundMessage, platform: type[RemovingConnector]
) -> None:
    action = message_delete(message=message, actor=world.responder, clause_id="hate", language="fr")
    assert (action.action, action.clause_id, action.clause_title) == (
        "delete",
        "hate",
        "Discours haineux et discrimination",
    )
    assert action.platform_result == PlatformResult.DONE
    assert platform.calls == [("delete", message.remote_id)]
    message.refresh_from_db()
    assert message.status == MessageStatus.HIDDEN
    event = AuditEvent.objects.get(organization=world.org, action="message.delete")
    assert event.data["clause"] == "hate" and event.actor == world.responder
    # Gone from the platform: it can be neither deleted again nor shown again.
    with pytest.raises(ValidationError, match="already been deleted"):
        message_delete(message=message, actor=world.responder, clause_id="hate")
    with pytest.raises(ValidationError, match="cannot be shown again"):
        message_unhide(message=message, actor=world.responder)


def test_block_cites_the_clause_audits_and_blocks_the_author_once(
    world: World, message: InboundMessage, platform: type[RemovingConnector]
) -> None:
    action = author_block(message=message, actor=world.manager, clause_id="abuse", language="en")
    assert action.action == "block" and action.clause_title == "Abuse and harassment"
    assert action.platform_result == PlatformResult.DONE
    assert platform.calls == [("block", message.author.remote_id)]
    event = AuditEvent.objects.get(organization=world.org, action="author.block")
    assert event.data["handle"] == "troll" and event.data["clause"] == "abuse"
    assert event.object_id == str(message.author_id)
    # The message itself stays where it was: blocking is about its author.
    message.refresh_from_db()
    assert message.status == MessageStatus.NEW
    # Another message of the same author on the channel: already blocked.
    again = make_message(channel=world.channel, text="still here", author_handle="troll")
    with pytest.raises(ValidationError, match="already blocked"):
        author_block(message=again, actor=world.responder, clause_id="abuse")


def test_a_clause_that_does_not_allow_the_action_is_refused(
    world: World, message: InboundMessage, platform: type[RemovingConnector]
) -> None:
    # personal-data allows hiding only.
    with pytest.raises(ValidationError, match="does not allow deleting"):
        message_delete(message=message, actor=world.responder, clause_id="personal-data")
    with pytest.raises(ValidationError, match="does not allow blocking"):
        author_block(message=message, actor=world.responder, clause_id="personal-data")
    with pytest.raises(ValidationError, match="Choose the policy clause"):
        author_block(message=message, actor=world.responder, clause_id="")
    assert not ModerationAction.objects.exists() and platform.calls == []


def test_where_the_platform_cannot_it_is_refused_in_its_own_words(
    world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.NoRemovalConnector")
    with pytest.raises(ValidationError) as refused:
        message_delete(message=message, actor=world.responder, clause_id="abuse")
    assert refused.value.messages == ["Fakebook does not let an account delete others' posts"]
    with pytest.raises(ValidationError) as refused:
        author_block(message=message, actor=world.responder, clause_id="abuse")
    assert refused.value.messages == ["Fakebook has no block in its API"]
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.SilentConnector")
    with pytest.raises(ValidationError, match="Exercise network does not let an account"):
        message_delete(message=message, actor=world.responder, clause_id="abuse")
    assert not ModerationAction.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["message.delete", "author.block"]).exists()


def test_a_direct_message_cannot_be_deleted_but_its_author_blocked(
    world: World, platform: type[RemovingConnector]
) -> None:
    direct = make_message(channel=world.channel, text="spam spam", kind="direct")
    with pytest.raises(ValidationError, match="only comments and replies"):
        message_delete(message=direct, actor=world.responder, clause_id="abuse")
    author_block(message=direct, actor=world.responder, clause_id="abuse")
    assert platform.calls == [("block", direct.author.remote_id)]


def test_a_platform_failure_is_recorded_and_may_be_tried_again(
    world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.TimingOutRemover")
    deleted = message_delete(message=message, actor=world.responder, clause_id="abuse")
    blocked = author_block(message=message, actor=world.responder, clause_id="abuse")
    assert deleted.platform_result == blocked.platform_result == PlatformResult.FAILED
    assert "timed out" in deleted.platform_detail and "suspended" in blocked.platform_detail
    message.refresh_from_db()
    assert message.status == MessageStatus.NEW  # still on the platform, still to answer
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.RemovingConnector")
    assert (
        message_delete(message=message, actor=world.responder, clause_id="abuse").platform_result
        == PlatformResult.DONE
    )
    assert (
        author_block(message=message, actor=world.responder, clause_id="abuse").platform_result
        == PlatformResult.DONE
    )


def test_only_people_who_answer_the_public_may(
    world: World, message: InboundMessage, platform: type[RemovingConnector]
) -> None:
    for person in (world.viewer, world.author, world.approver):
        with pytest.raises(PermissionDenied):
            author_block(message=message, actor=person, clause_id="abuse")
    url = f"/policy/moderate/{message.pk}/"
    client = Client()
    for visitor, status in ((world.outsider, 404), (world.other_member, 404), (world.viewer, 403)):
        client.force_login(visitor)
        assert client.post(url, {"action": "delete", "clause": "abuse"}).status_code == status
    assert not ModerationAction.objects.exists()


def test_the_conversation_page_offers_and_reports_both(
    client: Client, world: World, message: InboundMessage, platform: type[RemovingConnector]
) -> None:
    client.force_login(world.responder)
    page = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "Delete from the platform" in page and "Block @troll" in page
    assert "<b>idiots</b>" not in page  # the public's text stays escaped
    url = f"/policy/moderate/{message.pk}/"
    page = client.post(url, {"action": "delete", "clause": "spam"}, follow=True).content.decode()
    assert "Deleted from the platform." in page
    assert "Deleted under the policy’s clause <strong>“Spam and advertising”</strong>" in page
    assert "Delete from the platform" not in page
    page = client.post(url, {"action": "block", "clause": "abuse"}, follow=True).content.decode()
    assert "@troll is blocked on the platform." in page
    assert "@troll blocked under the policy’s clause" in page and "Block @troll" not in page
    page = client.post(url, {"action": "block", "clause": "hate"}, follow=True).content.decode()
    assert "already blocked" in page


def test_the_page_says_why_it_cannot(
    client: Client, world: World, message: InboundMessage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.CONNECTORS, "exnet", "tests.policies.fakes.NoRemovalConnector")
    client.force_login(world.responder)
    page = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "Cannot be deleted: Fakebook does not let an account delete others&#x27; posts." in page
    assert "Cannot block the author: Fakebook has no block in its API." in page
    assert "Delete from the platform" not in page
