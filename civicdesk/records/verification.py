"""Verifying the audit log's and the archive's chains without reading them on every page.

A full check reads a chain from its first entry, as a background task (``check_chain``):
the nightly job (``records.verify`` in the worker, every ``RECORDS_VERIFY_SECONDS``) queues
one for every organization and chain, and "Check the whole chain now" queues one
(``check_request``). Its result is stored (``ChainCheck``): when, how many entries, the
last entry found good and its hash, and the first entry it could not trust. The Archive and
Audit log pages (``chain_status``) then check only the entries added since, starting from
that stored hash, after seeing that the chain still holds it and agrees with its newest
checkpoint before it: a chain cut short or rewritten since is caught at once, an entry
changed in place without new hashes at the next full check. With no full check stored yet,
a page checks a small chain in full itself (``RECORDS_VERIFY_ON_PAGE_MAX`` entries at most)
and otherwise says so.

``civicdesk records verify`` and ``civicdesk verify_audit`` always read the chains in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.core.anchors import Head
from civicdesk.organizations.access import is_org_admin
from civicdesk.organizations.audit import audit, verify_chain
from civicdesk.organizations.models import AuditEvent, Organization
from civicdesk.records import anchoring
from civicdesk.records.access import keeps_records
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, Chain, ChainCheck

# A check that has not finished in this time died with its worker: another may start.
STALE_AFTER = timedelta(hours=6)


@dataclass(frozen=True)
class Verified:
    """What one check found: ``entries`` read, the last one found good (``head``), and the
    first entry that cannot be trusted, if any."""

    entries: int
    head: Head
    first_broken: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(organization_id: int, chain: str, *, after: Head | None = None) -> Verified:
    """Check ``chain`` in full, or only after ``after``, against its signed checkpoints."""
    anchors = anchoring.anchors(
        organization_id, chain, resume_at=after.sequence if after is not None else None
    )
    if chain == Chain.AUDIT:
        audit_report = verify_chain(organization_id, anchors, after=after)
        return Verified(
            audit_report.events,
            audit_report.head,
            audit_report.first_broken,
            audit_report.reason,
        )
    report = verify_archive(organization_id, anchors, after=after)
    return Verified(report.entries, report.head, report.first_broken, report.reason)


def _row(organization_id: int, chain: str) -> ChainCheck:
    try:
        with transaction.atomic():
            row, _created = ChainCheck.objects.get_or_create(
                organization_id=organization_id, chain=chain
            )
    except IntegrityError:  # created meanwhile by another worker
        row = ChainCheck.objects.get(organization_id=organization_id, chain=chain)
    return row


def run_full_check(organization_id: int, chain: str) -> ChainCheck | None:
    """Read ``chain`` from its first entry and store what was found. None when another
    check of the same chain is running."""
    row = _row(organization_id, chain)
    began = timezone.now()
    free = Q(started_at__isnull=True) | Q(started_at__lt=began - STALE_AFTER)
    if ChainCheck.objects.filter(free, pk=row.pk).update(started_at=began) != 1:
        return None  # another worker got there first
    try:
        found = verify(organization_id, chain)
    except BaseException:
        ChainCheck.objects.filter(pk=row.pk, started_at=began).update(started_at=None)
        raise
    with transaction.atomic():
        ChainCheck.objects.filter(pk=row.pk).update(
            started_at=None,
            checked_at=timezone.now(),
            entries=found.entries,
            sequence=found.head.sequence,
            head_hash=found.head.hash,
            whole=found.ok,
            first_broken=found.first_broken,
            reason=found.reason[:300],
        )
        # A request made while this check ran asks for a check that reads what it missed.
        ChainCheck.objects.filter(pk=row.pk, requested_at__lte=began).update(
            requested_at=None, requested_by=None
        )
    row.refresh_from_db()
    return row


@task()
def check_chain(organization_id: int, chain: str) -> str:
    """A full check queued by the nightly job or asked for from a page."""
    row = run_full_check(organization_id, chain)
    if row is None:
        return "already running"
    return "ok" if row.whole else f"broken at {row.first_broken}"


def _queue(organization_id: int, chain: str, actor: Person | None) -> bool:
    """Mark a full check of ``chain`` as asked for and queue it once this transaction
    commits, unless one is already waiting or running. Call inside a transaction."""
    row = _row(organization_id, chain)
    recent = timezone.now() - STALE_AFTER
    waiting = Q(requested_at__gte=recent) | Q(started_at__gte=recent)
    queued = (
        ChainCheck.objects.filter(pk=row.pk)
        .exclude(waiting)
        .update(requested_at=timezone.now(), requested_by=actor)
    )
    if queued:
        transaction.on_commit(lambda: check_chain.enqueue(organization_id, chain))
    return bool(queued)


def verify_all() -> int:
    """The periodic job: queue a full check of every organization's chains, run by the
    worker's task loop (a long check must not hold up ingest and the other periodic jobs).
    Returns how many it queued."""
    queued = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        for chain in (Chain.AUDIT, Chain.ARCHIVE):
            with transaction.atomic():
                queued += _queue(organization_id, chain, None)
    return queued


def may_check(user: Person, organization: Organization, chain: str) -> bool:
    """Who sees a chain's page may ask for its full check: the audit log's admins, the
    archive's admins and records officers."""
    if chain == Chain.AUDIT:
        return is_org_admin(user, organization)
    return keeps_records(user, organization)


def check_request(*, organization: Organization, chain: str, actor: Person) -> ChainCheck:
    """Queue a full check of ``chain``, unless one is already waiting or running."""
    if chain not in Chain.values:
        raise ValidationError(_("There is no such chain."))
    if not may_check(actor, organization, chain):
        raise PermissionDenied(_("You may not check this chain."))
    with transaction.atomic():
        queued = _queue(organization.pk, chain, actor)
        row = ChainCheck.objects.get(organization=organization, chain=chain)
        audit(
            organization=organization,
            actor=actor,
            action="records.chain_check_requested",
            target=row,
            data={"chain": chain, "queued": queued},
        )
    return row


# What the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStatus:
    """A chain as a page shows it: the stored full check, what was checked now, and any
    check asked for or running."""

    chain: str
    check: ChainCheck | None
    # Entries checked for this view: those added since the stored full check, or the whole
    # chain when a small one was never checked in full (with ``not_checked``: those added
    # since, left unchecked).
    checked_now: int
    checked_in_full_now: bool
    # Too much to check here (never checked in full, or more than RECORDS_VERIFY_ON_PAGE_MAX
    # entries since the last full check): the page offers the full check instead.
    not_checked: bool
    entries_total: int
    first_broken: int | None
    reason: str
    requested_at: datetime | None
    running_since: datetime | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None and not self.not_checked

    @property
    def checked_at(self) -> datetime | None:
        return self.check.checked_at if self.check is not None else None

    @property
    def entries_in_full(self) -> int:
        return self.check.entries if self.check is not None else 0

    @property
    def broken_at_full_check(self) -> bool:
        return self.check is not None and self.check.checked_at is not None and not self.check.whole


def _head_sequence(organization_id: int, chain: str) -> int:
    rows = (
        AuditEvent.objects.filter(organization_id=organization_id)
        if chain == Chain.AUDIT
        else ArchiveEntry.objects.filter(organization_id=organization_id)
    )
    return rows.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def chain_status(*, organization_id: int, chain: str) -> ChainStatus:
    """Check what the stored full check has not, and say what was checked."""
    check = ChainCheck.objects.filter(organization_id=organization_id, chain=chain).first()
    requested = check.requested_at if check is not None else None
    started = check.started_at if check is not None else None
    # A check asked for or begun long ago died with its task or its worker: ask again.
    if requested is not None and requested < timezone.now() - STALE_AFTER:
        requested = None
    if started is not None and started < timezone.now() - STALE_AFTER:
        started = None

    def status(
        *,
        checked_now: int = 0,
        in_full: bool = False,
        not_checked: bool = False,
        total: int = 0,
        first_broken: int | None = None,
        reason: str = "",
    ) -> ChainStatus:
        return ChainStatus(
            chain=chain,
            check=check if check is not None and check.checked_at is not None else None,
            checked_now=checked_now,
            checked_in_full_now=in_full,
            not_checked=not_checked,
            entries_total=total,
            first_broken=first_broken,
            reason=reason,
            requested_at=requested,
            running_since=started,
        )

    if check is not None and check.checked_at is not None:
        if not check.whole:
            # The chain cannot be trusted from there on: nothing after it is worth checking.
            return status(total=check.entries, first_broken=check.first_broken, reason=check.reason)
        added = _head_sequence(organization_id, chain) - check.sequence
        if added > settings.RECORDS_VERIFY_ON_PAGE_MAX:
            # The full checks stopped (no worker?): too much to read here; say so instead.
            return status(not_checked=True, checked_now=added, total=check.entries + added)
        found = verify(organization_id, chain, after=Head(check.sequence, check.head_hash))
        return status(
            checked_now=found.entries,
            total=check.entries + found.entries,
            first_broken=found.first_broken,
            reason=found.reason,
        )
    head = _head_sequence(organization_id, chain)
    if head > settings.RECORDS_VERIFY_ON_PAGE_MAX:
        return status(not_checked=True, total=head)
    found = verify(organization_id, chain)
    return status(
        checked_now=found.entries,
        in_full=True,
        total=found.entries,
        first_broken=found.first_broken,
        reason=found.reason,
    )
