"""Response-time targets: the clock counts the organization's business hours on its own wall
clock (edges, holidays, daylight-saving changes), the most specific target fits, each
conversation knows when it is due, and a missed target is alerted once, in the app and by
mail to the area's leads through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from django.utils import timezone

from civicdesk.inbox import services, sla
from civicdesk.inbox.models import (
    BusinessHours,
    Conversation,
    Holiday,
    Notification,
    ResponseTarget,
)
from civicdesk.inbox.tasks import mark_replied
from civicdesk.organizations.models import BusinessArea
from tests.factories import World, make_message
from tests.mail import Mailbox, body

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = {d: [(time(9), time(17))] for d in range(5)}  # Monday to Friday, 9 to 5
CAL = sla.Calendar(tz=PARIS, hours=WEEKDAYS)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Inside the day.
        (paris(2026, 6, 3, 10, 0), 60, paris(2026, 6, 3, 11, 0)),
        # Exactly at closing: the last minute of the day is enough.
        (paris(2026, 6, 3, 16, 0), 60, paris(2026, 6, 3, 17, 0)),
        # Across the close: the rest tomorrow morning.
        (paris(2026, 6, 3, 16, 30), 60, paris(2026, 6, 4, 9, 30)),
        # Before opening: the clock starts at nine.
        (paris(2026, 6, 3, 7, 0), 30, paris(2026, 6, 3, 9, 30)),
        # After closing on Friday: Monday.
        (paris(2026, 6, 5, 18, 0), 240, paris(2026, 6, 8, 13, 0)),
        # Four working hours from Friday 15:00: two on Friday, two on Monday.
        (paris(2026, 6, 5, 15, 0), 240, paris(2026, 6, 8, 11, 0)),
        # A weekend start.
        (paris(2026, 6, 6, 12, 0), 10, paris(2026, 6, 8, 9, 10)),
    ],
)
def test_business_time_across_the_edges_of_the_day_and_week(
    start: datetime, minutes: int, expected: datetime
) -> None:
    due = sla.add_business_time(start, timedelta(minutes=minutes), CAL)
    assert due == expected
    assert sla.business_time_between(start, due, CAL) == timedelta(minutes=minutes)


def test_holidays_have_no_business_hours() -> None:
    # Thursday 14 May 2026 (Ascension) and Friday 15 May off: Wednesday 16:00 + 2 h is Monday.
    calendar = sla.Calendar(
        tz=PARIS, hours=WEEKDAYS, holidays=frozenset({date(2026, 5, 14), date(2026, 5, 15)})
    )
    due = sla.add_business_time(paris(2026, 5, 13, 16, 0), timedelta(hours=2), calendar)
    assert due == paris(2026, 5, 18, 10, 0)


def test_the_spring_change_moves_nothing_on_the_wall_clock() -> None:
    # Paris goes from UTC+1 to UTC+2 on Sunday 29 March 2026.
    start = paris(2026, 3, 27, 16, 0)  # Friday, UTC+1
    due = sla.add_business_time(start, timedelta(hours=2), CAL)
    assert due == paris(2026, 3, 30, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert start.astimezone(UTC) == datetime(2026, 3, 27, 15, 0, tzinfo=UTC)


def test_the_autumn_change_during_open_hours_counts_real_hours() -> None:
    # Open every day 00:00-12:00; on Sunday 25 October 2026 03:00 becomes 02:00 again,
    # so that morning holds 13 real hours.
    every_morning = {d: [(time(0), time(12))] for d in range(7)}
    calendar = sla.Calendar(tz=PARIS, hours=every_morning)
    start = paris(2026, 10, 25, 0, 0)
    assert sla.business_time_between(start, paris(2026, 10, 25, 12, 0), calendar) == timedelta(
        hours=13
    )
    due = sla.add_business_time(start, timedelta(hours=4), calendar)
    # Four real hours after midnight (UTC+2) is 03:00 in UTC+1, the second time round.
    assert due.astimezone(UTC) == datetime(2026, 10, 24, 22, 0, tzinfo=UTC) + timedelta(hours=4)
    # An around-the-clock target is plain elapsed time, whatever the wall clock does.
    target = ResponseTarget(minutes=15, business_hours=False)
    since = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)  # 02:50 CEST, just before the change
    assert sla.due_at(since=since, target=target, calendar=calendar) == since + timedelta(
        minutes=15
    )


def test_a_calendar_without_hours_is_refused() -> None:
    with pytest.raises(ValueError):
        sla.add_business_time(
            paris(2026, 1, 1), timedelta(minutes=1), sla.Calendar(tz=PARIS, hours={})
        )


def test_the_most_specific_target_fits() -> None:
    default = ResponseTarget(pk=1, minutes=600)
    complaints = ResponseTarget(pk=2, category="complaint", minutes=240)
    brand = ResponseTarget(pk=3, brand_id=7, minutes=120)
    brand_emergencies = ResponseTarget(pk=4, brand_id=7, category="emergency", minutes=15)
    targets = [default, complaints, brand, brand_emergencies]
    assert sla.target_for(targets, brand_id=7, category="emergency") is brand_emergencies
    assert sla.target_for(targets, brand_id=7, category="complaint") is brand
    assert sla.target_for(targets, brand_id=8, category="complaint") is complaints
    assert sla.target_for(targets, brand_id=8, category="question") is default
    assert sla.target_for([complaints], brand_id=8, category="question") is None


def _office(world: World) -> None:
    for weekday in range(5):
        BusinessHours.objects.create(
            organization=world.org, weekday=weekday, opens=time(9), closes=time(17)
        )


@pytest.mark.django_db
def test_each_conversation_is_due_by_its_target_and_a_correction_moves_it(world: World) -> None:
    _office(world)
    Holiday.objects.create(organization=world.org, day=date(2026, 6, 4), name="A holiday")
    ResponseTarget.objects.create(organization=world.org, category="complaint", minutes=240)
    ResponseTarget.objects.create(
        organization=world.org,
        brand=world.brand,
        category="emergency",
        minutes=15,
        business_hours=False,
    )
    sent = paris(2026, 6, 3, 16, 0)  # Wednesday; Thursday is the holiday
    complaint = make_message(
        channel=world.channel, text="Late again", category="complaint", sent_at=sent
    )
    question = make_message(channel=world.channel, text="When?", category="question", sent_at=sent)
    assert sla.set_due_for_messages([complaint.pk, question.pk]) == 1
    assert Conversation.objects.get(pk=complaint.conversation_id).due_at == paris(2026, 6, 5, 12, 0)
    assert Conversation.objects.get(pk=question.conversation_id).due_at is None
    services.message_correct(
        message=question, actor=world.responder, field="category", value="emergency"
    )
    assert Conversation.objects.get(pk=question.conversation_id).due_at == sent + timedelta(
        minutes=15
    )


@pytest.mark.django_db
def test_a_breach_is_alerted_once_in_the_app_and_by_mail_to_the_areas_leads(
    world: World, smtp: Mailbox, settings: Any
) -> None:
    settings.SITE_URL = "https://desk.example.org"
    roads = BusinessArea.objects.create(organization=world.org, name="Roads")
    roads.members.add(world.manager)
    world.manager.email = "lead@example.org"
    world.manager.save(update_fields=["email"])
    world.admin.email = "admin@example.org"
    world.admin.save(update_fields=["email"])
    now = timezone.now()
    late = make_message(channel=world.channel, text="Pothole!", sent_at=now - timedelta(hours=1))
    answered = make_message(channel=world.channel, text="Also", sent_at=now - timedelta(hours=1))
    unrouted = make_message(channel=world.channel, text="Hm", sent_at=now - timedelta(hours=1))
    Conversation.objects.filter(pk=late.conversation_id).update(
        due_at=now - timedelta(minutes=1), business_area="Roads"
    )
    Conversation.objects.filter(pk=answered.conversation_id).update(
        due_at=now - timedelta(minutes=1), first_response_at=now - timedelta(minutes=30)
    )
    Conversation.objects.filter(pk=unrouted.conversation_id).update(
        due_at=now + timedelta(minutes=5)
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sla.sweep_breaches(now=now) == 1
    assert smtp.arrived.wait(10)
    [mail] = smtp.messages
    assert mail["To"] == "lead@example.org"  # the area's lead, not every admin
    assert world.brand.name in mail["Subject"]
    assert f"https://desk.example.org/inbox/c/{late.conversation_id}/" in body(mail)
    [alert] = Notification.objects.filter(kind="breach")
    assert alert.user == world.manager and alert.conversation_id == late.conversation_id
    # Swept again (another worker, a minute later): nothing new.
    assert sla.sweep_breaches(now=now + timedelta(minutes=1)) == 0
    assert Notification.objects.filter(kind="breach").count() == 1
    # Without an area, the organization's leads hear of it.
    assert sla.sweep_breaches(now=now + timedelta(minutes=6)) == 1
    assert set(
        Notification.objects.filter(conversation_id=unrouted.conversation_id).values_list(
            "user", flat=True
        )
    ) == {world.admin.pk, world.manager.pk}


@pytest.mark.django_db
def test_the_first_answer_stops_the_clock_and_is_recorded(world: World) -> None:
    sent = timezone.now() - timedelta(minutes=20)
    message = make_message(channel=world.channel, text="Open?", sent_at=sent)
    ResponseTarget.objects.create(organization=world.org, minutes=15, business_hours=False)
    sla.set_due_for_messages([message.pk])
    reply = services.reply_create(message=message, actor=world.responder, text="Yes.")
    mark_replied(reply)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.first_response_at is not None
    assert timedelta(minutes=20) <= conversation.first_response_at - sent < timedelta(minutes=21)
    assert sla.sweep_breaches() == 0  # answered, though after its target


@pytest.mark.django_db
def test_the_inbox_counts_down_and_sorts_by_time_left(client: Any, world: World) -> None:
    now = timezone.now()
    soon = make_message(channel=world.channel, text="Soon", sent_at=now - timedelta(hours=3))
    late = make_message(channel=world.channel, text="Late", sent_at=now - timedelta(hours=2))
    make_message(channel=world.channel, text="No target", sent_at=now)
    Conversation.objects.filter(pk=soon.conversation_id).update(
        due_at=now + timedelta(hours=2, minutes=1)
    )
    Conversation.objects.filter(pk=late.conversation_id).update(
        due_at=now - timedelta(minutes=30, seconds=5)
    )
    client.force_login(world.responder)
    page = client.get("/inbox/").content.decode()
    assert "2\xa0hours left" in page or "2 hours left" in page
    assert "late by 30\xa0minutes" in page or "late by 30 minutes" in page
    assert page.index("No target") < page.index("Late") < page.index("Soon")
    page = client.get("/inbox/?sort=due").content.decode()
    assert page.index("Late") < page.index("Soon") and "No target" not in page
