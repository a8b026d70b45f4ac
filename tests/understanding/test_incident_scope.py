"""Ingest understands the messages of channels in an incident's scope in incident mode."""

from __future__ import annotations

import pytest

import civicdesk.understanding as understanding
from civicdesk.inbox import scope as inbox_scope
from civicdesk.inbox import understanding as inbox_understanding
from civicdesk.inbox.models import InboundMessage
from tests.factories import make_message, make_world


@pytest.fixture
def calls(monkeypatch):
    seen: list[tuple[list[str], bool]] = []
    real = understanding.understand_batch

    def spy(texts, **kwargs):
        seen.append((list(texts), kwargs.get("incident", False)))
        return real(texts, **kwargs)

    monkeypatch.setattr(understanding, "understand_batch", spy)
    # The incidents app installed its own selector at start-up: put it back afterwards.
    installed = inbox_scope._incident_scope
    yield seen
    inbox_understanding.set_incident_scope(installed)


@pytest.mark.django_db
def test_channels_in_scope_are_understood_in_incident_mode(calls):
    world = make_world()
    flood = make_message(channel=world.channel, text="Water is rising on Quai Nord, cars trapped")
    other = make_message(channel=world.channel2, text="When does the library open?")
    InboundMessage.objects.filter(pk__in=[flood.pk, other.pk]).update(understood_at=None)
    asked: list[set[int]] = []

    def scope(channel_ids):
        asked.append(set(channel_ids))
        return {world.channel.pk}

    inbox_understanding.set_incident_scope(scope)
    assert inbox_understanding.understand_pending() == 2
    assert asked == [{world.channel.pk, world.channel2.pk}]  # asked once per batch
    modes = {texts[0]: incident for texts, incident in calls}
    assert modes == {flood.text: True, other.text: False}
    flood.refresh_from_db()
    assert flood.understood_at is not None and flood.urgency in ("critical", "high")


@pytest.mark.django_db
def test_without_an_incident_nothing_is_in_incident_mode(calls):
    world = make_world()
    message = make_message(channel=world.channel, text="Fire on Main Street, two people injured!")
    InboundMessage.objects.filter(pk=message.pk).update(understood_at=None)
    assert inbox_understanding.understand_messages([message.pk]) == 1
    assert [incident for _, incident in calls] == [False]
    # an explicit scope overrides the installed one
    InboundMessage.objects.filter(pk=message.pk).update(understood_at=None)
    inbox_understanding.understand_messages([message.pk], incident_channels={world.channel.pk})
    assert [incident for _, incident in calls] == [False, True]
