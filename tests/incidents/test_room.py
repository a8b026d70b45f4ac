"""The incident screens: who reaches them, what the room shows, and the actions from it."""

from __future__ import annotations

import pytest
from django.test import Client

from civicdesk.incidents.models import Incident, IncidentUpdate
from civicdesk.organizations.models import AuditEvent
from tests.factories import PASSWORD, World, make_message
from tests.incidents.conftest import approved_template, declare

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)  # type: ignore[attr-defined]
    return client


def test_declare_from_the_screen(world: World) -> None:
    client = client_for(world.manager)
    page = client.get("/incidents/")
    assert page.status_code == 200
    assert b"Declare an incident" in page.content
    answer = client.post(
        "/incidents/",
        {
            "name": "Bridge closed",
            "kind": "road_closure",
            "severity": "major",
            "area": "Pont Wilson",
            "brands": [world.brand.pk],
            "languages": ["en", "fr"],
            "duty_approver": world.approver.pk,
            "on_duty": [world.responder.pk],
            "cadence_minutes": 30,
        },
    )
    incident = Incident.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/incidents/{incident.pk}/"
    assert AuditEvent.objects.filter(action="incident.declare", actor=world.manager).exists()


def test_who_reaches_the_room(world: World) -> None:
    incident = declare(world)
    assert client_for(world.outsider).get(f"/incidents/{incident.pk}/").status_code == 404
    assert client_for(world.other_member).get(f"/incidents/{incident.pk}/").status_code == 404
    assert client_for(world.viewer).get(f"/incidents/{incident.pk}/").status_code == 200
    # A viewer sees the list but cannot declare, update or close.
    viewer = client_for(world.viewer)
    assert b"Declare an incident" not in viewer.get("/incidents/").content
    viewer.post(f"/incidents/{incident.pk}/close/")
    incident.refresh_from_db()
    assert incident.is_open
    assert b"Incidents" in viewer.get("/").content  # in the menu


def test_room_ranks_the_inbox_and_shows_each_channels_state(world: World) -> None:
    incident = declare(world)
    make_message(channel=world.channel, text="When does the bridge reopen?", urgency="low")
    urgent = make_message(
        channel=world.channel2,
        text="Water is coming into our house, we need help",
        category="help_request",
        urgency="high",
    )
    urgent.urgency_reasons = ["incident: affected individuals"]
    urgent.save(update_fields=["urgency_reasons"])
    make_message(channel=world.other_channel, text="Out of scope", urgency="critical")
    template = approved_template(world)
    client = client_for(world.manager)
    answer = client.post(
        f"/incidents/{incident.pk}/update/",
        {
            "channels": [world.channel.pk, world.channel2.pk],
            "template": template.pk,
            "road": "Pont Wilson",
            "time": "18:30",
            "link": "https://lyon.example/detours",
        },
    )
    assert answer.status_code == 302
    assert IncidentUpdate.objects.get().approval == "template"
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert page.index("Water is coming") < page.index("When does the bridge reopen?")
    assert "affected individuals" in page
    assert "Out of scope" not in page
    assert page.count('class="state-scheduled"') == 4  # two channels × two languages
    assert "Next update due" in page


def test_close_from_the_room(world: World) -> None:
    incident = declare(world)
    answer = client_for(world.manager).post(f"/incidents/{incident.pk}/close/")
    assert answer.status_code == 302
    incident.refresh_from_db()
    assert not incident.is_open


def test_templates_screen_keeps_the_approval(world: World) -> None:
    manager = client_for(world.manager)
    manager.post(
        "/incidents/templates/",
        {
            "kind": "flood",
            "name": "Flood warning",
            "text_en": "Stay away from {road}.",
            "text_fr": "Évitez {road}.",
        },
    )
    page = manager.get("/incidents/templates/").content.decode()
    assert "Flood warning" in page and "Not approved" in page
    from civicdesk.incidents.models import IncidentTemplate

    template = IncidentTemplate.objects.get()
    client_for(world.approver).post(f"/incidents/templates/{template.pk}/approve/")
    template.refresh_from_db()
    assert template.is_approved and template.approved_by == world.approver
