"""The publisher: claim due publications, send them, and settle every outcome.

Rules it keeps:
- a publication is claimed with a conditional UPDATE that gives it its own token and a lease;
  the holder renews the lease while sending, and sends and settles only while the token still
  holds (a settle that finds the claim gone is logged, written to the ledger and checked);
- an unknown outcome (timeout, lost response, a lease that ran out) becomes *unconfirmed* and
  the platform is asked what happened before anything is sent again; "not there" counts only
  once the connector's timeout has passed since the last request left;
- a publication that could only go out later than its window is *missed*, not sent late;
- every call to a platform is written to the attempt ledger.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from civicdesk.connectors.base import (
    AuthExpiredError,
    CaptionTrack,
    ConnectorError,
    MediaItem,
    OutboundPost,
    OutcomeUnknownError,
    PublishResult,
    RejectedError,
    RetryableError,
    platform_client,
)
from civicdesk.connectors.limits import channel_rules
from civicdesk.connectors.registry import connector_class, connector_for
from civicdesk.connectors.tokens import note_rate_limit
from civicdesk.core import archive
from civicdesk.core.backoff import backoff_delay
from civicdesk.organizations.models import Channel, ChannelHealth
from civicdesk.publishing import bilingual, sets
from civicdesk.publishing.checks import last_check, policy_for
from civicdesk.publishing.ledger import record_attempt
from civicdesk.publishing.models import AttemptOutcome, Post, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import can_move, move, move_many
from civicdesk.rules import THREAD_PLATFORMS, Policy, measure_with, split_thread

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


@dataclass(frozen=True)
class Claim:
    """One claimed publication: the token proves the claim is still this worker's."""

    pk: int
    token: str
    channel_id: int
    platform: str
    # Loaded for the whole batch at once, just after the claim (see ``with_publications``).
    publication: Publication | None = field(default=None, compare=False, repr=False)
    # The organization's policy in force, read once for the batch; the last check only reads it.
    policy: Policy | None = field(default=None, compare=False, repr=False)


SENDING_RELATED = ("variant", "post", "channel", "channel__brand__organization")


def with_publications(claims: list[Claim]) -> list[Claim]:
    """The claims with their publications, loaded in one query (and one for the images), and
    each organization's policy read once: a query (or a copy of the policy) a publication
    costs more than the rest of the work before sending."""
    if not claims:
        return claims
    loaded = (
        Publication.objects.select_related(*SENDING_RELATED)
        .prefetch_related("post__media")
        .in_bulk([c.pk for c in claims])
    )
    policies: dict[int, Policy] = {}
    for pub in loaded.values():
        org = pub.channel.brand.organization
        if org.pk not in policies:
            policies[org.pk] = policy_for(org)
    return [
        replace(
            c,
            publication=(found := loaded.get(c.pk)),
            policy=policies[found.channel.brand.organization_id] if found else None,
        )
        for c in claims
    ]


#: Publications held back besides the stop-all switch, as a condition over Publication
#: (emergency mode installs one: an incident's brands wait while it is open). Asked once a claim.
_claim_hold: Callable[[], Q] | None = None


def set_claim_hold(hold: Callable[[], Q] | None) -> None:
    """Install the function that says which publications must not be claimed (None: none)."""
    global _claim_hold
    _claim_hold = hold


def lease() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)


def claim_due(*, worker: str, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Claim up to ``limit`` due publications for ``worker``; returns the ids claimed."""
    return [c.pk for c in claim(worker=worker, now=now, limit=limit)]


def claim(
    *,
    worker: str,
    now: datetime | None = None,
    limit: int | None = None,
    accept: Callable[[int, str], bool] | None = None,
) -> list[Claim]:
    """Claim due publications, each with its own token and a lease.

    ``accept(channel_id, platform)`` lets the caller take only what it has room for; it is
    asked once for each publication about to be claimed. Every channel is also held to its
    connector's ``max_concurrency`` times ``PUBLISH_WORKERS_EXPECTED`` in flight over all
    workers.
    """
    now = now or timezone.now()
    limit = limit or settings.PUBLISH_CLAIM_BATCH
    prefix = f"{worker}/{uuid.uuid4().hex[:8]}/"
    due = (
        Publication.objects.filter(state=S.SCHEDULED, next_attempt_at__lte=now)
        .exclude(channel__brand__organization__publishing_paused=True)
        .exclude(channel__rate_limited_until__gt=now)
    )
    if _claim_hold is not None:
        due = due.exclude(_claim_hold())
    # An unlocked look first: an idle worker then never takes SQLite's write lock.
    if not due.exists():
        return []
    broken: set[int] = set()
    with transaction.atomic():
        candidates = due.order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: skip rows another worker is claiming instead of queueing behind it.
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        rows = list(
            candidates.values_list("pk", "channel_id", "channel__platform", "post_id")[: limit * 4]
        )
        if not rows:
            return []
        # A publication goes only with its whole language set (publishing/sets.py).
        by_set = sets.sets_of(sets.members_of_posts({post_id for *_, post_id in rows}))
        key_of = {m.pk: key for key, members in by_set.items() for m in members}
        groups: list[list[sets.Member]] = []
        seen: set[tuple[Any, ...]] = set()
        for pk, *_ in rows:
            key = key_of.get(pk)
            if key is None or key in seen:
                continue
            seen.add(key)
            members = by_set[key]
            group = sets.claimable(members, now)
            if group is not None:
                groups.append(group)
            elif sets.is_broken(members):
                broken.add(members[0].post_id)
        groups = _lockable(groups)
        room = _room_per_channel({m.channel_id: m.platform for g in groups for m in g})
        chosen: list[tuple[int, int, str]] = []
        for group in groups:
            if chosen and len(chosen) + len(group) > limit:
                continue
            wanted = Counter(m.channel_id for m in group)
            if any(room.get(channel_id, 0) < n for channel_id, n in wanted.items()):
                continue
            if accept is not None and not all(accept(m.channel_id, m.platform) for m in group):
                continue
            for channel_id, n in wanted.items():
                room[channel_id] -= n
            chosen.extend((m.pk, m.channel_id, m.platform) for m in group)
        if chosen:
            mine = _take(chosen, prefix=prefix, worker=worker, now=now)
        else:
            mine = {}
    if broken:
        # A set broken by a bulk move (the missed sweep): withdraw what the others still hold.
        sets.withdraw_broken_sets(broken)
    return [
        Claim(pk, mine[pk], channel_id, platform)
        for pk, channel_id, platform in chosen
        if pk in mine
    ]


def _lockable(groups: list[list[sets.Member]]) -> list[list[sets.Member]]:
    """PostgreSQL: only the sets whose every member this transaction could lock (another
    worker may be claiming a member the first look did not lock)."""
    if not connection.features.has_select_for_update_skip_locked:
        return groups  # SQLite: this transaction is the only writer
    wanted = [m.pk for g in groups for m in g if len(g) > 1]
    if not wanted:
        return groups
    locked = set(
        Publication.objects.filter(pk__in=wanted, state=S.SCHEDULED)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)
    )
    return [g for g in groups if len(g) == 1 or all(m.pk in locked for m in g)]


def _take(
    chosen: list[tuple[int, int, str]], *, prefix: str, worker: str, now: datetime
) -> dict[int, str]:
    """Move the chosen publications to *publishing* with this claim's tokens."""
    ids = [pk for pk, _, _ in chosen]
    # The state condition makes the claim safe even without row locks (SQLite).
    moved = move_many(
        Publication.objects.filter(pk__in=ids),
        S.PUBLISHING,
        sources=[S.SCHEDULED],
        claim_token=Concat(Value(prefix), Cast("pk", CharField())),
        claimed_by=worker[:100],
        claimed_at=now,
        lease_until=now + lease(),
    )
    if moved == len(ids):
        # Every one moved, so every one carries this claim's token: no need to read them.
        return {pk: f"{prefix}{pk}" for pk in ids}
    return dict(
        Publication.objects.filter(
            pk__in=ids, state=S.PUBLISHING, claim_token__startswith=prefix
        ).values_list("pk", "claim_token")
    )


def _room_per_channel(platforms: dict[int, str]) -> dict[int, int]:
    """How many more publications each channel may have in flight over all workers."""
    in_flight = dict(
        Publication.objects.filter(state=S.PUBLISHING, channel_id__in=list(platforms))
        .values("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )
    room = {}
    for channel_id, platform in platforms.items():
        try:
            cap = connector_class(platform).max_concurrency
        except LookupError:
            cap = 1
        room[channel_id] = cap * max(1, settings.PUBLISH_WORKERS_EXPECTED) - in_flight.get(
            channel_id, 0
        )
    return room


def outbound_for(publication: Publication) -> OutboundPost:
    variant = publication.variant
    platform = publication.channel.platform
    # A bilingual post joins its versions (publishing/bilingual.py); else the variant's text.
    text = bilingual.text_of(publication)
    parts = [text]
    # Measured against the limits the composer showed (the channel's own server's, if any).
    rules = channel_rules(publication.channel)
    if platform in THREAD_PLATFORMS and rules and not measure_with(text, rules).valid:
        # Too long for one post where the platform has threads: send it as a thread.
        parts = split_thread(text, platform, limit=rules.max_length) or parts
    return OutboundPost(
        text=parts[0],
        thread=tuple(parts[1:]),
        reply_to=_reply_target(publication),
        idempotency_key=str(publication.idempotency_key),
        language=variant.language,
        link=variant.link,
        media=tuple(media_items(publication.post, variant.language, publication.languages)),
    )


def _reply_target(publication: Publication) -> str:
    """The platform id of our earlier post this one continues; "" when there is none or it
    is not published (then this one goes out on its own rather than wait)."""
    if publication.reply_to_id is None:
        return ""
    remote_id = (
        Publication.objects.filter(pk=publication.reply_to_id, state=S.PUBLISHED)
        .values_list("remote_id", flat=True)
        .first()
    )
    return remote_id or ""


def media_items(post: Post, language: str, languages: Sequence[str] = ()) -> list[MediaItem]:
    """The post's attachments described in ``language``; a bilingual post's (``languages``)
    described in each joined, its video captioned in each."""
    items = []
    for media in post.media.all():
        with media.file.open("rb") as handle:
            data = handle.read()
        tracks = [lang for lang in (languages or [language]) if media.captions.get(lang)]
        items.append(
            MediaItem(
                filename=(media.file.name or "").rsplit("/", 1)[-1],
                content_type=media.content_type,
                data=data,
                alt_text=(
                    bilingual.joined_alt_text(media, languages)
                    if languages
                    else media.alt_text(language)
                ),
                captions=media.captions.get(language, "") if media.is_video else "",
                caption_tracks=tuple(
                    CaptionTrack(lang, media.captions[lang]) for lang in tracks if media.is_video
                ),
            )
        )
    return items


_ledger = record_attempt


def _mark_channel(channel: Channel, health: str, detail: str) -> None:
    Channel.objects.filter(pk=channel.pk).update(health=health, health_detail=detail[:500])


# What a settled publication no longer holds: its claim.
RELEASED: dict[str, Any] = {"claimed_by": "", "claim_token": "", "lease_until": None}


def _settle(
    pub: Publication,
    target: str,
    *,
    token: str | None,
    worker: str,
    started: datetime,
    outcome: str,
    detail: str = "",
    error: ConnectorError | None = None,
    **fields: Any,
) -> bool:
    """Move a publication and write its ledger row in one transaction, if the claim holds.

    A claim that passed to another worker (its lease ran out) must not settle: the attempt is
    still written to the ledger, logged, and the publication is left for a check to decide.
    """
    with transaction.atomic():
        if move(pub, target, token=token, **RELEASED, **fields):
            _ledger(
                pub, worker=worker, started=started, outcome=outcome, detail=detail, error=error
            )
            if target == S.PUBLISHED:
                archive.note("publication", pub.pk, why="publication.published")
            return True
    _claim_lost(pub, worker=worker, started=started, detail=f"{outcome}: {detail or error or ''}")
    return False


def _claim_lost(pub: Publication, *, worker: str, started: datetime, detail: str) -> None:
    logger.warning("publication %s: the claim passed to another worker before %s", pub.pk, detail)
    with transaction.atomic():
        _ledger(
            pub,
            worker=worker,
            started=started,
            outcome=AttemptOutcome.CLAIM_LOST,
            detail=f"The claim had passed on; the platform said {detail}",
        )
        current = Publication.objects.get(pk=pub.pk)
        if current.state != S.UNCONFIRMED and can_move(current.state, S.UNCONFIRMED):
            move(
                current,
                S.UNCONFIRMED,
                **RELEASED,
                next_attempt_at=timezone.now(),
                status_reason="An answer came after the claim was lost; checking with the "
                "platform.",
            )
        pub.state = current.state


def _retry_or_give_up(
    pub: Publication,
    error: ConnectorError,
    *,
    token: str | None,
    worker: str,
    started: datetime,
    report: PublishReport,
) -> None:
    now = timezone.now()
    settle = partial(
        _settle,
        pub,
        token=token,
        worker=worker,
        started=started,
        outcome=AttemptOutcome.RETRYABLE,
        error=error,
    )
    if pub.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        settle(S.FAILED, status_reason=f"Gave up after {pub.attempts} attempts: {error}"[:500])
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
        settle(
            S.MISSED,
            status_reason=(f"The platform was unavailable until past the window: {error}"[:500]),
        )
        report.missed += 1
        return
    settle(
        S.SCHEDULED,
        next_attempt_at=retry_at,
        status_reason=f"Will retry at {retry_at:%H:%M:%S} UTC: {error}"[:500],
    )
    report.retrying += 1


def publish_one(
    publication: int | Claim,
    *,
    worker: str,
    report: PublishReport | None = None,
    client: httpx.Client | None = None,
) -> str:
    """Send one claimed publication and settle its state. Returns the new state.

    Given a :class:`Claim`, every write is conditional on its token; given only an id, the
    claim stored on the row is taken as this caller's. ``client`` lets a batch share one HTTP
    client (and its connections): making one costs more than a publication does. A member of
    a language set that failed for good stops the rest of its set (``sets``).
    """
    pub, state = _publish_one(publication, worker=worker, report=report, client=client)
    if pub is not None:
        _after_settle(pub)
    return state


def _after_settle(pub: Publication) -> None:
    """Once a member of a language set is settled: if the set is broken, withdraw the rest
    (a member that went out after another failed is taken down too)."""
    if pub.state in sets.BROKEN | {S.PUBLISHED} and not sets.may_stand_alone(pub):
        sets.withdraw_broken_sets([pub.post_id])


def _publish_one(
    publication: int | Claim,
    *,
    worker: str,
    report: PublishReport | None,
    client: httpx.Client | None,
) -> tuple[Publication | None, str]:
    report = report or PublishReport()
    pk = publication.pk if isinstance(publication, Claim) else publication
    loaded = publication.publication if isinstance(publication, Claim) else None
    pub = loaded or Publication.objects.select_related(*SENDING_RELATED).get(pk=pk)
    token = publication.token if isinstance(publication, Claim) else pub.claim_token
    if pub.state != S.PUBLISHING or pub.claim_token != token:
        return None, pub.state
    started = timezone.now()
    settle = partial(_settle, pub, token=token, worker=worker, started=started)
    org = pub.channel.brand.organization
    if org.publishing_paused:
        # Nothing was sent: handing the claim back needs no ledger row.
        move(pub, S.SCHEDULED, token=token, **RELEASED, status_reason="Publishing is paused.")
        return None, pub.state
    assert pub.scheduled_at is not None
    if started > pub.scheduled_at + missed_window():
        settle(
            S.MISSED,
            outcome=AttemptOutcome.MISSED,
            status_reason=(
                f"Not sent: more than {settings.PUBLISH_MISSED_AFTER_SECONDS // 60} minutes "
                "past its time."
            ),
        )
        report.missed += 1
        return pub, pub.state
    refused = last_check(pub, policy=publication.policy if isinstance(publication, Claim) else None)
    if refused:
        settle(
            S.FAILED,
            outcome=AttemptOutcome.REJECTED,
            detail="; ".join(refused),
            status_reason=("Stopped by the last check before sending: " + "; ".join(refused))[:500],
        )
        report.failed += 1
        return pub, pub.state
    if not sets.may_stand_alone(pub) and sets.is_broken(sets.set_of(pub)):
        # Another language of its set failed for good while this one waited its turn: nothing
        # was sent, so the claim goes back and the set's withdrawal withholds it.
        move(pub, S.SCHEDULED, token=token, **RELEASED)
        sets.withdraw_broken_sets([pub.post_id])
        pub.refresh_from_db(fields=["state", "status_reason"])
        return None, pub.state
    outbound = outbound_for(pub)
    # Send only while the claim is still ours, and say when the request left: a check may
    # conclude "not there" only once a request sent then can no longer land.
    sent_at = timezone.now()
    if not Publication.objects.filter(pk=pub.pk, state=S.PUBLISHING, claim_token=token).update(
        attempts=F("attempts") + 1, last_sent_at=sent_at
    ):
        logger.info("publication %s: claim lost before sending; not sent", pub.pk)
        return None, Publication.objects.values_list("state", flat=True).get(pk=pub.pk)
    pub.attempts += 1
    pub.last_sent_at = sent_at
    try:
        with connector_for(pub.channel, client=client) as connector:
            result = connector.publish(outbound)
    except RetryableError as error:
        note_rate_limit(pub.channel, error)
        _retry_or_give_up(pub, error, token=token, worker=worker, started=started, report=report)
    except AuthExpiredError as error:
        if settle(
            S.FAILED,
            outcome=AttemptOutcome.AUTH_EXPIRED,
            error=error,
            status_reason=f"The channel needs reconnecting: {error}"[:500],
        ):
            _mark_channel(pub.channel, ChannelHealth.NEEDS_RECONNECTING, str(error))
        report.failed += 1
    except RejectedError as error:
        settle(
            S.FAILED,
            outcome=AttemptOutcome.REJECTED,
            error=error,
            status_reason=f"The platform refused it: {error}"[:500],
        )
        report.failed += 1
    except OutcomeUnknownError as error:
        _to_unconfirmed(pub, token=token, worker=worker, started=started, error=error)
        report.unconfirmed += 1
    except Exception as exc:  # noqa: BLE001 - a bug must not turn into a blind retry
        logger.exception("publication %s: unexpected error", pub.pk)
        _to_unconfirmed(
            pub,
            token=token,
            worker=worker,
            started=started,
            error=OutcomeUnknownError(f"internal error: {type(exc).__name__}"),
        )
        report.unconfirmed += 1
    else:
        settle(
            S.PUBLISHED,
            outcome=AttemptOutcome.PUBLISHED,
            **_published_fields(result),
            detail=f"remote id {result.remote_id}" + (f"; {result.note}" if result.note else ""),
        )
        report.published += 1
    return pub, pub.state


def _published_fields(result: PublishResult) -> dict[str, Any]:
    return {
        "remote_id": result.remote_id[:200],
        "remote_url": result.url[:500],
        "thread_remote_ids": list(result.thread_remote_ids),
        "published_at": result.published_at or timezone.now(),
        # Published, with what did not go with it (captions refused), for the post's page.
        "status_reason": result.note[:500],
    }


def _to_unconfirmed(
    pub: Publication, *, token: str | None, worker: str, started: datetime, error: ConnectorError
) -> None:
    _settle(
        pub,
        S.UNCONFIRMED,
        token=token,
        worker=worker,
        started=started,
        outcome=AttemptOutcome.OUTCOME_UNKNOWN,
        error=error,
        next_attempt_at=timezone.now(),
        status_reason=f"Outcome unknown, checking with the platform: {error}"[:500],
    )


def shared_client() -> httpx.Client:
    return platform_client(timeout=settings.CONNECTOR_TIMEOUT_SECONDS)


def publish_due(
    *, worker: str, now: datetime | None = None, client: httpx.Client | None = None
) -> PublishReport:
    """Claim and send every due publication, one after another (tests, the command line).

    The worker's publishing loop (``civicdesk.publishing.engine``) sends many at once.
    """
    report = PublishReport()
    claims = with_publications(claim(worker=worker, now=now))
    if not claims:
        return report
    own = client is None
    client = client or shared_client()
    try:
        while claims:
            report.claimed += len(claims)
            for one in claims:
                publish_one(one, worker=worker, report=report, client=client)
            claims = with_publications(claim(worker=worker, now=now))
    finally:
        if own:
            client.close()
    return report


def renew_leases(tokens: list[str], *, now: datetime | None = None) -> int:
    """The heartbeat: push the lease of the publications this worker is sending."""
    if not tokens:
        return 0
    now = now or timezone.now()
    return Publication.objects.filter(state=S.PUBLISHING, claim_token__in=tokens).update(
        lease_until=now + lease()
    )


def check_unconfirmed(*, worker: str, now: datetime | None = None) -> int:
    """Ask the platform about each unconfirmed publication whose check is due."""
    now = now or timezone.now()
    claimed = claim_checks(worker=worker, now=now)
    for pk in claimed:
        check_one(pk, worker=worker, now=now)
    return len(claimed)


def claim_checks(*, worker: str, now: datetime | None = None, limit: int = 50) -> list[int]:
    """Claim the due checks of unconfirmed publications by pushing each one's next check."""
    now = now or timezone.now()
    due = Publication.objects.filter(state=S.UNCONFIRMED, next_attempt_at__lte=now)
    claimed = []
    for pk, next_at in due.values_list("pk", "next_attempt_at")[:limit]:
        # One worker wins each check: the one whose UPDATE still sees the old time.
        if (
            Publication.objects.filter(pk=pk, state=S.UNCONFIRMED, next_attempt_at=next_at).update(
                next_attempt_at=now + CHECK_INTERVAL, claimed_by=worker[:100]
            )
            == 1
        ):
            claimed.append(pk)
    return claimed


def send_may_still_land(pub: Publication, now: datetime) -> datetime | None:
    """When a request sent at ``last_sent_at`` can no longer land; None if that has passed."""
    if pub.last_sent_at is None:
        return None
    settled_by = pub.last_sent_at + timedelta(seconds=settings.CONNECTOR_TIMEOUT_SECONDS)
    return settled_by if now < settled_by else None


def check_one(publication_id: int, *, worker: str, now: datetime | None = None) -> str:
    """Ask the platform whether an unconfirmed publication is there, and settle it; the rest
    of its language set waits for this answer."""
    pub = _check_one(publication_id, worker=worker, now=now)
    _after_settle(pub)
    return pub.state


def _check_one(publication_id: int, *, worker: str, now: datetime | None) -> Publication:
    pub = Publication.objects.select_related("variant", "channel__brand__organization").get(
        pk=publication_id
    )
    if pub.state != S.UNCONFIRMED:
        return pub
    started = timezone.now()
    now = max(now or started, started)
    try:
        with connector_for(pub.channel) as connector:
            found = connector.check_publication(outbound_for(pub))
    except ConnectorError as error:
        _ledger(
            pub, worker=worker, started=started, outcome=AttemptOutcome.CHECK_FAILED, error=error
        )
        if isinstance(error, AuthExpiredError):
            _mark_channel(pub.channel, ChannelHealth.NEEDS_RECONNECTING, str(error))
        return pub
    if found is not None:
        _settle(
            pub,
            S.PUBLISHED,
            token=None,
            worker=worker,
            started=started,
            outcome=AttemptOutcome.CHECK_FOUND,
            detail=f"remote id {found.remote_id}",
            **_published_fields(found),
        )
        return pub
    with transaction.atomic():
        wait_until = send_may_still_land(pub, now)
        if wait_until is not None:
            # A request still in flight could land after this look: ask again later.
            _ledger(
                pub,
                worker=worker,
                started=started,
                outcome=AttemptOutcome.CHECK_NOT_FOUND,
                detail="Not there yet; the last request could still land.",
            )
            Publication.objects.filter(pk=pub.pk, state=S.UNCONFIRMED).update(
                next_attempt_at=wait_until
            )
            return pub
        _ledger(pub, worker=worker, started=started, outcome=AttemptOutcome.CHECK_NOT_FOUND)
        assert pub.scheduled_at is not None
        if started > pub.scheduled_at + missed_window():
            move(
                pub,
                S.MISSED,
                **RELEASED,
                status_reason=("Not on the platform, and now too late to send."),
            )
        else:
            move(
                pub,
                S.SCHEDULED,
                **RELEASED,
                next_attempt_at=started,
                status_reason="Not on the platform after all; sending again.",
            )
    return pub


def recover_stale_claims(*, now: datetime | None = None) -> int:
    """Claims whose lease ran out belong to a dead or stuck worker: the outcome is unknown.

    The token is cleared, so the old holder can no longer send or settle.
    """
    now = now or timezone.now()
    legacy_cutoff = now - timedelta(seconds=settings.PUBLISH_CLAIM_TIMEOUT_SECONDS)
    stale = Publication.objects.filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, claimed_at__lt=legacy_cutoff)
    )
    return move_many(
        stale,
        S.UNCONFIRMED,
        sources=[S.PUBLISHING],
        **RELEASED,
        next_attempt_at=now,
        updated_at=now,
        status_reason="The worker stopped while sending; checking with the platform.",
    )


def sweep_missed(*, now: datetime | None = None) -> int:
    """Posts not approved, or not sent, within the window after their time are missed."""
    now = now or timezone.now()
    late = Publication.objects.filter(scheduled_at__lt=now - missed_window())
    # The posts whose language sets this sweep may break, looked at before the moves.
    posts = set(
        late.filter(state__in=[S.DRAFT, S.IN_REVIEW, S.SCHEDULED]).values_list("post_id", flat=True)
    )
    not_approved = move_many(
        late,
        S.MISSED,
        sources=[S.DRAFT, S.IN_REVIEW],
        updated_at=now,
        status_reason="Not approved by its scheduled time, so it did not go out.",
    )
    not_sent = move_many(
        late,
        S.MISSED,
        sources=[S.SCHEDULED],
        updated_at=now,
        status_reason="Not sent within the window after its time (publishing was paused "
        "or the platform unavailable).",
    )
    if posts:
        sets.withdraw_broken_sets(posts)
    return not_approved + not_sent
