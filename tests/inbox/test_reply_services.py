"""Replies as actions: any message of a conversation can be answered, a reply is measured
as its platform counts it before anything is queued, and a refused reply is edited and sent
again as a new, audited attempt with the refused one kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.connectors.base import PublishResult, RejectedError
from civicdesk.exnet.models import NetPost
from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox import services
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage, MessageStatus, Reply, ReplyState
from civicdesk.inbox.state import InvalidTransition, move
from civicdesk.inbox.tasks import deliver_reply
from civicdesk.organizations.models import AuditEvent
from civicdesk.rules import mastodon_rules_from_instance
from tests.factories import World, make_channel, make_message
from tests.inbox.conftest import ScriptedPlatform, TwoPeople

LONG = ("The pool opens at nine. " * 200).strip() + "!"  # 4,800 characters


@pytest.mark.django_db(transaction=True)
def test_reply_to_an_older_message_is_threaded_under_it_on_the_network(
    live_server: Any,
    world: World,
) -> None:
    """Real HTTP: the asker's question, then a bystander's comment; we answer the question."""
    account, token = create_account(handle=world.channel.handle, display_name="City Hall")
    world.channel.api_base_url = f"{live_server.url}/exnet/api"
    world.channel.set_credentials({"token": token})
    world.channel.save(update_fields=["api_base_url", "credentials_encrypted"])
    ours = create_post(account=account, text="The pool reopens this week.").obj
    asker, _ = create_account(handle="asker1", display_name="Asker")
    bystander, _ = create_account(handle="bystander1", display_name="Bystander")
    asked = create_post(account=asker, in_reply_to=ours.pk, text="Open on Sunday?").obj
    create_post(account=bystander, in_reply_to=ours.pk, text="Nice photo!")
    assert ingest_channel(world.channel.pk).stored >= 2
    question = InboundMessage.objects.get(channel=world.channel, remote_id=str(asked.pk))
    newest = InboundMessage.objects.filter(conversation=question.conversation).last()
    assert newest is not None and newest.author.handle == "bystander1"

    reply = services.reply_create(
        message=question, actor=world.responder, text="Yes, from 9:00 to 18:00."
    )
    assert deliver_reply(reply.pk) == "sent"

    answer = NetPost.objects.get(account=account, text="Yes, from 9:00 to 18:00.")
    assert answer.in_reply_to_id == asked.pk
    reply.refresh_from_db()
    assert reply.state == ReplyState.SENT and reply.remote_id == str(answer.pk)
    assert InboundMessage.objects.get(pk=question.pk).status == MessageStatus.REPLIED
    assert InboundMessage.objects.get(pk=newest.pk).status == MessageStatus.NEW


@pytest.mark.django_db
def test_the_reply_names_the_message_it_answers(
    world: World, two_people: TwoPeople, scripted: ScriptedPlatform
) -> None:
    scripted.outcomes.append(PublishResult(remote_id="r1"))
    reply = services.reply_create(
        message=two_people.question, actor=world.responder, text="Yes, from 9:00."
    )
    assert reply.message_id == two_people.question.pk
    assert deliver_reply(reply.pk) == "sent"
    target, text = scripted.calls[0]
    assert target.remote_id == two_people.question.remote_id
    assert target.author_remote_id == "a-asker"


@pytest.mark.django_db
def test_a_reply_longer_than_the_platform_allows_is_refused_before_it_is_queued(
    world: World,
    two_people: TwoPeople,
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.reply_create(message=two_people.question, actor=world.responder, text=LONG)
    message = " ".join(refused.value.messages)
    assert "4,800 characters" in message and "allows 500" in message
    assert "Shorten it by 4,300" in message
    assert not Reply.objects.exists()
    assert not AuditEvent.objects.filter(action="reply.create").exists()


@pytest.mark.django_db
def test_links_count_as_the_platform_counts_them(world: World, two_people: TwoPeople) -> None:
    """A long link weighs 23 on the exercise network: 470 letters and a 300-letter link fit."""
    text = "a" * 470 + " https://example.org/" + "p" * 300
    reply = services.reply_create(message=two_people.question, actor=world.responder, text=text)
    assert reply.state == ReplyState.QUEUED
    with pytest.raises(ValidationError):
        services.reply_create(message=two_people.question, actor=world.responder, text="a" * 501)


@pytest.mark.django_db
def test_a_mastodon_reply_is_measured_against_its_instance_limit(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An instance that allows 1,000 characters takes a 700-character reply; it is asked once."""
    cache.clear()
    asked: list[str] = []

    class Instance:
        def __enter__(self) -> Instance:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def fetch_account_rules(self) -> Any:
            asked.append("instance")
            return mastodon_rules_from_instance(
                {"configuration": {"statuses": {"max_characters": 1000}}}
            )

    monkeypatch.setattr(
        "civicdesk.connectors.limits.connector_for", lambda channel, client=None: Instance()
    )
    channel = make_channel(brand=world.brand, platform="mastodon", handle="cityhall@example")
    message = make_message(channel=channel, text="When?", author_handle="m@example.social")
    services.reply_create(message=message, actor=world.responder, text="x" * 700)
    with pytest.raises(ValidationError) as refused:
        services.reply_create(message=message, actor=world.responder, text="x" * 1001)
    assert "allows 1,000" in " ".join(refused.value.messages)
    assert asked == ["instance"]


@pytest.mark.django_db
def test_a_refused_reply_is_edited_and_sent_again_as_a_new_attempt(
    world: World,
    two_people: TwoPeople,
    scripted: ScriptedPlatform,
) -> None:
    scripted.outcomes += [
        RejectedError("text contains a word this network refuses"),
        PublishResult(remote_id="r2", url="https://net.example/r2"),
    ]
    first = services.reply_create(
        message=two_people.question, actor=world.responder, text="Yes, darn it, from 9:00."
    )
    assert deliver_reply(first.pk) == "failed"
    first.refresh_from_db()
    assert first.state == ReplyState.FAILED
    assert first.error == "text contains a word this network refuses"

    second = services.reply_retry(reply=first, actor=world.responder, text="Yes, from 9:00.")
    assert second.pk != first.pk and second.retry_of_id == first.pk
    assert second.message_id == two_people.question.pk and second.state == ReplyState.QUEUED
    assert second.idempotency_key != first.idempotency_key
    event = AuditEvent.objects.get(action="reply.retry")
    assert event.object_id == str(second.pk)
    assert event.data["previous"] == first.pk and event.data["edited"] is True
    assert event.data["previous_error"] == "text contains a word this network refuses"

    assert deliver_reply(second.pk) == "sent"
    assert [text for _, text in scripted.calls] == ["Yes, darn it, from 9:00.", "Yes, from 9:00."]
    assert scripted.calls[1][0].remote_id == two_people.question.remote_id
    # The refused attempt stays on record as it was.
    first.refresh_from_db()
    assert (first.state, first.text) == (ReplyState.FAILED, "Yes, darn it, from 9:00.")
    # It is sent again once only; a sent reply is not sent again.
    with pytest.raises(ValidationError, match="already"):
        services.reply_retry(reply=first, actor=world.responder, text="Once more")
    with pytest.raises(ValidationError, match="Only a reply the platform refused"):
        services.reply_retry(reply=second, actor=world.responder, text="Once more")
    assert Reply.objects.count() == 2


@pytest.mark.django_db
def test_sending_again_is_measured_and_permission_checked(
    world: World,
    two_people: TwoPeople,
    scripted: ScriptedPlatform,
) -> None:
    scripted.outcomes.append(RejectedError("refused"))
    first = services.reply_create(message=two_people.question, actor=world.responder, text="Yes.")
    deliver_reply(first.pk)
    with pytest.raises(ValidationError, match="allows 500"):
        services.reply_retry(reply=first, actor=world.responder, text=LONG)
    with pytest.raises(PermissionDenied):
        services.reply_retry(reply=first, actor=world.viewer, text="Yes!")
    with pytest.raises(PermissionDenied):
        services.reply_create(message=two_people.question, actor=world.viewer, text="Yes!")
    assert Reply.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_reply_never_goes_back_to_the_queue(world: World, two_people: TwoPeople) -> None:
    reply = services.reply_create(message=two_people.question, actor=world.responder, text="Yes.")
    assert move(reply.pk, ReplyState.QUEUED, ReplyState.SENDING)
    assert move(reply.pk, ReplyState.SENDING, ReplyState.FAILED, error="refused")
    with pytest.raises(InvalidTransition):
        move(reply.pk, ReplyState.FAILED, ReplyState.QUEUED)
    # A move from a state the reply has left does nothing.
    assert not move(reply.pk, ReplyState.SENDING, ReplyState.SENT)
    assert deliver_reply(reply.pk) == "not queued"


@pytest.mark.django_db
def test_a_direct_message_is_not_held_to_the_limit_of_a_post(world: World) -> None:
    """The rules describe posts; a direct message's own limit is the platform's to check."""
    message = make_message(channel=world.channel, text="Can I send you my address?", kind="direct")
    reply = services.reply_create(message=message, actor=world.responder, text="y" * 1200)
    assert reply.state == ReplyState.QUEUED
