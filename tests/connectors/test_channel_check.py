"""The periodic channel check: the platform is asked over real HTTP (the exercise network on
the live server) and its answer becomes the health the channels page shows."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicdesk.connectors.health import check_channel
from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account, rotate_token
from civicdesk.organizations.models import AuditEvent, Channel, ChannelHealth, Role
from civicdesk.runtime.worker import DeskWorker, WorkerOptions
from tests.factories import make_brand, make_channel, make_member, make_organization


@pytest.fixture
def api(transactional_db: Any, live_server: Any, settings: Any) -> str:
    settings.EXNET_BASE_URL = f"{live_server.url}/exnet/api"
    return settings.EXNET_BASE_URL


def _channel(api: str, handle: str = "roads_check") -> tuple[Channel, NetAccount]:
    account, token = create_account(handle=handle, display_name="Roads")
    brand = make_brand(organization=make_organization())
    return make_channel(brand=brand, handle=handle, api_base_url=api, token=token), account


def _health(channel: Channel) -> tuple[str, str]:
    channel.refresh_from_db()
    return channel.health, channel.health_detail


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_working_account_stays_working_and_nothing_is_audited(api: str) -> None:
    channel, _ = _channel(api)
    assert check_channel(channel.pk) == ChannelHealth.OK
    assert _health(channel) == (ChannelHealth.OK, "")
    assert not AuditEvent.objects.filter(action="channel.health_checked").exists()


def test_a_refused_token_needs_reconnecting_and_a_new_one_clears_it(api: str) -> None:
    channel, account = _channel(api)
    fresh = rotate_token(account=account)  # the channel's token no longer works

    assert check_channel(channel.pk) == ChannelHealth.NEEDS_RECONNECTING
    health, detail = _health(channel)
    assert health == ChannelHealth.NEEDS_RECONNECTING
    assert detail.startswith("The platform refused the authorization")
    event = AuditEvent.objects.get(action="channel.health_checked")
    assert event.actor is None
    assert event.data["to"] == ChannelHealth.NEEDS_RECONNECTING

    channel.set_credentials({"token": fresh})
    channel.save(update_fields=["credentials_encrypted"])
    assert check_channel(channel.pk) == ChannelHealth.OK
    assert _health(channel) == (ChannelHealth.OK, "")
    assert AuditEvent.objects.filter(action="channel.health_checked").count() == 2


def test_an_unreachable_platform_is_having_trouble(api: str) -> None:
    channel, _ = _channel(api)
    Channel.objects.filter(pk=channel.pk).update(
        api_base_url=f"http://127.0.0.1:{_closed_port()}/exnet/api"
    )
    assert check_channel(channel.pk) == ChannelHealth.DEGRADED
    health, detail = _health(channel)
    assert health == ChannelHealth.DEGRADED
    assert detail.startswith("The platform check failed")


def test_a_working_answer_keeps_the_warning_that_the_authorization_ends(api: str) -> None:
    channel, _ = _channel(api)
    warning = "The authorization expires on 1 Jan: reconnect before then."
    Channel.objects.filter(pk=channel.pk).update(
        health=ChannelHealth.DEGRADED,
        health_detail=warning,
        auth_expires_at=timezone.now() + timedelta(days=2),  # no refresh token renews it
    )
    assert check_channel(channel.pk) == ChannelHealth.DEGRADED
    assert _health(channel) == (ChannelHealth.DEGRADED, warning)


def test_an_inactive_channel_is_not_asked(api: str) -> None:
    channel, account = _channel(api)
    rotate_token(account=account)
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert check_channel(channel.pk) is None
    assert _health(channel) == (ChannelHealth.OK, "")


def test_the_worker_checks_every_account_channel_every_few_hours(api: str, settings: Any) -> None:
    settings.CHANNEL_CHECK_INTERVAL_SECONDS = 3 * 3600
    channel, account = _channel(api)
    feed = make_channel(brand=channel.brand, platform="newsroom", handle="feed")
    worker = DeskWorker(WorkerOptions(roles=("periodic",)))

    wanted = worker.wanted_jobs(timezone.now())
    assert f"channels.check.{channel.pk}" in wanted
    assert f"channels.check.{feed.pk}" not in wanted  # a feed's health comes from its import

    job = worker.job(f"channels.check.{channel.pk}")
    assert job is not None
    every, run = job
    assert every == 3 * 3600
    rotate_token(account=account)
    run()
    assert _health(channel)[0] == ChannelHealth.NEEDS_RECONNECTING


def test_the_channels_page_shows_what_the_check_found(api: str) -> None:
    channel, account = _channel(api)
    manager = make_member(organization=channel.brand.organization, role=Role.MANAGER)
    rotate_token(account=account)
    check_channel(channel.pk)

    client = Client()
    client.force_login(manager)
    page = client.get("/channels/").content.decode()
    assert "Needs reconnecting" in page
    assert "The platform refused the authorization" in page
