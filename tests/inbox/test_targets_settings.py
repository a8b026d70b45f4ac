"""The settings behind the response-time clock: targets, business hours and holidays are the
organization admins' to change, each change is audited and moves the due time of the
conversations still waiting, and the screen works for admins only."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from civicdesk.inbox import targets
from civicdesk.inbox.models import BusinessHours, Conversation, Holiday, ResponseTarget
from civicdesk.organizations.models import AuditEvent
from tests.factories import World, make_message, make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("09:00-17:00", [(time(9), time(17))]),
        ("13:30-17:00, 9:00-12:00", [(time(9), time(12)), (time(13, 30), time(17))]),
        ("08:00 – 12:00; 14:00-18:30", [(time(8), time(12)), (time(14), time(18, 30))]),
    ],
)
def test_a_days_hours_are_read_from_one_line(text: str, expected: list) -> None:
    assert targets.parse_intervals(text) == expected
    assert targets.parse_intervals(targets.format_intervals(expected)) == expected


@pytest.mark.parametrize(
    "text", ["9 to 5", "17:00-09:00", "09:00-25:00", "09:00-12:00, 11:00-14:00", "09:00-09:00"]
)
def test_unreadable_or_impossible_hours_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        targets.parse_intervals(text)


def test_targets_hours_and_holidays_are_the_admins_audited_and_move_due_times(
    world: World,
) -> None:
    # Sent on a Monday at 10:00 in Paris, still waiting for an answer.
    monday = timezone.make_aware(timezone.datetime(2026, 6, 8, 10, 0), world.org.tz)
    message = make_message(channel=world.channel, text="Pothole?", sent_at=monday)
    conversation = message.conversation

    def due() -> object:
        return Conversation.objects.get(pk=conversation.pk).due_at

    with pytest.raises(PermissionDenied):
        targets.target_save(
            organization=world.org, target=ResponseTarget(minutes=60), actor=world.manager
        )
    # Around the clock: an hour later, whatever the hours.
    target = targets.target_save(
        organization=world.org,
        target=ResponseTarget(minutes=60, business_hours=False),
        actor=world.admin,
    )
    assert due() == monday + timedelta(hours=1)
    with pytest.raises(ValidationError):
        targets.target_save(
            organization=world.org, target=ResponseTarget(minutes=30), actor=world.admin
        )
    # In business hours, open 14:00-18:00 on Mondays: 14:00 + 60 minutes.
    target.business_hours = True
    targets.target_save(organization=world.org, target=target, actor=world.admin)
    targets.hours_set(
        organization=world.org,
        week={0: [(time(14), time(18))], 1: [(time(9), time(17))]},
        actor=world.admin,
    )
    assert BusinessHours.objects.filter(organization=world.org).count() == 2
    assert due() == monday.replace(hour=15)
    # Monday a holiday: Tuesday 10:00.
    holiday = targets.holiday_add(
        organization=world.org, day=date(2026, 6, 8), name="Whit Monday", actor=world.admin
    )
    assert due() == monday.replace(hour=10) + timedelta(days=1)
    with pytest.raises(ValidationError):
        targets.holiday_add(
            organization=world.org, day=date(2026, 6, 8), name="Again", actor=world.admin
        )
    targets.holiday_remove(holiday=holiday, actor=world.admin)
    assert due() == monday.replace(hour=15)
    targets.target_delete(target=target, actor=world.admin)
    assert due() is None
    assert list(
        AuditEvent.objects.filter(organization=world.org)
        .exclude(action__startswith="organization.")
        .exclude(action__startswith="membership.")
        .exclude(action__startswith="brand.")
        .exclude(action__startswith="channel.")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "response_target.create",
        "response_target.update",
        "business_hours.update",
        "holiday.create",
        "holiday.delete",
        "response_target.delete",
    ]


def test_a_target_names_only_its_organizations_brands(world: World) -> None:
    elsewhere = make_world(prefix="t")
    with pytest.raises(ValidationError):
        targets.target_save(
            organization=world.org,
            target=ResponseTarget(brand=elsewhere.brand, minutes=10),
            actor=world.admin,
        )


def test_the_response_times_screen(client: Client, world: World) -> None:
    url = f"/settings/{world.org.pk}/response-times/"
    client.force_login(world.admin)
    page = client.get(url).content.decode()
    assert "Response times" in page and "Business hours" in page and "Public holidays" in page
    response = client.post(url, {"brand": world.brand.pk, "category": "emergency", "minutes": "15"})
    assert response.status_code == 302
    target = ResponseTarget.objects.get(organization=world.org)
    assert (target.brand, target.category, target.minutes, target.business_hours) == (
        world.brand,
        "emergency",
        15,
        False,
    )
    client.post(
        f"{url}{target.pk}/",
        {"brand": world.brand.pk, "category": "emergency", "minutes": "20", "business_hours": "on"},
    )
    target.refresh_from_db()
    assert (target.minutes, target.business_hours) == (20, True)
    # A second target for the same brand and kind is refused, with the reason shown.
    page = client.post(
        url, {"brand": world.brand.pk, "category": "emergency", "minutes": "5"}, follow=True
    ).content.decode()
    assert "There is already a target for this brand and kind." in page
    assert ResponseTarget.objects.count() == 1

    hours_url = f"/settings/{world.org.pk}/business-hours/"
    week = {f"day{d}": "09:00-12:00, 13:30-17:00" for d in range(5)}
    assert client.post(hours_url, week).status_code == 302
    assert BusinessHours.objects.filter(organization=world.org).count() == 10
    page = client.get(url).content.decode()
    assert 'value="09:00-12:00, 13:30-17:00"' in page
    # A day that cannot be read is refused, nothing changed, the reason beside it.
    page = client.post(hours_url, {**week, "day5": "all day"}).content.decode()
    assert "is not an interval such as 09:00-17:00" in page
    assert BusinessHours.objects.filter(organization=world.org).count() == 10

    holidays_url = f"/settings/{world.org.pk}/holidays/"
    client.post(holidays_url, {"day": "2026-12-25", "name": "Christmas"})
    holiday = Holiday.objects.get(organization=world.org)
    assert "Christmas" in client.get(url).content.decode()
    client.post(f"{holidays_url}{holiday.pk}/delete/")
    assert not Holiday.objects.exists()
    client.post(f"{url}{target.pk}/delete/")
    assert not ResponseTarget.objects.exists()

    client.force_login(world.manager)
    assert client.get(url).status_code == 403
    assert client.post(hours_url, week).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
