"""The publication state machine, the atomic claim, back-off, and every publish outcome."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicdesk.connectors.base import (
    AuthExpiredError,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    RetryableError,
)
from civicdesk.core.backoff import backoff_delay
from civicdesk.organizations.models import ChannelHealth
from civicdesk.organizations.services import publishing_pause
from civicdesk.publishing import publisher
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import AttemptOutcome, Post, PostStatus, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import InvalidTransition, can_move, move

from .conftest import Desk, FakeConnector, approved_post


def test_backoff_grows_is_capped_and_respects_retry_after() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, base=2, cap=60, rng=rng) for n in range(1, 10)]
    assert all(d <= 60 for d in delays)
    assert delays[0] <= 2 and delays[5] >= 30  # 2*2**5=64 → capped to 60, at least half
    assert backoff_delay(1, base=2, cap=60, retry_after=300, rng=rng) == 300
    spread = {round(backoff_delay(4, base=2, cap=60, rng=rng), 3) for _ in range(20)}
    assert len(spread) > 10  # jitter


def test_transitions_table() -> None:
    assert can_move(S.SCHEDULED, S.PUBLISHING)
    assert can_move(S.PUBLISHING, S.UNCONFIRMED)
    assert not can_move(S.PUBLISHED, S.SCHEDULED)
    assert not can_move(S.DRAFT, S.PUBLISHING)
    assert not can_move(S.UNCONFIRMED, S.PUBLISHING)  # never a blind retry


def test_move_is_conditional(desk: Desk) -> None:
    post = approved_post(desk)
    pub = post.publications.first()
    stale = Publication.objects.get(pk=pub.pk)
    assert move(pub, S.PUBLISHING, claimed_by="a")
    assert not move(stale, S.PUBLISHING, claimed_by="b")  # someone else moved it first
    with pytest.raises(InvalidTransition):
        move(pub, S.DRAFT)


def test_claim_is_exclusive(desk: Desk) -> None:
    approved_post(desk)
    approved_post(desk)
    first = publisher.claim_due(worker="w1", limit=3)
    second = publisher.claim_due(worker="w2", limit=10)
    assert len(first) == 3 and len(second) == 1
    assert not set(first) & set(second)
    assert publisher.claim_due(worker="w3") == []


def test_claim_skips_future_and_paused(desk: Desk) -> None:
    approved_post(desk, at_offset=timedelta(hours=1))
    assert publisher.claim_due(worker="w") == []
    approved_post(desk)
    publishing_pause(organization=desk.org, paused=True, reason="storm", actor=desk.manager)
    assert publisher.claim_due(worker="w") == []
    publishing_pause(organization=desk.org, paused=False, actor=desk.manager)
    assert len(publisher.claim_due(worker="w")) == 2


def _ok(post: OutboundPost) -> PublishResult:
    return PublishResult(remote_id=f"r-{post.idempotency_key[:8]}", url="https://x.test/p/1")


@pytest.mark.django_db
def test_publish_success_writes_ledger(desk: Desk, fake_platform: FakeConnector) -> None:
    fake_platform._publish = _ok
    post = approved_post(desk)
    report = publisher.publish_due(worker="w")
    assert report.published == 2
    for pub in post.publications.all():
        assert pub.state == S.PUBLISHED and pub.remote_url and pub.published_at
        assert [a.outcome for a in pub.attempts_log.all()] == [AttemptOutcome.PUBLISHED]


def _raise(error: Exception):  # noqa: ANN202
    def publish(post: OutboundPost) -> PublishResult:
        raise error

    return publish


def test_retryable_backs_off(desk: Desk, fake_platform: FakeConnector) -> None:
    fake_platform._publish = _raise(RetryableError("busy", status=429, retry_after=30))
    post = approved_post(desk, texts={"en": "Only English."})
    publisher.publish_due(worker="w")
    pub = post.publications.get()
    assert pub.state == S.SCHEDULED and pub.attempts == 1
    assert pub.next_attempt_at >= timezone.now() + timedelta(seconds=29)
    attempt = pub.attempts_log.get()
    assert attempt.outcome == AttemptOutcome.RETRYABLE and attempt.http_status == 429


def test_retry_past_window_is_missed(desk: Desk, fake_platform: FakeConnector, settings) -> None:  # noqa: ANN001
    settings.PUBLISH_MISSED_AFTER_SECONDS = 60
    fake_platform._publish = _raise(RetryableError("busy", retry_after=600))
    post = approved_post(desk, texts={"en": "Only English."})
    publisher.publish_due(worker="w")
    assert post.publications.get().state == S.MISSED


def test_overdue_is_missed_not_sent_late(
    desk: Desk, fake_platform: FakeConnector, settings
) -> None:  # noqa: ANN001
    settings.PUBLISH_MISSED_AFTER_SECONDS = 60
    fake_platform._publish = _ok
    post = approved_post(desk, at_offset=timedelta(minutes=-5), texts={"en": "Late."})
    publisher.publish_due(worker="w")
    pub = post.publications.get()
    assert pub.state == S.MISSED and "past its time" in pub.status_reason
    assert pub.remote_id == ""


def test_rejected_and_auth_expired_fail(desk: Desk, fake_platform: FakeConnector) -> None:
    fake_platform._publish = _raise(RejectedError("too long", status=422))
    post = approved_post(desk, texts={"en": "x"})
    publisher.publish_due(worker="w")
    assert post.publications.get().state == S.FAILED
    fake_platform._publish = _raise(AuthExpiredError("token revoked", status=401))
    post = approved_post(desk, texts={"en": "y"})
    publisher.publish_due(worker="w")
    assert post.publications.get().state == S.FAILED
    desk.channel.refresh_from_db()
    assert desk.channel.health == ChannelHealth.NEEDS_RECONNECTING


def test_unknown_outcome_is_checked_never_blindly_retried(
    desk: Desk, fake_platform: FakeConnector
) -> None:
    calls: list[str] = []

    def lost(post: OutboundPost) -> PublishResult:
        calls.append(post.idempotency_key)
        # The platform took it, but the answer never came back.
        fake_platform.store[post.idempotency_key] = _ok(post)
        raise OutcomeUnknownError("timed out")

    fake_platform._publish = lost
    post = approved_post(desk, texts={"en": "Ferry delayed."})
    publisher.publish_due(worker="w")
    pub = post.publications.get()
    assert pub.state == S.UNCONFIRMED
    assert publisher.claim_due(worker="w") == []  # not retried
    assert publisher.check_unconfirmed(worker="w") == 1
    pub.refresh_from_db()
    assert pub.state == S.PUBLISHED and len(calls) == 1
    outcomes = [a.outcome for a in pub.attempts_log.all()]
    assert outcomes == [AttemptOutcome.OUTCOME_UNKNOWN, AttemptOutcome.CHECK_FOUND]


def test_unknown_outcome_not_found_is_sent_again(
    desk: Desk, fake_platform: FakeConnector, settings
) -> None:  # noqa: ANN001
    fake_platform._publish = _raise(OutcomeUnknownError("timed out before it was taken"))
    post = approved_post(desk, texts={"en": "Bridge open."})
    publisher.publish_due(worker="w")
    # Not there yet, but a request sent a moment ago could still land: no conclusion.
    publisher.check_unconfirmed(worker="w")
    pub = post.publications.get()
    assert pub.state == S.UNCONFIRMED and pub.last_sent_at is not None
    assert pub.next_attempt_at >= pub.last_sent_at + timedelta(
        seconds=settings.CONNECTOR_TIMEOUT_SECONDS
    )
    # Once the connector's timeout has passed since it was sent, "not there" is the answer.
    publisher.check_unconfirmed(worker="w", now=pub.next_attempt_at)
    pub.refresh_from_db()
    assert pub.state == S.SCHEDULED
    fake_platform._publish = _ok
    publisher.publish_due(worker="w")
    pub.refresh_from_db()
    assert pub.state == S.PUBLISHED


def test_stale_claim_becomes_unconfirmed(desk: Desk) -> None:
    approved_post(desk, texts={"en": "x"})
    [pk] = publisher.claim_due(worker="dead")
    later = timezone.now() + timedelta(hours=1)
    assert publisher.recover_stale_claims(now=later) == 1
    assert Publication.objects.get(pk=pk).state == S.UNCONFIRMED


def test_not_approved_in_time_is_missed_with_reason(desk: Desk, settings) -> None:  # noqa: ANN001
    settings.PUBLISH_MISSED_AFTER_SECONDS = 60
    draft = pub_services.Draft(
        title="t",
        texts={"en": "x"},
        channels=[desk.channel],
        scheduled_at=timezone.now() + timedelta(minutes=5),
    )
    post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
    pub_services.post_submit(post=post, actor=desk.author)
    # Its time passes while it waits in review.
    past = timezone.now() - timedelta(minutes=5)
    Post.objects.filter(pk=post.pk).update(scheduled_at=past)
    post.publications.update(scheduled_at=past, next_attempt_at=past)
    assert publisher.sweep_missed() == 1
    pub = post.publications.get()
    assert pub.state == S.MISSED and "Not approved" in pub.status_reason


def test_no_self_approval_and_tiers(desk: Desk) -> None:
    desk.brand.approval_tiers = 2
    desk.brand.save()
    draft = pub_services.Draft(
        title="t",
        texts={"en": "x"},
        channels=[desk.channel],
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
    pub_services.post_submit(post=post, actor=desk.author)
    with pytest.raises(PermissionDenied):
        pub_services.post_approve(post=post, actor=desk.author)
    post = pub_services.post_approve(post=post, actor=desk.approver)
    assert post.status == PostStatus.IN_REVIEW  # one tier of two
    with pytest.raises(PermissionDenied):
        pub_services.post_approve(post=post, actor=desk.approver)
    post = pub_services.post_approve(post=post, actor=desk.manager)
    assert post.status == PostStatus.APPROVED
    assert set(post.publications.values_list("state", flat=True)) == {S.SCHEDULED}


def test_edit_after_approval_resets_and_time_change_rearms(desk: Desk) -> None:
    post = approved_post(desk, at_offset=timedelta(hours=2), texts={"en": "x"})
    later = timezone.now() + timedelta(hours=3)
    same = pub_services.Draft(
        title=post.title, texts={"en": "x"}, channels=[desk.channel], scheduled_at=later
    )
    post = pub_services.post_update(post=post, actor=desk.author, draft=same)
    pub = post.publications.get()
    assert post.status == PostStatus.APPROVED and pub.state == S.SCHEDULED
    assert pub.next_attempt_at == later
    changed = pub_services.Draft(
        title=post.title, texts={"en": "y"}, channels=[desk.channel], scheduled_at=later
    )
    post = pub_services.post_update(post=post, actor=desk.author, draft=changed)
    assert post.status == PostStatus.DRAFT and post.revision == 2
    assert post.publications.get().state == S.DRAFT
    assert publisher.claim_due(worker="w", now=later + timedelta(seconds=1)) == []


def test_cancel_cancels_pending(desk: Desk) -> None:
    post = approved_post(desk, at_offset=timedelta(hours=1))
    pub_services.post_cancel(post=post, actor=desk.author)
    assert set(post.publications.values_list("state", flat=True)) == {S.CANCELLED}
    assert publisher.claim_due(worker="w", now=timezone.now() + timedelta(hours=2)) == []


def test_validation_errors(desk: Desk) -> None:
    with pytest.raises(ValidationError):
        pub_services.post_create(
            brand=desk.brand,
            actor=desk.author,
            draft=pub_services.Draft(title="", texts={"en": " "}, channels=[]),
        )


def test_blocking_finding_prevents_approval(desk: Desk) -> None:
    draft = pub_services.Draft(
        title="t",
        texts={"en": "Bad \ufffe character."},
        channels=[desk.channel],
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
    with pytest.raises(ValidationError, match="cannot be submitted"):
        pub_services.post_submit(post=post, actor=desk.author)
    # Approval applies the same check, should a post reach review another way.
    Post.objects.filter(pk=post.pk).update(status=PostStatus.IN_REVIEW)
    with pytest.raises(ValidationError, match="cannot be approved"):
        pub_services.post_approve(post=post, actor=desk.approver)


def test_last_check_stops_a_bad_variant(desk: Desk, fake_platform: FakeConnector) -> None:
    fake_platform._publish = _ok
    post = approved_post(desk, texts={"en": "Fine text."})
    Publication.objects.filter(post=post).update(state=S.SCHEDULED)
    post.variants.update(text="Bad \ufffe character.")  # changed behind the actions' back
    publisher.publish_due(worker="w")
    pub = post.publications.get()
    assert pub.state == S.FAILED and "last check" in pub.status_reason
    assert pub.remote_id == ""


def test_long_text_goes_out_as_a_thread(desk: Desk) -> None:
    post = approved_post(desk, texts={"en": "A sentence about the road works. " * 40})
    outbound = publisher.outbound_for(post.publications.select_related("variant", "channel").get())
    assert outbound.thread and len(outbound.text) <= 500
    assert " ".join([outbound.text, *outbound.thread]).count("road works") == 40


def test_words_needing_a_named_approver(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth.models import User

    from civicdesk.organizations.services import membership_grant
    from civicdesk.publishing import checks
    from civicdesk.rules import default_policy, policy_from_yaml, policy_to_yaml

    text = policy_to_yaml(default_policy()).replace(
        "approvals: []",
        "approvals:\n- id: legal\n  topic: legal proceedings\n"
        "  approver: legal\n  terms: [lawsuit]",
    )
    policy = policy_from_yaml(text)
    monkeypatch.setattr(checks, "policy_for", lambda organization: policy)
    counsel = User.objects.create_user("counsel")
    membership_grant(
        user=counsel,
        organization=desk.org,
        role="approver",
        brand=desk.brand,
        business_area="Legal",
    )
    draft = pub_services.Draft(
        title="t",
        texts={"en": "The lawsuit was settled today."},
        channels=[desk.channel],
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
    pub_services.post_submit(post=post, actor=desk.author)
    post = pub_services.post_approve(post=post, actor=desk.approver)
    assert post.status == PostStatus.IN_REVIEW
    assert pub_services.named_approvers_missing(post) == ["legal"]
    post = pub_services.post_approve(post=post, actor=counsel)
    assert post.status == PostStatus.APPROVED


def test_edit_keeps_the_ledger_of_unchanged_publications(
    desk: Desk, fake_platform: FakeConnector
) -> None:
    fake_platform._publish = _raise(RejectedError("refused for now", status=422))
    post = approved_post(desk, texts={"en": "Ferry schedule changes on Monday."})
    publisher.publish_due(worker="w")
    failed = post.publications.get()
    assert failed.state == S.FAILED and failed.attempts_log.count() == 1
    later = timezone.now() + timedelta(hours=1)
    same = pub_services.Draft(
        title=post.title,
        texts={"en": "Ferry schedule changes on Monday."},
        channels=[desk.channel],
        scheduled_at=later,
    )
    post = pub_services.post_update(post=post, actor=desk.author, draft=same)
    kept = post.publications.get()
    assert kept.pk == failed.pk and kept.attempts_log.count() == 1  # nothing lost
    assert kept.idempotency_key == failed.idempotency_key
    changed = pub_services.Draft(
        title=post.title,
        texts={"en": "Ferry schedule changes Tuesday."},
        channels=[desk.channel],
        scheduled_at=later,
    )
    post = pub_services.post_update(post=post, actor=desk.author, draft=changed)
    assert post.publications.get().variant.text == "Ferry schedule changes Tuesday."
    assert post.status == PostStatus.DRAFT
