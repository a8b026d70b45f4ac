"""The publisher and the inbox ingest driving the Bluesky connector on the local network."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from civicdesk.connectors.base import OutcomeUnknownError
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.connector import BlueskyConnector
from civicdesk.publishing import publisher
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.core.conftest import Desk, approved_post, desk  # noqa: F401 - fixtures

from .conftest import Account, Network


def posts_of(network: Network, did: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{network.pds}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": "app.bsky.feed.post", "limit": 100},
    )
    return list(response.json()["records"])


@pytest.fixture
def bsky_channel(
    desk: Desk,  # noqa: F811 - fixture
    bsky_network: Network,
    institution_credentials: dict[str, str],
    institution: Account,
) -> Desk:
    desk.channel.platform = "bluesky"
    desk.channel.handle = institution.handle
    desk.channel.api_base_url = institution_credentials["api_base_url"]
    desk.channel.set_credentials(
        {k: v for k, v in institution_credentials.items() if k != "api_base_url"}
    )
    desk.channel.save()
    return desk


def run(worker: str = "w") -> None:
    later = timezone.now() + timedelta(seconds=120)
    publisher.publish_due(worker=worker, now=later)
    publisher.check_unconfirmed(worker=worker, now=later)


@pytest.mark.django_db(transaction=True)
def test_lost_answer_is_found_not_doubled(
    bsky_channel: Desk, bsky_network: Network, institution: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = f"Snow clearing starts tonight ({timezone.now():%H%M%S%f})."
    post = approved_post(bsky_channel, texts={"en": text})
    original = BlueskyConnector._create_post

    def lose_the_answer(self: BlueskyConnector, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)
        raise OutcomeUnknownError("the connection dropped after the post was sent")

    monkeypatch.setattr(BlueskyConnector, "_create_post", lose_the_answer)
    publisher.publish_due(worker="w", now=timezone.now() + timedelta(seconds=120))
    pub = post.publications.get()
    assert pub.state == S.UNCONFIRMED
    monkeypatch.undo()
    for _ in range(3):
        run()
    pub = Publication.objects.get(pk=pub.pk)
    assert pub.state == S.PUBLISHED, pub.status_reason
    outcomes = set(pub.attempts_log.values_list("outcome", flat=True))
    assert {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND} <= outcomes
    assert pub.remote_id.endswith(shapes.record_key(str(pub.idempotency_key)))
    same = [r for r in posts_of(bsky_network, institution.did) if r["value"]["text"] == text]
    assert len(same) == 1 and same[0]["uri"] == pub.remote_id


@pytest.mark.django_db(transaction=True)
def test_publish_one_goes_out_once(
    bsky_channel: Desk, bsky_network: Network, institution: Account
) -> None:
    text = f"Library hours change on Monday ({timezone.now():%H%M%S%f})."
    post = approved_post(bsky_channel, texts={"en": text})
    run()
    pub = post.publications.get()
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert pub.remote_url.startswith("https://bsky.app/profile/")
    same = [r for r in posts_of(bsky_network, institution.did) if r["value"]["text"] == text]
    assert len(same) == 1 and same[0]["value"]["langs"] == ["en"]
