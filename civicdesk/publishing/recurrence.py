"""Recurring posts: a series (an RFC 5545 RRULE with EXDATEs, in the organization's local time)
and its occurrences, which are ordinary posts made a rolling horizon ahead.

Invariants:
- The rule is expanded by dateutil on *local wall-clock* times (a floating DTSTART), and each
  occurrence is then placed in the organization's zone: 07:30 stays 07:30 when the clocks
  change. A local time the clocks skip is read with the offset before the gap (RFC 5545 3.3.5),
  so 02:30 on the spring-forward night becomes 03:30.
- An occurrence is a ``Post`` with ``series`` and ``occurrence_at`` (the time the rule gave it,
  unique per series): made once, never twice, whoever runs the horizon. Moved or cancelled by
  hand, it stays what the person made it; the publisher sends it like any other post.
- Approval follows the policy (``recurring.approve_series_once``): each occurrence goes to
  review and is approved with the brand's tiers, or the series is approved once with the same
  tiers and no self-approval, and its occurrences are born approved, naming those approvers.
- Editing a series changes its occurrences still to come and not yet on a platform; those the
  new rule no longer gives are cancelled. Ending a series cancels them.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrule, rruleset, rrulestr
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.organizations.access import Perm, has_perm, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel
from civicdesk.publishing import services
from civicdesk.publishing.checks import policy_for
from civicdesk.publishing.models import (
    Campaign,
    Pillar,
    Post,
    PostSeries,
    PostStatus,
    SeriesApproval,
    SeriesStatus,
)
from civicdesk.publishing.state import LIVE_OR_UNKNOWN

logger = logging.getLogger(__name__)

# Occurrences exist this far ahead; the worker extends the horizon every hour.
HORIZON = timedelta(days=42)
# Frequencies a post can recur at (no more often than daily).
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_RULE = 500
_UNTIL = re.compile(r"UNTIL=(\d{8})(?:T(\d{6})(Z?))?")


@dataclass(frozen=True)
class SeriesDraft:
    """What an author writes for a recurring post."""

    title: str
    texts: Mapping[str, str]
    channels: Sequence[Channel]
    starts_on: date
    local_time: time
    rule: str
    exdates: Sequence[datetime] = ()
    pillar: Pillar | None = None
    campaign: Campaign | None = None
    link: str = ""


def normalize_rule(rule: str, tz: zoneinfo.ZoneInfo) -> str:
    """The RRULE value as stored: upper case, no "RRULE:" prefix, UNTIL as a local date-time.

    Refuses what is not an RRULE, a DTSTART inside it (the series gives it), and rules more
    frequent than daily. An UNTIL in UTC ("...Z") is turned into the organization's local time.
    """
    value = rule.strip().upper()
    value = value.removeprefix("RRULE:").strip().strip(";")
    if not value:
        raise ValidationError({"rule": [_("Say how often the post recurs.")]})
    if len(value) > MAX_RULE or "\n" in value or "DTSTART" in value:
        raise ValidationError({"rule": [_("Write one RRULE line, without DTSTART.")]})
    parts = dict(p.partition("=")[::2] for p in value.split(";") if p)
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError(
            {"rule": [_("The rule needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.")]}
        )
    if "UNTIL" in parts and "COUNT" in parts:
        raise ValidationError({"rule": [_("A rule ends with UNTIL or with COUNT, not both.")]})

    def local_until(match: re.Match[str]) -> str:
        day, clock, zulu = match.group(1), match.group(2) or "235959", match.group(3)
        at = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
        if zulu:
            at = at.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
        return f"UNTIL={at:%Y%m%dT%H%M%S}"

    value = _UNTIL.sub(local_until, value)
    try:
        rrulestr(f"RRULE:{value}", dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as error:
        raise ValidationError(
            {"rule": [_("This is not a recurrence rule: %(reason)s") % {"reason": error}]}
        ) from None
    return value


def _rule_set(series: PostSeries) -> rruleset:
    start = datetime.combine(series.starts_on, series.local_time)  # floating local time
    rules = rruleset()
    parsed = rrulestr(f"RRULE:{series.rule}", dtstart=start)
    assert isinstance(parsed, rrule)
    rules.rrule(parsed)
    for value in series.exdates:
        rules.exdate(datetime.fromisoformat(value))
    return rules


def place(local: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """A floating local time in ``tz``, in UTC. A time the clocks skip takes the offset before
    the gap (fold=0): 02:30 on the spring-forward night is 03:30 summer time; a time that happens
    twice is the first."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def occurrences_between(series: PostSeries, since: datetime, until: datetime) -> list[datetime]:
    """The series' occurrences after ``since`` up to ``until`` (aware), in UTC, in order."""
    tz = series.brand.organization.tz
    # Compare in floating local time, with a day's margin for the offset, then exactly.
    low = since.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    high = until.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    placed = (place(local, tz) for local in _rule_set(series).between(low, high, inc=True))
    return [at for at in placed if since < at <= until]


def next_occurrences(series: PostSeries, *, after: datetime, limit: int = 5) -> list[datetime]:
    """The next ``limit`` occurrences after ``after`` (for the series page), in UTC."""
    tz = series.brand.organization.tz
    found: list[datetime] = []
    local = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    for candidate in _rule_set(series).xafter(local, inc=False):
        at = place(candidate, tz)
        if at > after:
            found.append(at)
        if len(found) >= limit:
            break
    return found


def approves_series_once(brand: Brand) -> bool:
    return policy_for(brand.organization).recurring.approve_series_once


def _validate(brand: Brand, draft: SeriesDraft) -> str:
    errors: dict[str, list[str]] = {}
    if not draft.title.strip():
        errors.setdefault("title", []).append(_("Give the post a title for the team."))
    if not any(text.strip() for text in draft.texts.values()):
        errors.setdefault("texts", []).append(_("Write the post in at least one language."))
    if not draft.channels:
        errors.setdefault("channels", []).append(_("Choose at least one channel."))
    if any(channel.brand_id != brand.pk for channel in draft.channels):
        errors.setdefault("channels", []).append(_("A channel belongs to another brand."))
    for item in (draft.pillar, draft.campaign):
        if item is not None and item.organization_id != brand.organization_id:
            errors.setdefault("__all__", []).append(_("That belongs to another organization."))
    try:
        rule = normalize_rule(draft.rule, brand.organization.tz)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        rule = ""
    if errors:
        raise ValidationError(errors)
    return rule


def _occurrence_draft(series: PostSeries, at: datetime | None) -> services.Draft:
    return services.Draft(
        title=series.title,
        texts=dict(series.texts),
        channels=list(series.channels.all()),
        scheduled_at=at,
        pillar=series.pillar,
        campaign=series.campaign,
        link=series.link,
    )


def _fill(series: PostSeries, draft: SeriesDraft, rule: str) -> None:
    series.title = draft.title.strip()[:200]
    series.texts = {lang: text for lang, text in draft.texts.items() if text.strip()}
    series.starts_on = draft.starts_on
    series.local_time = draft.local_time.replace(second=0, microsecond=0)
    series.rule = rule
    series.exdates = sorted(
        {at.replace(second=0, microsecond=0).isoformat() for at in draft.exdates}
    )
    series.pillar = draft.pillar
    series.campaign = draft.campaign
    series.link = draft.link


@transaction.atomic
def series_create(*, brand: Brand, actor: Person, draft: SeriesDraft) -> PostSeries:
    """Make a recurring post. Where each occurrence is approved on its own it runs at once
    (its first occurrences are made and sent for review); else it waits for its approval."""
    require(actor, brand, Perm.COMPOSE)
    if brand.archived_at is not None:
        raise ValidationError(
            _("%(brand)s is archived: it takes no new posts.") % {"brand": brand.name}
        )
    rule = _validate(brand, draft)
    once = approves_series_once(brand)
    series = PostSeries(brand=brand, author=actor)
    _fill(series, draft, rule)
    series.status = SeriesStatus.DRAFT if once else SeriesStatus.ACTIVE
    series.save()
    series.channels.set(draft.channels)
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="series.create",
        target=series,
        data=_described(series),
    )
    series_materialize(series=series)
    return series


def _described(series: PostSeries) -> dict[str, object]:
    return {
        "title": series.title,
        "rule": series.rule,
        "starts_on": series.starts_on.isoformat(),
        "local_time": series.local_time.strftime("%H:%M"),
        "exdates": list(series.exdates),
        "revision": series.revision,
    }


def _lock(series: PostSeries) -> PostSeries:
    return (
        PostSeries.objects.select_for_update()
        .select_related("brand__organization")
        .get(pk=series.pk)
    )


def _pending(series: PostSeries, now: datetime) -> list[Post]:
    """Occurrences still to come that may change: not cancelled, nothing on a platform."""
    return list(
        series.occurrences.filter(scheduled_at__gt=now)
        .exclude(status=PostStatus.CANCELLED)
        .exclude(publications__state__in=LIVE_OR_UNKNOWN)
        .distinct()
        .order_by("occurrence_at")
    )


@transaction.atomic
def series_update(*, series: PostSeries, actor: Person, draft: SeriesDraft) -> PostSeries:
    """Edit a series: its occurrences still to come follow (content, and time unless one was
    moved by hand); those the new rule no longer gives are cancelled, new ones are made.

    Where the series is approved once, an edit needs its approval again: its occurrences wait
    as drafts until then.
    """
    series = _lock(series)
    require(actor, series.brand, Perm.COMPOSE)
    if series.status == SeriesStatus.ENDED:
        raise ValidationError(_("This recurring post has ended."))
    rule = _validate(series.brand, draft)
    before = _described(series)
    _fill(series, draft, rule)
    series.revision += 1
    once = approves_series_once(series.brand)
    if once:
        series.status = SeriesStatus.DRAFT
    elif series.status != SeriesStatus.ACTIVE:
        series.status = SeriesStatus.ACTIVE
    series.save()
    series.channels.set(draft.channels)
    now = timezone.now()
    horizon = max(series.materialized_until or now, now + HORIZON)
    wanted = occurrences_between(series, now, horizon)
    free = set(wanted)
    tz = series.brand.organization.tz
    changed = cancelled = 0
    for post in _pending(series, now):
        key = post.occurrence_at
        if key not in free:
            # The rule moved: the occurrence of the same local day takes its place, if any.
            day = timezone.localtime(key, tz).date() if key else None
            key = next(
                (at for at in sorted(free) if timezone.localtime(at, tz).date() == day), None
            )
        if key is None:
            services.post_cancel(post=post, actor=actor)
            cancelled += 1
            continue
        free.discard(key)
        moved_by_hand = post.scheduled_at != post.occurrence_at
        at = post.scheduled_at if moved_by_hand else key
        Post.objects.filter(pk=post.pk).update(occurrence_at=key)
        post.occurrence_at = key
        post = services.post_update(post=post, actor=actor, draft=_occurrence_draft(series, at))
        changed += 1
        if not once and post.status == PostStatus.DRAFT:
            _submit_quietly(post, series)
    audit(
        organization=series.brand.organization_id,
        actor=actor,
        action="series.update",
        target=series,
        data={**_described(series), "before": before, "changed": changed, "cancelled": cancelled},
    )
    series_materialize(series=series, now=now)
    return series


def _submit_quietly(post: Post, series: PostSeries) -> None:
    """Send an occurrence for review as its author would; one a check blocks stays a draft (its
    page says why), and the others go on."""
    try:
        with transaction.atomic():
            services.post_submit(post=post, actor=series.author)
    except (ValidationError, PermissionDenied):
        pass


def _approve_quietly(post: Post, series: PostSeries, approvals: list[tuple[Person, str]]) -> None:
    """Approve an occurrence with its series' approvals; one a check blocks stays a draft."""
    try:
        with transaction.atomic():
            services.post_approve_with_series(post=post, approvals=approvals, series_id=series.pk)
    except (ValidationError, PermissionDenied):
        pass


def _approved_by(series: PostSeries) -> list[SeriesApproval]:
    return list(series.approvals.filter(revision=series.revision, approved=True).order_by("tier"))


def series_materialize(*, series: PostSeries, now: datetime | None = None) -> int:
    """Make the occurrences up to the horizon that do not exist yet; how many were made.

    Safe to run by many workers at once: the (series, occurrence) pair is unique, and a
    worker that loses the race to create one skips it.
    """
    now = now or timezone.now()
    series = PostSeries.objects.select_related("brand__organization", "author").get(pk=series.pk)
    once = approves_series_once(series.brand)
    runs = series.status == (SeriesStatus.APPROVED if once else SeriesStatus.ACTIVE)
    if not runs or series.brand.archived_at is not None:
        return 0
    if not has_perm(series.author, series.brand, Perm.COMPOSE):
        return 0  # its author can no longer write for the brand: someone must take it over
    horizon = now + HORIZON
    # From now, not from the last horizon: an edit may have given the rule new occurrences.
    existing = set(
        series.occurrences.filter(occurrence_at__gt=now).values_list("occurrence_at", flat=True)
    )
    approvals = _approved_by(series) if once else []
    made = 0
    for at in occurrences_between(series, now, horizon):
        if at in existing:
            continue
        try:
            with transaction.atomic():
                post = services.post_create(
                    brand=series.brand,
                    actor=series.author,
                    draft=_occurrence_draft(series, at),
                )
                Post.objects.filter(pk=post.pk).update(series=series, occurrence_at=at)
                post.series, post.occurrence_at = series, at
        except IntegrityError:
            continue  # another worker made this occurrence first
        if once:
            _approve_quietly(post, series, [(a.approver, a.comment) for a in approvals])
        else:
            _submit_quietly(post, series)
        made += 1
    PostSeries.objects.filter(pk=series.pk).update(materialized_until=horizon)
    return made


def materialize_all(*, now: datetime | None = None) -> int:
    """Extend every running series to the horizon (the worker's hourly job)."""
    made = 0
    running = PostSeries.objects.filter(
        status__in=[SeriesStatus.ACTIVE, SeriesStatus.APPROVED]
    ).values_list("pk", flat=True)
    for pk in running:
        try:
            made += series_materialize(series=PostSeries(pk=pk), now=now)
        except ValidationError:
            # Its channels no longer take its text (switched off, languages changed): the
            # others still get their occurrences; this one waits for someone to change it.
            logger.warning("recurring post %s could not make its occurrences", pk, exc_info=True)
    return made


@transaction.atomic
def series_submit(*, series: PostSeries, actor: Person) -> PostSeries:
    series = _lock(series)
    require(actor, series.brand, Perm.COMPOSE)
    if series.status != SeriesStatus.DRAFT:
        raise ValidationError(_("Only a draft series can be submitted for approval."))
    series.status = SeriesStatus.IN_REVIEW
    series.save(update_fields=["status", "updated_at"])
    audit(
        organization=series.brand.organization_id,
        actor=actor,
        action="series.submit",
        target=series,
        data={"revision": series.revision},
    )
    return series


def series_approvals_needed(series: PostSeries) -> int:
    return max(0, series.brand.approval_tiers - len(_approved_by(series)))


@transaction.atomic
def series_approve(*, series: PostSeries, actor: Person, comment: str = "") -> PostSeries:
    """Approve a whole series (where the policy allows it) for one tier; the last tier starts
    it, and approves the occurrences that waited for it."""
    series = _lock(series)
    require(actor, series.brand, Perm.APPROVE)
    if series.status != SeriesStatus.IN_REVIEW:
        raise ValidationError(_("Only a series in review can be approved."))
    if series.author_id == actor.pk:
        raise PermissionDenied(_("No one approves their own post."))
    done = _approved_by(series)
    if any(a.approver_id == actor.pk for a in done):
        raise PermissionDenied(_("You have already approved this version; another approver must."))
    tier = len(done) + 1
    SeriesApproval.objects.create(
        series=series,
        approver=actor,
        tier=tier,
        revision=series.revision,
        approved=True,
        comment=comment[:5000],
    )
    complete = tier >= series.brand.approval_tiers
    if complete:
        series.status = SeriesStatus.APPROVED
        series.save(update_fields=["status", "updated_at"])
    audit(
        organization=series.brand.organization_id,
        actor=actor,
        action="series.approve",
        target=series,
        data={"revision": series.revision, "tier": tier, "of": series.brand.approval_tiers},
    )
    if complete:
        approvals = [(a.approver, a.comment) for a in _approved_by(series)]
        for post in _pending(series, timezone.now()):
            if post.status == PostStatus.DRAFT:
                _approve_quietly(post, series, approvals)
        series_materialize(series=series)
    return series


@transaction.atomic
def series_send_back(*, series: PostSeries, actor: Person, comment: str) -> PostSeries:
    series = _lock(series)
    require(actor, series.brand, Perm.APPROVE)
    if series.status not in (SeriesStatus.IN_REVIEW, SeriesStatus.APPROVED):
        raise ValidationError(_("Only a series in review or approved can be sent back."))
    if not comment.strip():
        raise ValidationError(_("Say what needs to change."))
    SeriesApproval.objects.create(
        series=series,
        approver=actor,
        tier=0,
        revision=series.revision,
        approved=False,
        comment=comment[:5000],
    )
    series.status = SeriesStatus.DRAFT
    series.revision += 1
    series.save(update_fields=["status", "revision", "updated_at"])
    # What was approved with it no longer is: its occurrences to come wait as drafts.
    for post in _pending(series, timezone.now()):
        if post.status in (PostStatus.IN_REVIEW, PostStatus.APPROVED):
            services.post_send_back(post=post, actor=actor, comment=comment)
    audit(
        organization=series.brand.organization_id,
        actor=actor,
        action="series.send_back",
        target=series,
        data={"comment": comment},
    )
    return series


@transaction.atomic
def series_end(*, series: PostSeries, actor: Person) -> PostSeries:
    """Stop a recurring post: no more occurrences; those still to come are cancelled."""
    series = _lock(series)
    require(actor, series.brand, Perm.COMPOSE)
    if series.status == SeriesStatus.ENDED:
        raise ValidationError(_("This recurring post has ended."))
    cancelled = 0
    for post in _pending(series, timezone.now()):
        services.post_cancel(post=post, actor=actor)
        cancelled += 1
    series.status = SeriesStatus.ENDED
    series.save(update_fields=["status", "updated_at"])
    audit(
        organization=series.brand.organization_id,
        actor=actor,
        action="series.end",
        target=series,
        data={"cancelled": cancelled},
    )
    return series
