"""End to end through the publisher: an unknown outcome is checked, never posted twice.

For each platform the publishing call times out twice over: once after the platform
took the post (the check finds it), once before (the check finds nothing and the
publisher sends it again). Either way the platform ends with exactly one post. The late
answer is held by the fake until the publisher has given up on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from werkzeug import Response

from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Role
from civicdesk.publishing import publisher
from civicdesk.publishing.models import AttemptOutcome
from civicdesk.publishing.models import PublicationState as S
from tests.connectors.holds import SHARED_TIMEOUT
from tests.core.conftest import Desk, approved_post

from .conftest import JPEG
from .fakes import FacebookFake, FakeGraph, Held, InstagramFake, ThreadsFake, answer

TEXT = "Highway 1 reopens at noon."


def lost_after(graph: FakeGraph, effect: Callable[[], None]) -> Callable[[], Response]:
    """The platform takes the post, but the answer never arrives in time."""

    def respond() -> Response:
        effect()
        graph.holds.hold()
        return answer({"id": "too-late"})

    return respond


NEVER_TAKEN = Held(answer({"error": {"code": 2, "message": "timed out"}}, status=500))


def platform_setup(
    platform: str, graph: FakeGraph
) -> tuple[dict[str, str], str, Any, Callable[[], None]]:
    """(credentials, base URL, a counter of posts, an effect that publishes ``TEXT``)."""
    if platform == "facebook":
        fb = FacebookFake(graph)
        return (
            {"access_token": fb.TOKEN, "page_id": fb.page_id},
            graph.url,
            lambda: len(fb.posts),
            lambda: fb._new_post(TEXT) and None,
        )
    if platform == "instagram":
        ig = InstagramFake(graph)

        def ig_effect() -> None:
            ig.media.insert(
                0,
                {
                    "id": graph.new_id(),
                    "caption": TEXT,
                    "timestamp": "2025-01-01T00:00:00+0000",
                    "permalink": "https://www.instagram.com/p/x/",
                },
            )

        return (
            {"access_token": ig.TOKEN, "ig_user_id": ig.ig_id, "page_id": ig.page_id},
            graph.url,
            lambda: len(ig.media),
            ig_effect,
        )
    th = ThreadsFake(graph)

    def th_effect() -> None:
        th.posts.insert(
            0,
            {
                "id": graph.new_id(),
                "text": TEXT,
                "timestamp": "2025-01-01T00:00:00+0000",
                "reply_to": None,
                "permalink": "",
            },
        )

    return (
        {"access_token": th.TOKEN, "user_id": th.USER},
        graph.server.url_for("/v1.0").rstrip("/"),
        lambda: len(th.posts),
        th_effect,
    )


PUBLISH_PATHS = {
    "facebook": "/{page_id}/feed",
    "instagram": "/{ig_user_id}/media_publish",
    "threads": "/{user_id}/threads_publish",
}


@pytest.mark.django_db
@pytest.mark.parametrize("taken", [True, False], ids=["lost-answer", "never-taken"])
@pytest.mark.parametrize("platform", ["facebook", "instagram", "threads"])
def test_unknown_outcome_is_checked_and_posted_once(
    graph: FakeGraph,
    settings: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    taken: bool,
) -> None:
    settings.CONNECTOR_TIMEOUT_SECONDS = SHARED_TIMEOUT
    settings.SITE_URL = "https://desk.example.org"
    settings.MEDIA_ROOT = str(tmp_path)
    credentials, base_url, count, effect = platform_setup(platform, graph)
    graph.fault(
        "POST",
        PUBLISH_PATHS[platform].format(**credentials),
        lost_after(graph, effect) if taken else NEVER_TAKEN,
    )
    if platform == "instagram":
        # Posts carry no media in the product yet: give this one an image, and let the
        # checks (which rightly ask for one) through.
        monkeypatch.setattr(
            "civicdesk.publishing.services.blocking_reasons", lambda post, findings=None: []
        )
        monkeypatch.setattr(publisher, "last_check", lambda pub, policy=None: [])
        original = publisher.outbound_for
        monkeypatch.setattr(
            publisher, "outbound_for", lambda pub: replace(original(pub), media=(JPEG,))
        )
    desk = _desk(platform, credentials, base_url)
    post = approved_post(desk, texts={"en": TEXT})
    pub = post.publications.get()

    for pk in publisher.claim_due(worker="w"):
        publisher.publish_one(pk, worker="w")
    # The publisher gave up; the platform has done its part before it is asked about it.
    graph.holds.wait_reached(1)
    graph.holds.release()
    pub.refresh_from_db()
    assert pub.state == S.UNCONFIRMED, pub.status_reason
    assert publisher.check_one(pub.pk, worker="w") in (S.PUBLISHED, S.SCHEDULED)
    pub.refresh_from_db()
    if pub.state == S.SCHEDULED:
        assert not taken
        for pk in publisher.claim_due(worker="w"):
            publisher.publish_one(pk, worker="w")
        pub.refresh_from_db()
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert count() == 1
    outcomes = list(pub.attempts_log.order_by("pk").values_list("outcome", flat=True))
    assert outcomes[0] == AttemptOutcome.OUTCOME_UNKNOWN
    expected = AttemptOutcome.CHECK_FOUND if taken else AttemptOutcome.CHECK_NOT_FOUND
    assert expected in outcomes


def _desk(platform: str, credentials: dict[str, str], base_url: str) -> Desk:
    org = org_services.organization_create(
        name="Ministry of Roads", time_zone="America/Vancouver", official_languages=["en"]
    )
    brand = org_services.brand_create(
        organization=org, name="Road Watch", purpose="Timely road information."
    )
    channel = org_services.channel_create(
        brand=brand,
        platform=platform,
        handle="roadwatch",
        credentials=credentials,
        api_base_url=base_url,
    )
    people = {}
    for role in (Role.AUTHOR, Role.APPROVER, Role.MANAGER):
        user = User.objects.create_user(f"{role}", password="x")
        org_services.membership_grant(user=user, organization=org, role=role, brand=brand)
        people[role] = user
    return Desk(
        org, brand, channel, people[Role.AUTHOR], people[Role.APPROVER], people[Role.MANAGER]
    )
