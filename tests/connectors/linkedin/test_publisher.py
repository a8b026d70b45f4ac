"""Through the real publisher: an unknown outcome on LinkedIn is checked, never sent twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.organizations import services as org_services
from civicdesk.publishing import publisher
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.connectors.holds import SHARED_TIMEOUT
from tests.core.conftest import Desk, approved_post, desk  # noqa: F401 - the fixture

from .conftest import Peer
from .fake import ORG, Fault


@pytest.fixture
def linkedin_desk(desk: Desk, linkedin: Peer, settings: Any) -> Desk:  # noqa: F811
    settings.CONNECTOR_TIMEOUT_SECONDS = SHARED_TIMEOUT
    channel = org_services.channel_create(
        brand=desk.brand,
        platform="linkedin",
        handle="ministry-of-roads",
        credentials={"access_token": "li-at", "organization_urn": ORG},
        api_base_url=linkedin.api,
    )
    return replace(desk, channel=channel)


def settle(peer: Peer, held: int) -> None:
    for _ in range(8):
        later = timezone.now() + timedelta(seconds=120)
        publisher.publish_due(worker="w", now=later)
        given_up_on(peer, held)
        publisher.check_unconfirmed(worker="w", now=later)
        if not Publication.objects.filter(state__in=[S.SCHEDULED, S.UNCONFIRMED]).exists():
            return


def given_up_on(peer: Peer, held: int) -> None:
    """Once the publisher has given up: wait until LinkedIn has done its part of the
    ``held`` late answers (the check must not overtake them), then let them go."""
    peer.fake.holds.wait_reached(held)
    peer.fake.holds.release()


CASES = [
    ("timeout", Fault(hold=True), {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND}),
    (
        "no-restli-id",
        Fault(drop_id=True),
        {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND},
    ),
    (
        "server-error",
        Fault(status=500),
        {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_NOT_FOUND},
    ),
    ("rate-limit", Fault(status=429, headers={"Retry-After": "1"}), {AttemptOutcome.RETRYABLE}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "fault", "expected"), CASES, ids=[c[0] for c in CASES])
def test_exactly_once(
    linkedin_desk: Desk, linkedin: Peer, name: str, fault: Fault, expected: set[str]
) -> None:
    linkedin.fake.fail("create_post", fault)
    post = approved_post(linkedin_desk, texts={"en": f"A1 update (#{name}): lanes reopened."})
    settle(linkedin, 1 if fault.hold else 0)
    pub = post.publications.get(channel=linkedin_desk.channel)
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert len(linkedin.fake.posts) == 1
    assert pub.remote_id == linkedin.fake.posts[0]["id"]
    outcomes = set(pub.attempts_log.values_list("outcome", flat=True))
    assert expected <= outcomes, outcomes
    assert sum(1 for n, _ in linkedin.fake.calls if n == "create_post") == (
        1 if AttemptOutcome.CHECK_FOUND in expected else 2
    )


@pytest.mark.django_db
def test_check_failure_keeps_it_unconfirmed(linkedin_desk: Desk, linkedin: Peer) -> None:
    linkedin.fake.fail("create_post", Fault(hold=True))
    linkedin.fake.fail("find_posts", Fault(status=500))
    post = approved_post(linkedin_desk, texts={"en": "Ferry timetable changed."})
    later = timezone.now() + timedelta(seconds=120)
    publisher.publish_due(worker="w", now=later)
    given_up_on(linkedin, 1)
    publisher.check_unconfirmed(worker="w", now=later)
    pub = post.publications.get(channel=linkedin_desk.channel)
    assert pub.state == S.UNCONFIRMED
    publisher.check_unconfirmed(worker="w", now=later + timedelta(minutes=5))
    pub.refresh_from_db()
    assert pub.state == S.PUBLISHED and len(linkedin.fake.posts) == 1
