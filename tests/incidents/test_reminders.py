"""The cadence reminder: in the room and by mail through a real SMTP server, once per due."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from civicdesk.incidents.models import IncidentReminder
from civicdesk.incidents.reminders import sweep_due_updates
from tests.factories import World
from tests.incidents.conftest import declare
from tests.mail import Mailbox, body

pytestmark = pytest.mark.django_db(transaction=True)


def test_due_update_reminds_the_people_on_duty_once(world: World, smtp: Mailbox) -> None:
    world.responder.email = "responder@city.example"
    world.responder.save(update_fields=["email"])
    world.approver.email = "approver@city.example"
    world.approver.save(update_fields=["email"])
    incident = declare(world)
    assert sweep_due_updates() == 0  # not due yet
    later = timezone.now() + timedelta(minutes=31)
    assert sweep_due_updates(now=later) == 1
    assert sweep_due_updates(now=later) == 0  # once per due time
    assert smtp.arrived.wait(10)
    message = smtp.messages[0]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "Update due: Rhône flood"
    assert {a.strip() for a in message["To"].split(",")} == {
        "responder@city.example",
        "approver@city.example",
    }
    assert f"/incidents/{incident.pk}/" in body(message)
    reminder = IncidentReminder.objects.get()
    assert reminder.due_at == incident.next_update_due_at
