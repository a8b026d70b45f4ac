"""The resolution target and the times recorded for the reports: a conversation must be
closed within its target's resolution minutes (business hours, holidays and daylight-saving
changes counted as for the first answer); a missed one is alerted once, in the app and by
mail; the first-response and resolution times are written when they happen, on the clock
and in business hours, cleared by a reopen, and shown on the conversation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from civicdesk.inbox import bulk, services, sla, targets
from civicdesk.inbox.models import (
    BusinessHours,
    Conversation,
    ConversationStatus,
    Holiday,
    Notification,
    ResponseTarget,
)
from civicdesk.inbox.tasks import mark_replied
from tests.factories import World, make_message
from tests.mail import Mailbox, body

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def _office(world: World) -> None:
    BusinessHours.objects.bulk_create(
        BusinessHours(organization=world.org, weekday=d, opens=time(9), closes=time(17))
        for d in range(5)
    )


def _reply(world: World, conversation_id: int, at: datetime) -> None:
    message = Conversation.objects.get(pk=conversation_id).messages.first()
    assert message is not None
    reply = services.reply_create(message=message, actor=world.responder, text="On it.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("civicdesk.inbox.tasks.timezone.now", lambda: at)
        mark_replied(reply)


def _close(world: World, conversation_id: int, at: datetime) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("civicdesk.inbox.services.timezone.now", lambda: at)
        services.conversation_set_status(
            conversation=Conversation.objects.get(pk=conversation_id),
            actor=world.responder,
            status=ConversationStatus.CLOSED,
        )


def test_the_resolution_clock_counts_business_hours_and_skips_a_holiday(world: World) -> None:
    _office(world)
    Holiday.objects.create(organization=world.org, day=date(2026, 6, 4), name="A holiday")
    targets.target_save(
        organization=world.org,
        target=ResponseTarget(minutes=60, resolution_minutes=16 * 60),
        actor=world.admin,
    )
    # Wednesday 16:00: one open hour on Wednesday, none on Thursday (the holiday), eight on
    # Friday, the last seven on Monday.
    message = make_message(
        channel=world.channel, text="Bin not collected", sent_at=paris(2026, 6, 3, 16, 0)
    )
    sla.set_due_for_messages([message.pk])
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.due_at == paris(2026, 6, 3, 17, 0)
    assert conversation.resolve_by == paris(2026, 6, 8, 16, 0)
    # Answered, the first-answer clock stops; the resolution clock runs on until the close.
    _reply(world, conversation.pk, paris(2026, 6, 5, 9, 30))
    sla.set_due([conversation.pk])
    conversation.refresh_from_db()
    assert conversation.resolve_by == paris(2026, 6, 8, 16, 0)
    assert conversation.first_response_time == timedelta(days=1, hours=17, minutes=30)
    assert conversation.first_response_business_time == timedelta(hours=1, minutes=30)
    assert conversation.resolution_time is None


def test_times_are_recorded_across_a_daylight_saving_change(world: World) -> None:
    _office(world)
    # Friday 23 October 2026 16:00 summer time; the clocks go back on Sunday the 25th.
    sent = paris(2026, 10, 23, 16, 0)
    message = make_message(channel=world.channel, text="Street light out", sent_at=sent)
    conversation_id = message.conversation_id
    _reply(world, conversation_id, paris(2026, 10, 24, 10, 0))  # Saturday: closed
    _close(world, conversation_id, paris(2026, 10, 26, 10, 0))  # Monday, winter time
    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.first_response_time == timedelta(hours=18)
    assert conversation.first_response_business_time == timedelta(hours=1)
    # 66 hours on the wall clock, 67 real ones: the night of the change has 25.
    assert conversation.resolution_time == timedelta(hours=67)
    assert conversation.resolution_business_time == timedelta(hours=2)
    # Reopened, it is not resolved any more; closed again, counted to the new close.
    services.conversation_set_status(
        conversation=conversation, actor=world.responder, status=ConversationStatus.OPEN
    )
    conversation.refresh_from_db()
    assert conversation.closed_at is None and conversation.resolution_time is None
    assert conversation.first_response_time == timedelta(hours=18)
    _close(world, conversation_id, paris(2026, 10, 27, 9, 0))
    conversation.refresh_from_db()
    assert conversation.resolution_business_time == timedelta(hours=9)


def test_a_bulk_close_records_the_resolution_time_too(world: World) -> None:
    sent = timezone.now() - timedelta(hours=3)
    message = make_message(channel=world.channel, text="Noise at night", sent_at=sent)
    bulk.conversations_bulk(
        conversation_ids=[message.conversation_id],
        action=bulk.BulkAction.CLOSE,
        actor=world.responder,
    )
    conversation = Conversation.objects.get(pk=message.conversation_id)
    # No business hours set: the organization counts around the clock.
    assert conversation.resolution_time == conversation.resolution_business_time
    assert timedelta(hours=3) <= conversation.resolution_time < timedelta(hours=3, minutes=1)


def test_a_missed_resolution_target_is_alerted_once(
    world: World, smtp: Mailbox, settings: Any
) -> None:
    settings.SITE_URL = "https://desk.example.org"
    world.admin.email = "admin@example.org"
    world.admin.save(update_fields=["email"])
    targets.target_save(
        organization=world.org,
        target=ResponseTarget(minutes=30, resolution_minutes=120, business_hours=False),
        actor=world.admin,
    )
    now = timezone.now()
    open_one = make_message(
        channel=world.channel, text="Still broken", sent_at=now - timedelta(hours=3)
    )
    closed = make_message(channel=world.channel, text="Fixed", sent_at=now - timedelta(hours=3))
    sla.set_due_for_messages([open_one.pk, closed.pk])
    _reply(world, open_one.conversation_id, now - timedelta(hours=2, minutes=45))
    _reply(world, closed.conversation_id, now - timedelta(hours=2, minutes=45))
    _close(world, closed.conversation_id, now - timedelta(hours=2))
    with TestCase.captureOnCommitCallbacks(execute=True):
        # Answered within 15 minutes: only the resolution target is missed, for one of them.
        assert sla.sweep_breaches(now=now) == 1
    assert smtp.arrived.wait(10)
    [mail] = smtp.messages
    assert "Resolution target missed" in mail["Subject"]
    assert f"/inbox/c/{open_one.conversation_id}/" in body(mail)
    alerts = Notification.objects.filter(kind="resolution")
    # No area: the organization's leads hear of it.
    assert {(a.conversation_id, a.user_id) for a in alerts} == {
        (open_one.conversation_id, world.admin.pk),
        (open_one.conversation_id, world.manager.pk),
    }
    assert not Notification.objects.filter(kind="breach").exists()
    assert sla.sweep_breaches(now=now + timedelta(minutes=5)) == 0


def test_targets_screen_sets_a_resolution_target_and_the_conversation_shows_the_times(
    client: Client, world: World
) -> None:
    with pytest.raises(ValidationError, match="Resolving cannot take less"):
        targets.target_save(
            organization=world.org,
            target=ResponseTarget(minutes=60, resolution_minutes=30),
            actor=world.admin,
        )
    client.force_login(world.admin)
    answer = client.post(
        f"/settings/{world.org.pk}/response-times/",
        {"minutes": "60", "resolution_minutes": "2400", "business_hours": "on"},
        follow=True,
    )
    assert ResponseTarget.objects.get().resolution_minutes == 2400
    assert "resolved within 2400 minutes" in answer.content.decode()
    sent = timezone.now() - timedelta(hours=2)
    message = make_message(channel=world.channel, text="Where is my permit?", sent_at=sent)
    sla.set_due_for_messages([message.pk])
    page = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "First answer due" in page and "To be resolved by" in page
    _reply(world, message.conversation_id, sent + timedelta(minutes=45))
    _close(world, message.conversation_id, sent + timedelta(hours=1, minutes=30))
    page = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "First answer after 45 minutes (45 minutes in business hours)" in page
    assert "Resolved after 1 hour 30 minutes (1 hour 30 minutes in business hours)" in page


def test_the_inbox_counts_down_to_the_resolution_once_answered(
    client: Client, world: World
) -> None:
    now = timezone.now()
    message = make_message(channel=world.channel, text="Permit", sent_at=now - timedelta(hours=1))
    waiting = make_message(channel=world.channel, text="Late one", sent_at=now - timedelta(hours=5))
    Conversation.objects.filter(pk=message.conversation_id).update(
        first_response_at=now - timedelta(minutes=30),
        resolve_by=now + timedelta(hours=3, minutes=1),
    )
    Conversation.objects.filter(pk=waiting.conversation_id).update(
        first_response_at=now - timedelta(hours=4), resolve_by=now - timedelta(hours=2, seconds=5)
    )
    client.force_login(world.responder)
    page = client.get("/inbox/").content.decode().replace("\xa0", " ")
    assert "3 hours left to resolve" in page
    assert "resolution late by 2 hours" in page


def test_times_of_conversations_answered_before_they_were_recorded_are_written(
    world: World,
) -> None:
    sent = timezone.now() - timedelta(hours=2)
    answered = make_message(channel=world.channel, text="Old question", sent_at=sent)
    untouched = make_message(channel=world.channel, text="Still waiting", sent_at=sent)
    # As an older version left them: the moments, without the times.
    Conversation.objects.filter(pk=answered.conversation_id).update(
        first_response_at=sent + timedelta(minutes=20), closed_at=sent + timedelta(hours=1)
    )
    out = StringIO()
    call_command("record_response_times", "--batch", "1", stdout=out)
    assert "for 1 conversations" in out.getvalue()
    conversation = Conversation.objects.get(pk=answered.conversation_id)
    assert conversation.first_response_time == timedelta(minutes=20)
    assert conversation.resolution_time == timedelta(hours=1)
    assert Conversation.objects.get(pk=untouched.conversation_id).first_response_time is None
    call_command("record_response_times", stdout=out)  # again: nothing changes
    assert "for 0 conversations" in out.getvalue()
