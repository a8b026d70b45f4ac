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
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.media import media_attach, media_captions
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.core.conftest import Desk, approved_post, desk  # noqa: F401 - fixtures
from tests.rules.test_video import mp4, mvhd, track

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


def vtt_time(ms: int) -> str:
    return f"{ms // 60_000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


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


@pytest.mark.django_db(transaction=True)
def test_a_video_whose_captions_bluesky_cannot_take_goes_out_and_says_so(
    bsky_channel: Desk, bsky_network: Network, institution: Account, client: Any
) -> None:
    team = bsky_channel
    text = f"The bridge closes tonight ({timezone.now():%H%M%S%f})."
    draft = pub_services.Draft(
        title="Bridge",
        texts={"en": text},
        channels=[team.channel],
        scheduled_at=timezone.now() + timedelta(minutes=5),
    )
    post = pub_services.post_create(brand=team.brand, actor=team.author, draft=draft)
    video = media_attach(
        post=post,
        actor=team.author,
        data=mp4(track(b"vide", b"avc1", 640, 360), header=mvhd(170 * 600, 600)),
        filename="bridge.mp4",
        alt_texts={"en": "A crew closes the bridge."},
    )
    # Captions larger than the 20 kB a Bluesky caption file may be.
    cues = "".join(
        f"{vtt_time(n * 400)} --> {vtt_time(n * 400 + 300)}\n"
        f"Line {n} of the notice about the bridge closing tonight.\n\n"
        for n in range(400)
    )
    media_captions(media=video, actor=team.author, language="en", data=f"WEBVTT\n\n{cues}".encode())
    pub_services.post_submit(post=post, actor=team.author)
    pub_services.post_approve(post=post, actor=team.approver)
    post.publications.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    run()
    pub = post.publications.get()
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert pub.status_reason.startswith("Published without some captions: en: Bluesky takes")
    ledger = pub.attempts_log.get(outcome=AttemptOutcome.PUBLISHED)
    assert "without some captions" in ledger.detail
    [record] = [r for r in posts_of(bsky_network, institution.did) if r["value"]["text"] == text]
    embed = record["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video" and "captions" not in embed
    assert embed["alt"] == "A crew closes the bridge."
    client.force_login(team.author)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Published without some captions" in page
