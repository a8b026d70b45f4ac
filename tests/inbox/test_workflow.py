"""A conversation's workflow: statuses moved only through their table (a new message reopens
a closed one), assignment (assign, "I'm on it", release), the guard against two answers to
the public, and who has a conversation open. Every change a person makes is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone

from civicdesk.connectors.base import (
    InboundPage,
    MessageKind,
    PublishResult,
    RemoteAuthor,
    RemoteMessage,
)
from civicdesk.inbox import services
from civicdesk.inbox.ingest import store_page
from civicdesk.inbox.models import (
    Conversation,
    ConversationStatus,
    InboundMessage,
    MessageStatus,
    Presence,
    Reply,
)
from civicdesk.inbox.state import (
    CONVERSATION_TRANSITIONS,
    InvalidTransition,
    can_move_conversation,
    conversation_move,
)
from civicdesk.inbox.tasks import deliver_reply
from civicdesk.organizations.models import AuditEvent
from tests.factories import World, make_message
from tests.inbox.conftest import ScriptedPlatform, TwoPeople

pytestmark = pytest.mark.django_db
C = ConversationStatus


def _status(conversation: Conversation) -> str:
    return Conversation.objects.values_list("status", flat=True).get(pk=conversation.pk)


def _actions(world: World) -> list[str]:
    return list(
        AuditEvent.objects.filter(organization=world.org, action__startswith="conversation.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_the_table_covers_every_status_and_a_closed_conversation_only_reopens() -> None:
    assert set(CONVERSATION_TRANSITIONS) == set(C.values)
    for targets in CONVERSATION_TRANSITIONS.values():
        assert targets <= set(C.values)
    assert CONVERSATION_TRANSITIONS[C.CLOSED] == {C.OPEN}
    assert not can_move_conversation(C.OPEN, C.NEW)  # nothing goes back to new
    assert all(can_move_conversation(s, C.CLOSED) for s in C.values if s != C.CLOSED)


def test_a_bulk_move_only_moves_rows_the_table_allows(world: World) -> None:
    rows = [make_message(channel=world.channel, text=f"m{n}").conversation for n in range(3)]
    Conversation.objects.filter(pk=rows[0].pk).update(status=C.CLOSED)
    moved = conversation_move([c.pk for c in rows], C.WAITING)
    assert moved == 2  # the closed one must be reopened first
    assert [_status(c) for c in rows] == [C.CLOSED, C.WAITING, C.WAITING]
    with pytest.raises(InvalidTransition):
        conversation_move([rows[0].pk], C.WAITING, sources={C.CLOSED})


def test_closing_marks_new_messages_done_records_the_time_and_is_audited(
    world: World, two_people: TwoPeople
) -> None:
    conversation = two_people.question.conversation
    assert _status(conversation) == C.NEW
    services.conversation_set_status(
        conversation=conversation, actor=world.responder, status=C.CLOSED
    )
    conversation.refresh_from_db()
    assert conversation.status == C.CLOSED and conversation.closed_at is not None
    assert conversation.unread_count == 0
    assert set(conversation.messages.values_list("status", flat=True)) == {MessageStatus.DONE}
    event = AuditEvent.objects.filter(action="conversation.status").get()
    assert event.data == {"from": "new", "status": "closed"} and event.actor == world.responder
    # Closed twice is refused: the table has no such move.
    with pytest.raises(ValidationError):
        services.conversation_set_status(
            conversation=conversation, actor=world.responder, status=C.CLOSED
        )
    with pytest.raises(ValidationError):
        services.conversation_set_status(
            conversation=conversation, actor=world.responder, status=C.WAITING
        )
    services.conversation_set_status(
        conversation=conversation, actor=world.responder, status=C.OPEN
    )
    conversation.refresh_from_db()
    assert conversation.status == C.OPEN and conversation.closed_at is None


def test_only_those_who_answer_move_a_conversation(world: World, two_people: TwoPeople) -> None:
    conversation = two_people.question.conversation
    with pytest.raises(PermissionDenied):
        services.conversation_set_status(
            conversation=conversation, actor=world.viewer, status=C.CLOSED
        )
    with pytest.raises(Http404):
        services.conversation_take(conversation=conversation, actor=world.outsider)
    assert _status(conversation) == C.NEW


def _remote(text: str, *, thread: str, at_minutes_ago: int = 0, rid: str = "") -> RemoteMessage:
    return RemoteMessage(
        remote_id=rid or f"r-{text}",
        kind=MessageKind.COMMENT,
        text=text,
        author=RemoteAuthor(remote_id="p1", handle="resident"),
        created_at=timezone.now() - timedelta(minutes=at_minutes_ago),
        conversation_remote_id=thread,
    )


def test_a_new_message_reopens_a_closed_or_waiting_conversation_not_one_with_an_expert(
    world: World,
) -> None:
    channel = world.channel
    store_page(
        channel,
        InboundPage(
            [
                _remote("first a", thread="A", at_minutes_ago=9),
                _remote("first b", thread="B", at_minutes_ago=9),
                _remote("first c", thread="C", at_minutes_ago=9),
            ],
            next_cursor="1",
        ),
        expected_cursor="",
    )
    a, b, c = (Conversation.objects.get(channel=channel, remote_id=k) for k in "ABC")
    assert {_status(x) for x in (a, b, c)} == {C.NEW}
    services.conversation_set_status(conversation=a, actor=world.responder, status=C.CLOSED)
    services.conversation_set_status(conversation=b, actor=world.responder, status=C.WAITING)
    services.conversation_set_status(conversation=c, actor=world.responder, status=C.EXPERT)
    store_page(
        channel,
        InboundPage(
            [
                _remote("again a", thread="A"),
                _remote("again b", thread="B"),
                _remote("again c", thread="C"),
            ],
            next_cursor="2",
        ),
        expected_cursor="1",
    )
    a.refresh_from_db()
    assert a.status == C.OPEN and a.closed_at is None and a.unread_count == 1
    assert _status(b) == C.OPEN
    assert _status(c) == C.EXPERT


def test_take_release_and_assign(world: World, two_people: TwoPeople) -> None:
    conversation = two_people.question.conversation
    services.conversation_take(conversation=conversation, actor=world.responder)
    conversation.refresh_from_db()
    assert conversation.assigned_to == world.responder and conversation.assigned_at
    assert conversation.status == C.OPEN  # someone is on it: no longer new
    # Taking again is harmless; a colleague cannot take it from under them.
    services.conversation_take(conversation=conversation, actor=world.responder)
    with pytest.raises(ValidationError, match="already on it"):
        services.conversation_take(conversation=conversation, actor=world.manager)
    with pytest.raises(ValidationError):
        services.conversation_release(conversation=conversation, actor=world.manager)
    services.conversation_release(conversation=conversation, actor=world.responder)
    conversation.refresh_from_db()
    assert conversation.assigned_to is None and conversation.assigned_at is None
    # Assigning names someone who may answer on the brand; a viewer may not.
    with pytest.raises(ValidationError):
        services.conversation_assign(
            conversation=conversation, actor=world.manager, assignee=world.viewer
        )
    services.conversation_assign(
        conversation=conversation, actor=world.manager, assignee=world.responder
    )
    services.conversation_assign(conversation=conversation, actor=world.manager, assignee=None)
    assert Conversation.objects.get(pk=conversation.pk).assigned_to is None
    assert _actions(world) == [
        "conversation.take",
        "conversation.take",
        "conversation.release",
        "conversation.assign",
        "conversation.assign",
    ]
    last = AuditEvent.objects.filter(action="conversation.assign").order_by("sequence")
    assert [e.data for e in last] == [
        {"from": "", "to": world.responder.get_username()},
        {"from": world.responder.get_username(), "to": ""},
    ]


def test_a_reply_over_a_colleagues_fresh_answer_is_stopped(
    world: World, two_people: TwoPeople
) -> None:
    """Both opened the conversation with no reply in it (seen 0); the first answer goes,
    the second is stopped and names the first; once read, the second may still go."""
    question = two_people.question
    first = services.reply_create(
        message=question, actor=world.responder, text="Yes, from nine.", seen_reply=0
    )
    with pytest.raises(services.ReplyCollision) as stopped:
        services.reply_create(
            message=question, actor=world.manager, text="Yes, at 9:00.", seen_reply=0
        )
    assert stopped.value.other == first
    assert world.responder.get_username() in stopped.value.messages[0]
    assert Reply.objects.filter(conversation=question.conversation).count() == 1
    # One's own earlier reply never stops a follow-up.
    services.reply_create(
        message=question, actor=world.responder, text="And until six.", seen_reply=0
    )
    # Having seen the colleague's answers, the manager may add to them.
    newest = Reply.objects.filter(conversation=question.conversation).order_by("-pk")[0]
    services.reply_create(
        message=question, actor=world.manager, text="Bring a towel.", seen_reply=newest.pk
    )
    assert Reply.objects.filter(conversation=question.conversation).count() == 3
    # The first to answer holds the conversation.
    assert Conversation.objects.get(pk=question.conversation_id).assigned_to == world.responder


def test_a_refused_reply_does_not_stop_a_colleague(
    world: World, two_people: TwoPeople, scripted: ScriptedPlatform
) -> None:
    from civicdesk.connectors.base import RejectedError

    scripted.outcomes.append(RejectedError("duplicate"))
    refused = services.reply_create(
        message=two_people.question, actor=world.responder, text="Yes.", seen_reply=0
    )
    assert deliver_reply(refused.pk) == "failed"
    services.reply_create(
        message=two_people.question, actor=world.manager, text="Yes, from nine.", seen_reply=0
    )


def test_a_sent_answer_records_the_first_response_and_waits_on_the_public(
    world: World, two_people: TwoPeople, scripted: ScriptedPlatform
) -> None:
    scripted.outcomes += [PublishResult(remote_id="r1"), PublishResult(remote_id="r2")]
    conversation = two_people.question.conversation
    before = timezone.now()
    reply = services.reply_create(message=two_people.question, actor=world.responder, text="Yes.")
    assert _status(conversation) == C.OPEN  # queued, not yet with the public
    assert deliver_reply(reply.pk) == "sent"
    conversation.refresh_from_db()
    assert conversation.status == C.WAITING
    first = conversation.first_response_at
    assert first is not None and before <= first <= timezone.now()
    second = services.reply_create(
        message=two_people.bystander, actor=world.responder, text="Thanks!"
    )
    assert deliver_reply(second.pk) == "sent"
    conversation.refresh_from_db()
    assert conversation.first_response_at == first  # the first answer counts


def test_presence_names_the_others_and_who_is_writing(world: World, two_people: TwoPeople) -> None:
    conversation = two_people.question.conversation
    services.presence_touch(conversation=conversation, actor=world.responder, writing=True)
    services.presence_touch(conversation=conversation, actor=world.viewer, writing=False)
    services.presence_touch(conversation=conversation, actor=world.manager, writing=False)
    Presence.objects.filter(user=world.viewer).update(
        seen_at=timezone.now() - timedelta(seconds=services.PRESENCE_SECONDS + 1)
    )
    others = services.presence_others(conversation=conversation, actor=world.manager)
    assert [(p.user, p.writing) for p in others] == [(world.responder, True)]
    with pytest.raises(Http404):
        services.presence_touch(conversation=conversation, actor=world.outsider, writing=False)


# The pages.


def test_the_page_offers_take_then_release_and_shows_the_holder(
    client: Client, world: World, two_people: TwoPeople
) -> None:
    pk = two_people.question.conversation_id
    client.force_login(world.responder)
    page = client.get(f"/inbox/c/{pk}/").content.decode()
    assert "I'm on it" in page and "Nobody is on it yet" in page
    response = client.post(f"/inbox/c/{pk}/take/", follow=True)
    page = response.content.decode()
    assert f"{world.responder.get_username()} is on it" in page
    assert "Release" in page
    client.post(f"/inbox/c/{pk}/release/")
    assert Conversation.objects.get(pk=pk).assigned_to is None
    client.post(f"/inbox/c/{pk}/assign/", {"assignee": world.manager.pk})
    assert Conversation.objects.get(pk=pk).assigned_to == world.manager
    # Someone who cannot answer on the brand is not offered, and not accepted.
    client.post(f"/inbox/c/{pk}/assign/", {"assignee": world.viewer.pk})
    assert Conversation.objects.get(pk=pk).assigned_to == world.manager
    client.post(f"/inbox/c/{pk}/status/", {"status": C.EXPERT})
    assert _status(two_people.question.conversation) == C.EXPERT


@pytest.mark.parametrize("action", ["take", "release", "assign", "status"])
def test_workflow_actions_refuse_viewers_and_hide_from_outsiders(
    client: Client, world: World, two_people: TwoPeople, action: str
) -> None:
    pk = two_people.question.conversation_id
    client.force_login(world.viewer)
    assert client.post(f"/inbox/c/{pk}/{action}/", {"status": "closed"}).status_code == 403
    client.force_login(world.outsider)
    assert client.post(f"/inbox/c/{pk}/{action}/", {"status": "closed"}).status_code == 404
    conversation = Conversation.objects.get(pk=pk)
    assert conversation.status == C.NEW and conversation.assigned_to is None


def test_the_composer_carries_what_it_saw_and_a_collision_shows_the_other_reply(
    client: Client, world: World, two_people: TwoPeople
) -> None:
    pk = two_people.question.conversation_id
    client.force_login(world.manager)
    page = client.get(f"/inbox/c/{pk}/").content.decode()
    assert 'name="seen" value="0"' in page
    # Meanwhile, the responder answers.
    other = services.reply_create(
        message=two_people.question, actor=world.responder, text="Open 9 to 6.", seen_reply=0
    )
    response = client.post(
        f"/inbox/c/{pk}/reply/",
        {"message": two_people.question.pk, "text": "Yes it is.", "seen": "0"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "already answered" in page and "Open 9 to 6." in page
    assert "Yes it is." in page  # the text is kept
    assert f'name="seen" value="{other.pk}"' in page  # having read it, sending again works
    assert Reply.objects.filter(conversation_id=pk).count() == 1
    response = client.post(
        f"/inbox/c/{pk}/reply/",
        {"message": two_people.question.pk, "text": "Yes it is.", "seen": str(other.pk)},
    )
    assert response.status_code == 302
    assert Reply.objects.filter(conversation_id=pk).count() == 2


def test_the_presence_poll_says_who_is_writing(
    client: Client, world: World, two_people: TwoPeople
) -> None:
    pk = two_people.question.conversation_id
    client.force_login(world.responder)
    client.post(f"/inbox/c/{pk}/presence/", {"text": "Yes, the pool"})
    client.force_login(world.manager)
    page = client.post(f"/inbox/c/{pk}/presence/", {"text": ""}).content.decode()
    assert f"{world.responder.get_username()} is writing a reply" in page
    client.force_login(world.responder)
    page = client.post(f"/inbox/c/{pk}/presence/").content.decode()
    assert f"{world.manager.get_username()} is reading this conversation" in page
    client.force_login(world.outsider)
    assert client.post(f"/inbox/c/{pk}/presence/").status_code == 404
    assert not InboundMessage.objects.filter(status=MessageStatus.REPLIED).exists()


def test_the_inbox_filters_by_assignee_and_area(client: Client, world: World) -> None:
    mine = make_message(channel=world.channel, text="Mine to answer")
    theirs = make_message(channel=world.channel, text="Held by the manager")
    free = make_message(channel=world.channel, text="Free for anyone")
    services.conversation_take(conversation=mine.conversation, actor=world.responder)
    services.conversation_take(conversation=theirs.conversation, actor=world.manager)
    Conversation.objects.filter(pk=free.conversation_id).update(business_area="Roads")
    client.force_login(world.responder)

    def shown(query: str) -> set[str]:
        page = client.get(f"/inbox/?{query}").content.decode()
        return {m.text for m in (mine, theirs, free) if m.text in page}

    assert shown("assignee=me") == {"Mine to answer"}
    assert shown("assignee=nobody") == {"Free for anyone"}
    assert shown(f"assignee={world.manager.pk}") == {"Held by the manager"}
    assert shown("area=Roads") == {"Free for anyone"}
    assert shown("assignee=somebody") == {
        "Mine to answer",
        "Held by the manager",
        "Free for anyone",
    }
