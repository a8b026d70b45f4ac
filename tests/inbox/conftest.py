"""Fixtures of the inbox tests: a populated world, a conversation of two people, and a
platform whose answers each test scripts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.connectors.base import PublishResult, ReplyTarget
from civicdesk.inbox.models import InboundMessage
from tests.factories import World, make_message, make_world


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@dataclass
class TwoPeople:
    """A question, then a bystander's comment on the same post: the newest is not the asker."""

    question: InboundMessage
    bystander: InboundMessage


@pytest.fixture
def two_people(world: World) -> TwoPeople:
    now = timezone.now()
    question = make_message(
        channel=world.channel,
        text="Is the pool open on Sunday?",
        author_handle="asker",
        sent_at=now - timedelta(minutes=10),
    )
    bystander = make_message(
        channel=world.channel,
        text="Nice photo!",
        author_handle="bystander",
        conversation=question.conversation,
        sent_at=now - timedelta(minutes=5),
    )
    return TwoPeople(question=question, bystander=bystander)


@dataclass
class ScriptedPlatform:
    """Stands in for a connector: answers each reply with the next scripted outcome."""

    outcomes: list[PublishResult | Exception]
    calls: list[tuple[ReplyTarget, str]] = field(default_factory=list)

    def __enter__(self) -> ScriptedPlatform:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def reply(self, target: ReplyTarget, text: str, *, idempotency_key: str) -> PublishResult:
        self.calls.append((target, text))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedPlatform:
    platform = ScriptedPlatform(outcomes=[])
    monkeypatch.setattr(
        "civicdesk.inbox.tasks.connector_for", lambda channel, client=None: platform
    )
    return platform
