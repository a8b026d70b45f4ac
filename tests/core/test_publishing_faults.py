"""Publishing through the exercise network over HTTP under every fault it can inject.

Whatever the fault, the publication ends published exactly once on the platform, with
the attempts in the ledger: nothing lost, nothing duplicated.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.exnet import services as net
from civicdesk.exnet.faults import inject_fault
from civicdesk.exnet.models import NetPost
from civicdesk.exnet.services import create_account
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import Channel
from civicdesk.publishing import publisher
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S

from .conftest import Desk, approved_post

FAULTS = [
    ("latency", {"seconds": 0.2}, {AttemptOutcome.PUBLISHED}),
    ("rate_limit", {"retry_after": 1}, {AttemptOutcome.RETRYABLE}),
    ("server_error", {"status": 503}, {AttemptOutcome.RETRYABLE}),
    ("server_error", {"status": 500}, {AttemptOutcome.OUTCOME_UNKNOWN}),
    ("timeout", {}, {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_NOT_FOUND}),
    ("malformed", {}, {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND}),
    ("accepted_lost", {}, {AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND}),
]


@pytest.fixture
def net_channel(desk: Desk, live_server: Any, settings: Any) -> Any:
    # Generous enough for a busy machine (a slow answer is not a fault); holds outlast it.
    settings.CONNECTOR_TIMEOUT_SECONDS = 2.0
    settings.EXNET_FAULT_HOLD_SECONDS = 2.4
    account, token = create_account(handle="roadwatch_net", display_name="Road Watch")
    desk.channel.api_base_url = f"{live_server.url}/exnet/api"
    desk.channel.set_credentials({"token": token})
    desk.channel.save()
    return account


def settle(worker: str = "w") -> None:
    """Run the worker's publishing steps as time passes, until nothing is pending."""
    for _ in range(12):
        later = timezone.now() + timedelta(seconds=120)
        publisher.publish_due(worker=worker, now=later)
        publisher.check_unconfirmed(worker=worker, now=later)
        if not Publication.objects.filter(state__in=[S.SCHEDULED, S.UNCONFIRMED]).exists():
            return


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "params", "expected"), FAULTS, ids=[f"{k}-{p}" for k, p, _ in FAULTS]
)
def test_fault_then_exactly_once(
    desk: Desk, net_channel: Any, kind: str, params: dict[str, Any], expected: set[str]
) -> None:
    inject_fault(net_channel, kind, operation="create_post", count=1, **params)
    post = approved_post(desk, texts={"en": f"Highway update under {kind}."})
    settle()
    pub = post.publications.get()
    assert pub.state == S.PUBLISHED, pub.status_reason
    assert NetPost.objects.filter(account=net_channel).count() == 1
    outcomes = set(pub.attempts_log.values_list("outcome", flat=True))
    assert expected <= outcomes, outcomes
    assert str(NetPost.objects.get(account=net_channel).pk) == pub.remote_id


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "timeout", "malformed"])
def test_inbox_fault_loses_nothing(desk: Desk, net_channel: Any, kind: str) -> None:
    public, _ = create_account(handle="marie_t", simulated=True)
    for n in range(25):
        net.send_direct_message(sender=public, recipient=net_channel, text=f"Question {n}?")
    inject_fault(net_channel, kind, operation="inbox", count=1)
    first = ingest_channel(desk.channel.pk, page_size=10)
    assert first.error  # the fault was met and reported
    desk.channel.refresh_from_db()
    if kind == "rate_limit":
        # The channel is left alone until the platform's reset time...
        assert desk.channel.rate_limited_until is not None
        assert "rate limited" in ingest_channel(desk.channel.pk).error
        # ...which then passes.
        Channel.objects.filter(pk=desk.channel.pk).update(rate_limited_until=None)
    for _ in range(3):
        ingest_channel(desk.channel.pk, page_size=10)
    texts = sorted(InboundMessage.objects.values_list("text", flat=True))
    assert texts == sorted(f"Question {n}?" for n in range(25))


@pytest.mark.django_db(transaction=True)
def test_thread_interrupted_is_completed_once(desk: Desk, net_channel: Any) -> None:
    long_text = "The bridge deck is being resurfaced this week, lane by lane. " * 20
    post = approved_post(desk, texts={"en": long_text})
    pub = post.publications.select_related("variant", "channel").get()
    parts = publisher.outbound_for(pub)
    assert parts.thread
    # A worker sent the first part and died: the outcome is unknown.
    net.create_post(account=net_channel, text=parts.text, client_ref=parts.idempotency_key)
    Publication.objects.filter(pk=pub.pk).update(
        state=S.UNCONFIRMED, next_attempt_at=timezone.now()
    )
    settle()
    pub.refresh_from_db()
    assert pub.state == S.PUBLISHED, pub.status_reason
    texts = list(
        NetPost.objects.filter(account=net_channel).order_by("pk").values_list("text", flat=True)
    )
    assert texts == [parts.text, *parts.thread]


@pytest.mark.django_db(transaction=True)
def test_remove_from_the_platform(desk: Desk, net_channel: Any) -> None:
    from civicdesk.publishing.services import publication_remove
    from civicdesk.publishing.tasks import remove_publication

    post = approved_post(desk, texts={"en": "A road update to take down later."})
    settle()
    pub = post.publications.get()
    inject_fault(net_channel, "rate_limit", operation="any", count=1, retry_after=1)
    publication_remove(publication=pub, actor=desk.manager)
    assert remove_publication.call(pub.pk) == "retrying"  # the platform asked us to wait
    assert remove_publication.call(pub.pk, 2) == "deleted"
    pub.refresh_from_db()
    assert pub.state == S.DELETED
    assert NetPost.objects.get(pk=pub.remote_id).deleted_at is not None
