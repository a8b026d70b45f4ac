"""Exactly once on a platform without idempotency keys, with slow answers and leases that run
out while a request is in flight: the POSTs that reach the platform are counted."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from civicdesk.organizations.models import Channel
from civicdesk.publishing import publisher
from civicdesk.publishing.engine import PublishEngine
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, EntryKind, QueuedNote
from tests.core.conftest import Desk, approved_post

from .conftest import channels_on
from .platform import SlowPlatform


def _on_platform(desk: Desk, platform: SlowPlatform) -> None:
    Channel.objects.filter(pk=desk.channel.pk).update(api_base_url=platform.url)


def _in_thread(target: Any) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_lease_lost_mid_request_is_not_sent_again(
    desk: Desk, slow_platform: SlowPlatform, settings: Any
) -> None:
    """The case seen live: a claim recovered while its POST was in flight, a check that found
    nothing before the POST landed, and a second POST. Now: one POST, and a check decides."""
    settings.PUBLISH_LEASE_SECONDS = 1
    settings.CONNECTOR_TIMEOUT_SECONDS = 5
    slow_platform.hold = 1.0
    _on_platform(desk, slow_platform)
    post = approved_post(desk, texts={"en": "Highway 99 reopens at noon."})
    [mine] = publisher.claim(worker="A")
    sender = _in_thread(lambda: publisher.publish_one(mine, worker="A"))
    assert slow_platform.wait_for_posts(1, timeout=10)  # A's POST is in flight, held
    # A's lease is not renewed (its heartbeat stalled): another worker takes the claim back.
    later = timezone.now() + timedelta(seconds=2)
    assert publisher.recover_stale_claims(now=later) == 1
    # B's check finds nothing yet, but a request sent a moment ago may still land.
    assert publisher.check_unconfirmed(worker="B", now=later) == 1
    pub = post.publications.get()
    assert pub.state == S.UNCONFIRMED
    assert publisher.claim(worker="B", now=later) == []  # nothing to send again
    sender.join(timeout=20)
    assert not sender.is_alive()
    # A's answer came after its claim was gone: not settled, but not silent either.
    pub.refresh_from_db()
    assert pub.state == S.UNCONFIRMED and pub.claim_token == ""
    outcomes = list(pub.attempts_log.values_list("outcome", flat=True))
    assert AttemptOutcome.CLAIM_LOST in outcomes
    # Once the connector's timeout has passed since the send, the check decides: it is there.
    assert publisher.check_unconfirmed(worker="B", now=pub.next_attempt_at) == 1
    pub.refresh_from_db()
    assert pub.state == S.PUBLISHED and pub.remote_id == "1"
    assert slow_platform.received == {str(pub.idempotency_key): 1}
    assert len(slow_platform.posts) == 1


@pytest.mark.django_db(transaction=True)
def test_a_claim_lost_before_sending_sends_nothing(
    desk: Desk, slow_platform: SlowPlatform, settings: Any
) -> None:
    settings.PUBLISH_LEASE_SECONDS = 1
    _on_platform(desk, slow_platform)
    post = approved_post(desk, texts={"en": "Ferry sailings cancelled."})
    [mine] = publisher.claim(worker="A")
    later = timezone.now() + timedelta(seconds=2)
    assert publisher.recover_stale_claims(now=later) == 1
    assert publisher.publish_one(mine, worker="A") == S.UNCONFIRMED
    assert slow_platform.received.total() == 0
    pub = post.publications.get()
    assert pub.attempts == 0 and pub.last_sent_at is None
    # Never sent, so the check may conclude at once and it goes out.
    assert publisher.check_unconfirmed(worker="B", now=later) == 1
    pub.refresh_from_db()
    assert pub.state == S.SCHEDULED


def _run_engines(count: int, *, until: Any, timeout: float) -> list[PublishEngine]:
    stop = threading.Event()
    engines = [PublishEngine(worker=f"engine{n}", threads=8, poll=0.05) for n in range(count)]
    threads = [_in_thread(lambda e=engine: e.run(stop)) for engine in engines]
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not until():
            stop.wait(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    return engines


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_engines_send_at_once_renew_leases_and_send_each_once(
    desk: Desk, slow_platform: SlowPlatform, settings: Any
) -> None:
    """Answers slower than the lease: the heartbeat keeps every claim, nothing is recovered,
    and an emergency update to many channels goes out side by side, each exactly once."""
    # The answer takes longer than a lease; room to spare for a busy machine's heartbeat.
    settings.PUBLISH_LEASE_SECONDS = 1.5
    settings.CONNECTOR_TIMEOUT_SECONDS = 8
    slow_platform.hold = 2.5
    channels = channels_on(desk, slow_platform, 5)
    from civicdesk.publishing import services as pub_services

    draft = pub_services.Draft(
        title="Evacuation order",
        texts={"en": "Evacuate zone 3 now.", "fr": "Évacuez la zone 3 maintenant."},
        channels=channels,
        scheduled_at=timezone.now() + timedelta(seconds=1),
    )
    post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
    pub_services.post_submit(post=post, actor=desk.author)
    pub_services.post_approve(post=post, actor=desk.approver)
    total = post.publications.count()
    assert total == 10

    def done() -> bool:
        return not Publication.objects.exclude(state=S.PUBLISHED).exists()

    _run_engines(2, until=done, timeout=60)
    states = list(Publication.objects.values_list("state", flat=True))
    assert states == [S.PUBLISHED] * total
    assert len(slow_platform.posts) == total
    assert set(slow_platform.received.values()) == {1}
    assert set(slow_platform.per_marker().values()) == {1}
    outcomes = set(post.publications.values_list("attempts_log__outcome", flat=True))
    assert outcomes == {AttemptOutcome.PUBLISHED}  # no lease ran out, no check was needed
    # Sent side by side, not one after another.
    assert slow_platform.most_in_flight >= 4
    # Each settle queued its archive note; the engines wrote them all before they stopped.
    assert not QueuedNote.objects.exists()
    archived = ArchiveEntry.objects.filter(kind=EntryKind.PUBLICATION)
    assert sorted(archived.values_list("subject", flat=True)) == sorted(
        f"publication:{pk}" for pk in post.publications.values_list("pk", flat=True)
    )
    assert verify_archive(desk.org.pk).ok
