"""Fixtures for the core tests: an organization with a brand, a channel and people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from civicdesk.connectors.base import (
    Capability,
    Connector,
    InboundPage,
    OutboundPost,
    PublishResult,
)
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Brand, Channel, Organization, Role
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import Post


@dataclass
class Desk:
    org: Organization
    brand: Brand
    channel: Channel
    author: User
    approver: User
    manager: User


@pytest.fixture
def desk(db: Any) -> Desk:
    org = org_services.organization_create(
        name="Ministry of Roads", time_zone="America/Vancouver", official_languages=["en"]
    )
    brand = org_services.brand_create(
        organization=org, name="Road Watch", purpose="Timely road information."
    )
    channel = org_services.channel_create(
        brand=brand, platform="exnet", handle="roadwatch", credentials={"token": "t"}
    )
    people = {}
    for role in (Role.AUTHOR, Role.APPROVER, Role.MANAGER):
        user = User.objects.create_user(f"{role}", password="x")
        org_services.membership_grant(user=user, organization=org, role=role, brand=brand)
        people[role] = user
    org_services.membership_grant(
        user=people[Role.MANAGER], organization=org, role=Role.MANAGER, brand=None
    )
    return Desk(
        org, brand, channel, people[Role.AUTHOR], people[Role.APPROVER], people[Role.MANAGER]
    )


def approved_post(
    desk: Desk, *, at_offset: timedelta = timedelta(seconds=-1), texts: dict[str, str] | None = None
) -> Post:
    draft = pub_services.Draft(
        title="Highway 1 closure",
        texts=texts or {"en": "Highway 1 is closed.", "fr": "L'autoroute 1 est fermée."},
        channels=[desk.channel],
        scheduled_at=timezone.now() + max(at_offset, timedelta(0)),
    )
    post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
    pub_services.post_submit(post=post, actor=desk.author)
    post = pub_services.post_approve(post=post, actor=desk.approver)
    if at_offset < timedelta(0):
        # Approval refuses a time already missed: an overdue post is one whose time passed
        # after approval, so its time is moved back behind the actions.
        at = timezone.now() + at_offset
        Post.objects.filter(pk=post.pk).update(scheduled_at=at)
        post.publications.update(scheduled_at=at, next_attempt_at=at)
        post.refresh_from_db()
    return post


class FakeConnector(Connector):
    """An in-process platform whose behaviour each test scripts."""

    platform = "exnet"
    capabilities = frozenset(Capability)

    def __init__(
        self,
        *,
        publish: Callable[[OutboundPost], PublishResult] | None = None,
        pages: list[InboundPage] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._publish = publish
        self.pages = pages or []
        self.store: dict[str, PublishResult] = {}
        self.cursors_asked: list[str | None] = []

    def publish(self, post: OutboundPost) -> PublishResult:
        assert self._publish is not None
        return self._publish(post)

    def check_publication(self, post: OutboundPost) -> PublishResult | None:
        return self.store.get(post.idempotency_key)

    def fetch_inbound(self, cursor: str | None, *, limit: int = 100) -> InboundPage:
        self.cursors_asked.append(cursor)
        index = int(cursor or 0)
        if index >= len(self.pages):
            return InboundPage(messages=[], next_cursor=None)
        return self.pages[index]


@pytest.fixture
def fake_platform(monkeypatch: pytest.MonkeyPatch) -> FakeConnector:
    fake = FakeConnector()
    factory = lambda channel, client=None: fake  # noqa: E731
    for module in ("civicdesk.publishing.publisher", "civicdesk.inbox.ingest"):
        monkeypatch.setattr(f"{module}.connector_for", factory)
    return fake
