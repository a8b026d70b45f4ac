"""Authorizations kept fresh, refused refreshes surfaced, and rate limits respected."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.connectors import auth, registry, tokens
from civicdesk.connectors.auth import AuthFlow
from civicdesk.connectors.base import AuthExpiredError, RetryableError
from civicdesk.organizations.models import Channel, ChannelHealth
from civicdesk.publishing import publisher

from .conftest import Desk, approved_post


class FakeFlow(AuthFlow):
    platform = "exnet"
    calls: list[Mapping[str, str]] = []
    answer: dict[str, str] | Exception = {}

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        FakeFlow.calls.append(dict(credentials))
        if isinstance(FakeFlow.answer, Exception):
            raise FakeFlow.answer
        return dict(FakeFlow.answer)


@pytest.fixture
def flow(monkeypatch: pytest.MonkeyPatch) -> type[FakeFlow]:
    monkeypatch.setitem(auth.AUTH_FLOWS, "exnet", f"{__name__}.FakeFlow")
    FakeFlow.calls = []
    FakeFlow.answer = {}
    return FakeFlow


def _expiring(desk: Desk, *, minutes: float, refresh: str = "r1") -> Channel:
    when = (timezone.now() + timedelta(minutes=minutes)).isoformat()
    desk.channel.set_credentials(
        {"access_token": "a1", "refresh_token": refresh, "expires_at": when}
    )
    desk.channel.save()
    return desk.channel


def test_sweep_refreshes_and_keeps_refresh_token(desk: Desk, flow: type[FakeFlow]) -> None:
    _expiring(desk, minutes=5)
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    flow.answer = {"access_token": "a2", "refresh_token": "", "expires_at": later}
    assert tokens.refresh_sweep() == 1
    desk.channel.refresh_from_db()
    creds = desk.channel.get_credentials()
    assert creds["access_token"] == "a2" and creds["refresh_token"] == "r1"
    assert desk.channel.auth_expires_at > timezone.now() + timedelta(hours=1)
    assert tokens.refresh_sweep() == 0  # not due any more


def test_not_due_is_left_alone(desk: Desk, flow: type[FakeFlow]) -> None:
    _expiring(desk, minutes=600)
    assert tokens.refresh_sweep() == 0 and flow.calls == []


def test_refused_refresh_needs_reconnecting(desk: Desk, flow: type[FakeFlow]) -> None:
    _expiring(desk, minutes=1)
    flow.answer = AuthExpiredError("invalid_grant", status=400)
    tokens.refresh_sweep()
    desk.channel.refresh_from_db()
    assert desk.channel.health == ChannelHealth.NEEDS_RECONNECTING
    assert desk.channel.get_credentials()["refresh_token"] == "r1"  # nothing lost


def test_refreshed_just_before_use(desk: Desk, flow: type[FakeFlow]) -> None:
    _expiring(desk, minutes=2)
    flow.answer = {
        "access_token": "fresh",
        "expires_at": (timezone.now() + timedelta(hours=2)).isoformat(),
    }
    connector = registry.connector_for(desk.channel)
    assert connector.credentials["access_token"] == "fresh"


def test_expiring_without_refresh_warns(desk: Desk, flow: type[FakeFlow]) -> None:
    _expiring(desk, minutes=60 * 24 * 3, refresh="")
    tokens.refresh_sweep()
    desk.channel.refresh_from_db()
    assert desk.channel.health == ChannelHealth.DEGRADED
    assert "reconnect before then" in desk.channel.health_detail
    assert flow.calls == []


def test_rate_limit_holds_the_channel(desk: Desk, settings: Any) -> None:
    approved_post(desk)
    tokens.note_rate_limit(desk.channel, RetryableError("slow down", status=429, retry_after=120))
    assert publisher.claim_due(worker="w") == []
    later = timezone.now() + timedelta(seconds=121)
    assert len(publisher.claim_due(worker="w", now=later)) == 2


def test_platform_concurrency_cap(
    desk: Desk, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PUBLISH_WORKERS_EXPECTED = 1
    from civicdesk.connectors.exnet.connector import ExnetConnector

    monkeypatch.setattr(ExnetConnector, "max_concurrency", 1)
    approved_post(desk)
    first = publisher.claim_due(worker="w", limit=1)
    assert len(first) == 1
    assert publisher.claim_due(worker="w2") == []  # the one in flight fills the cap


def test_fixed_end_of_sign_in_warns_even_with_refresh_token(
    desk: Desk, flow: type[FakeFlow]
) -> None:
    ends = (timezone.now() + timedelta(days=3)).isoformat()
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    desk.channel.set_credentials(
        {"access_token": "a", "refresh_token": "r", "expires_at": later, "session_expires_at": ends}
    )
    desk.channel.save()
    tokens.warn_expiring()
    desk.channel.refresh_from_db()
    assert desk.channel.health == ChannelHealth.DEGRADED
    assert "reconnect before then" in desk.channel.health_detail
