"""Fixtures for the publishing engine's tests: a desk, and a slow platform without
idempotency keys that its channels publish to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Channel
from tests.core.conftest import Desk, desk  # noqa: F401 - the shared fixture

from .platform import SlowPlatform


@pytest.fixture
def slow_platform() -> Iterator[SlowPlatform]:
    platform = SlowPlatform().start()
    yield platform
    platform.stop()


def channels_on(desk: Desk, platform: SlowPlatform, count: int) -> list[Channel]:  # noqa: F811
    """``count`` channels of the desk's brand that publish to ``platform``."""
    made = []
    for n in range(count):
        channel = org_services.channel_create(
            brand=desk.brand, platform="exnet", handle=f"slow{n}", credentials={"token": "t"}
        )
        Channel.objects.filter(pk=channel.pk).update(api_base_url=platform.url)
        made.append(channel)
    return made
