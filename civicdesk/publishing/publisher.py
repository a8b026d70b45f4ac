"""The publisher: claim due publications, send them, and settle every outcome.

Rules it keeps:
- a publication is claimed with a conditional UPDATE, so two workers never send one;
- an unknown outcome (timeout, lost response) becomes *unconfirmed* and the platform is
  asked what happened before anything is sent again;
- a publication that could only go out later than its window is *missed*, not sent late;
- every call to a platform is written to the attempt ledger.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    MediaItem,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.registry import connector_class, connector_for
from civicdesk.connectors.tokens import note_rate_limit
from civicdesk.organizations.models import Channel, ChannelHealth
from civicdesk.publishing.backoff import backoff_delay
from civicdesk.publishing.checks import last_check
from civicdesk.publishing.models import AttemptOutcome, Post, Publication, PublicationAttempt
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import move
from civicdesk.rules import THREAD_PLATFORMS, measure, split_thread

logger = logging.getLogger(__name__)

CHECK_INTERVAL = timedelta(seconds=20)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class PublishReport:
    claimed: int = 0
    published: int = 0
    retrying: int = 0
    failed: int = 0
    unconfirmed: int = 0
    missed: int = 0


def missed_window() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_MISSED_AFTER_SECONDS)


def claim_due(*, worker: str, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Claim up to ``limit`` due publications for ``worker``; returns the ids claimed."""
    now = now or timezone.now()
    limit = limit or settings.PUBLISH_CLAIM_BATCH
    token = f"{worker}/{uuid.uuid4().hex[:8]}"
    due = (
        Publication.objects.filter(state=S.SCHEDULED, next_attempt_at__lte=now)
        .exclude(channel__brand__organization__publishing_paused=True)
        .exclude(channel__rate_limited_until__gt=now)
        .exclude(channel__platform__in=platforms_at_capacity())
    )
    with transaction.atomic():
        candidates = due.order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: skip rows another worker is claiming instead of queueing behind it.
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The state condition makes the claim safe even without row locks (SQLite).
        Publication.objects.filter(pk__in=ids, state=S.SCHEDULED).update(
            state=S.PUBLISHING, claimed_by=token, claimed_at=now, updated_at=now
        )
    return list(
        Publication.objects.filter(pk__in=ids, claimed_by=token, state=S.PUBLISHING)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )


def platforms_at_capacity() -> list[str]:
    """Platforms with as many publications in flight as their connector allows."""
    in_flight = (
        Publication.objects.filter(state=S.PUBLISHING)
        .values("channel__platform")
        .annotate(n=Count("pk"))
    )
    full = []
    for row in in_flight:
        platform = row["channel__platform"]
        try:
            cap = connector_class(platform).max_concurrency
        except LookupError:
            continue
        if row["n"] >= cap * max(1, settings.PUBLISH_WORKERS_EXPECTED):
            full.append(platform)
    return full


def outbound_for(publication: Publication) -> OutboundPost:
    variant = publication.variant
    platform = publication.channel.platform
    parts = [variant.text]
    if platform in THREAD_PLATFORMS and not measure(variant.text, platform).valid:
        # Too long for one post where the platform has threads: send it as a thread.
        parts = split_thread(variant.text, platform) or parts
    return OutboundPost(
        text=parts[0],
        thread=tuple(parts[1:]),
        idempotency_key=str(publication.idempotency_key),
        language=variant.language,
        link=variant.link,
        media=tuple(media_items(publication.post, variant.language)),
    )


def media_items(post: Post, language: str) -> list[MediaItem]:
    items = []
    for media in post.media.all():
        with media.file.open("rb") as handle:
            data = handle.read()
        items.append(MediaItem(filename=media.file.name.rsplit("/", 1)[-1],
                               content_type=media.content_type, data=data,
                               alt_text=media.alt_text(language)))
    return items


def _ledger(
    publication: Publication,
    *,
    worker: str,
    started: datetime,
    outcome: str,
    detail: str = "",
    error: ConnectorError | None = None,
) -> None:
    PublicationAttempt.objects.create(
        publication=publication,
        worker=worker[:100],
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome,
        detail=(detail or (str(error) if error else ""))[:1000],
        http_status=error.status if error else None,
        retry_after=error.retry_after if error else None,
    )


def _mark_channel(channel: Channel, health: str, detail: str) -> None:
    Channel.objects.filter(pk=channel.pk).update(health=health, health_detail=detail[:500])


def _settle_published(pub: Publication, result: PublishResult, *, worker: str,
                      started: datetime, outcome: str) -> None:
    with transaction.atomic():
        move(
            pub,
            S.PUBLISHED,
            remote_id=result.remote_id[:200],
            remote_url=result.url[:500],
            thread_remote_ids=list(result.thread_remote_ids),
            published_at=result.published_at or timezone.now(),
            status_reason="",
            claimed_by="",
        )
        _ledger(pub, worker=worker, started=started, outcome=outcome,
                detail=f"remote id {result.remote_id}")


def _retry_or_give_up(pub: Publication, error: ConnectorError, *, worker: str,
                      started: datetime, report: PublishReport) -> None:
    now = timezone.now()
    with transaction.atomic():
        _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.RETRYABLE, error=error)
        if pub.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
            move(pub, S.FAILED, claimed_by="",
                 status_reason=f"Gave up after {pub.attempts} attempts: {error}"[:500])
            report.failed += 1
            return
        delay = backoff_delay(
            pub.attempts,
            base=settings.PUBLISH_BACKOFF_BASE_SECONDS,
            cap=settings.PUBLISH_BACKOFF_CAP_SECONDS,
            retry_after=error.retry_after,
        )
        retry_at = now + timedelta(seconds=delay)
        assert pub.scheduled_at is not None
        if retry_at > pub.scheduled_at + missed_window():
            move(pub, S.MISSED, claimed_by="",
                 status_reason=f"The platform was unavailable until past the window: {error}"[:500])
            report.missed += 1
            return
        move(pub, S.SCHEDULED, claimed_by="", next_attempt_at=retry_at,
             status_reason=f"Will retry at {retry_at:%H:%M:%S} UTC: {error}"[:500])
        report.retrying += 1


def publish_one(publication_id: int, *, worker: str, report: PublishReport | None = None,
                client: httpx.Client | None = None) -> str:
    """Send one claimed publication and settle its state. Returns the new state.

    ``client`` lets a batch share one HTTP client (and its connections): making one costs
    more than a publication does.
    """
    report = report or PublishReport()
    pub = Publication.objects.select_related(
        "variant", "post", "channel", "channel__brand__organization"
    ).get(pk=publication_id)
    if pub.state != S.PUBLISHING:
        return pub.state
    started = timezone.now()
    org = pub.channel.brand.organization
    if org.publishing_paused:
        move(pub, S.SCHEDULED, claimed_by="", status_reason="Publishing is paused.")
        return pub.state
    assert pub.scheduled_at is not None
    if started > pub.scheduled_at + missed_window():
        with transaction.atomic():
            move(pub, S.MISSED, claimed_by="", status_reason=(
                f"Not sent: more than {settings.PUBLISH_MISSED_AFTER_SECONDS // 60} minutes "
                "past its time."))
            _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.MISSED)
        report.missed += 1
        return pub.state
    refused = last_check(pub)
    if refused:
        with transaction.atomic():
            move(pub, S.FAILED, claimed_by="",
                 status_reason=("Stopped by the last check before sending: "
                                + "; ".join(refused))[:500])
            _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.REJECTED,
                    detail="; ".join(refused))
        report.failed += 1
        return pub.state
    Publication.objects.filter(pk=pub.pk).update(attempts=F("attempts") + 1)
    pub.attempts += 1
    outbound = outbound_for(pub)
    try:
        with connector_for(pub.channel, client=client) as connector:
            result = connector.publish(outbound)
    except RetryableError as error:
        note_rate_limit(pub.channel, error)
        _retry_or_give_up(pub, error, worker=worker, started=started, report=report)
    except AuthExpiredError as error:
        with transaction.atomic():
            move(pub, S.FAILED, claimed_by="",
                 status_reason=f"The channel needs reconnecting: {error}"[:500])
            _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.AUTH_EXPIRED,
                    error=error)
            _mark_channel(pub.channel, ChannelHealth.NEEDS_RECONNECTING, str(error))
        report.failed += 1
    except RejectedError as error:
        with transaction.atomic():
            move(pub, S.FAILED, claimed_by="",
                 status_reason=f"The platform refused it: {error}"[:500])
            _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.REJECTED,
                    error=error)
        report.failed += 1
    except OutcomeUnknownError as error:
        _to_unconfirmed(pub, worker=worker, started=started, error=error)
        report.unconfirmed += 1
    except Exception as exc:  # noqa: BLE001 - a bug must not turn into a blind retry
        logger.exception("publication %s: unexpected error", pub.pk)
        _to_unconfirmed(pub, worker=worker, started=started,
                        error=OutcomeUnknownError(f"internal error: {type(exc).__name__}"))
        report.unconfirmed += 1
    else:
        _settle_published(pub, result, worker=worker, started=started,
                          outcome=AttemptOutcome.PUBLISHED)
        report.published += 1
    return pub.state


def _to_unconfirmed(pub: Publication, *, worker: str, started: datetime,
                    error: ConnectorError) -> None:
    with transaction.atomic():
        move(pub, S.UNCONFIRMED, claimed_by="", next_attempt_at=timezone.now(),
             status_reason=f"Outcome unknown, checking with the platform: {error}"[:500])
        _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.OUTCOME_UNKNOWN,
                error=error)


def shared_client() -> httpx.Client:
    return httpx.Client(timeout=settings.CONNECTOR_TIMEOUT_SECONDS)


def publish_due(*, worker: str, now: datetime | None = None,
                client: httpx.Client | None = None) -> PublishReport:
    """Claim and send every due publication, batch after batch."""
    report = PublishReport()
    ids = claim_due(worker=worker, now=now)
    if not ids:
        return report
    own = client is None
    client = client or shared_client()
    try:
        while ids:
            report.claimed += len(ids)
            for pk in ids:
                publish_one(pk, worker=worker, report=report, client=client)
            ids = claim_due(worker=worker, now=now)
    finally:
        if own:
            client.close()
    return report


def check_unconfirmed(*, worker: str, now: datetime | None = None) -> int:
    """Ask the platform about each unconfirmed publication whose check is due."""
    now = now or timezone.now()
    checked = 0
    due = Publication.objects.filter(state=S.UNCONFIRMED, next_attempt_at__lte=now)
    for pk, next_at in due.values_list("pk", "next_attempt_at")[:50]:
        # Claim the check by pushing the next check later; one worker wins.
        if Publication.objects.filter(pk=pk, state=S.UNCONFIRMED, next_attempt_at=next_at).update(
            next_attempt_at=now + CHECK_INTERVAL, claimed_by=worker[:100]
        ) != 1:
            continue
        check_one(pk, worker=worker)
        checked += 1
    return checked


def check_one(publication_id: int, *, worker: str) -> str:
    pub = Publication.objects.select_related("variant", "channel").get(pk=publication_id)
    if pub.state != S.UNCONFIRMED:
        return pub.state
    started = timezone.now()
    try:
        with connector_for(pub.channel) as connector:
            found = connector.check_publication(outbound_for(pub))
    except ConnectorError as error:
        _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.CHECK_FAILED,
                error=error)
        if isinstance(error, AuthExpiredError):
            _mark_channel(pub.channel, ChannelHealth.NEEDS_RECONNECTING, str(error))
        return pub.state
    if found is not None:
        _settle_published(pub, found, worker=worker, started=started,
                          outcome=AttemptOutcome.CHECK_FOUND)
        return pub.state
    with transaction.atomic():
        _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.CHECK_NOT_FOUND)
        assert pub.scheduled_at is not None
        if started > pub.scheduled_at + missed_window():
            move(pub, S.MISSED, claimed_by="", status_reason=(
                "Not on the platform, and now too late to send."))
        else:
            move(pub, S.SCHEDULED, claimed_by="", next_attempt_at=started,
                 status_reason="Not on the platform after all; sending again.")
    return pub.state


def recover_stale_claims(*, now: datetime | None = None) -> int:
    """Claims held too long belong to a dead worker: their outcome is unknown, so check."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PUBLISH_CLAIM_TIMEOUT_SECONDS)
    return Publication.objects.filter(state=S.PUBLISHING, claimed_at__lt=cutoff).update(
        state=S.UNCONFIRMED, next_attempt_at=now, claimed_by="", updated_at=now,
        status_reason="The worker stopped while sending; checking with the platform.",
    )


def sweep_missed(*, now: datetime | None = None) -> int:
    """Posts not approved, or not sent, within the window after their time are missed."""
    now = now or timezone.now()
    cutoff = now - missed_window()
    not_approved = Publication.objects.filter(
        state__in=[S.DRAFT, S.IN_REVIEW], scheduled_at__lt=cutoff
    ).update(state=S.MISSED, updated_at=now,
             status_reason="Not approved by its scheduled time, so it did not go out.")
    late = Publication.objects.filter(
        Q(state=S.SCHEDULED) & Q(scheduled_at__lt=cutoff)
    ).update(state=S.MISSED, updated_at=now,
             status_reason="Not sent within the window after its time (publishing was paused "
                           "or the platform unavailable).")
    return not_approved + late
