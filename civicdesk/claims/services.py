"""Actions on claims: write and approve their public entries, decide on matches, turn a
proposal into a claim. Each checks permission, runs in one transaction and is audited.

Who may do what:
- Anyone who answers, writes or approves on a brand of the organization works the claims
  desk: creates claims, writes drafts of their public entry, accepts proposals.
- Only an approver (or a manager or admin) approves a draft, and never their own: the
  approved version is what the public page shows and what responders are offered.
- Confirming or rejecting a match needs the right to answer on the message's brand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.claims import matching
from civicdesk.claims.models import (
    Claim,
    ClaimMatch,
    ClaimProposal,
    ClaimStatus,
    ClaimVersion,
    MatchState,
    ProposalState,
    RumourCandidate,
    VersionState,
)
from civicdesk.core.text import clean_text
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.access import Perm, User, brands_for, has_perm
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Organization

TEXT_FIELDS = ("title", "facts", "correction")
MAX_STATEMENT = 1_000
MAX_TEXT = 5_000
MAX_LINKS = 20


def may_work(user: User, organization: Organization) -> bool:
    return any(
        brands_for(user, perm).filter(organization=organization).exists()
        for perm in (Perm.REPLY, Perm.COMPOSE, Perm.APPROVE)
    )


def may_approve(user: User, organization: Organization) -> bool:
    return brands_for(user, Perm.APPROVE).filter(organization=organization).exists()


def _require_work(user: User, organization: Organization) -> None:
    if not may_work(user, organization):
        raise PermissionDenied(_("Your role does not allow working on claims here."))


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def parse_links(text: str) -> list[dict[str, str]]:
    """One link a line: a label then the address, or the address alone."""
    links: list[dict[str, str]] = []
    check = URLValidator(schemes=["http", "https"])
    for line in text.splitlines():
        line = clean_text(line).strip()
        if not line:
            continue
        label, _sep, url = line.rpartition(" ")
        url = url.strip()
        try:
            check(url)
        except ValidationError:
            raise ValidationError(
                _("“%(line)s” does not end with a web address (https://…).") % {"line": line[:80]}
            ) from None
        links.append({"label": label.strip(" -|:")[:200] or url, "url": url[:500]})
    if len(links) > MAX_LINKS:
        raise ValidationError(_("Give at most %(n)d links.") % {"n": MAX_LINKS})
    return links


def _clean_texts(
    organization: Organization, texts: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for code in organization.official_languages:
        given = texts.get(code) or {}
        row = {f: clean_text(given.get(f) or "").strip() for f in TEXT_FIELDS}
        if any(len(v) > MAX_TEXT for v in row.values()):
            raise ValidationError(_("A text is too long."))
        if any(row.values()):
            cleaned[code] = row
    return cleaned


def _statement(statement: str) -> str:
    statement = clean_text(statement).strip()
    if not statement:
        raise ValidationError(_("Write the claim as people say it."))
    if len(statement) > MAX_STATEMENT:
        raise ValidationError(_("The statement is too long."))
    return statement


def _new_version(
    claim: Claim,
    *,
    status: str,
    texts: dict[str, dict[str, str]],
    sources: list[dict[str, str]],
    help_links: list[dict[str, str]],
    actor: Person,
) -> ClaimVersion:
    # A draft waiting before this one is replaced, not left waiting.
    ClaimVersion.objects.filter(claim=claim, state=VersionState.DRAFT).update(
        state=VersionState.RETIRED
    )
    last = claim.versions.aggregate(n=Max("number"))["n"] or 0
    return ClaimVersion.objects.create(
        claim=claim,
        number=last + 1,
        status=status,
        texts=texts,
        sources=sources,
        help_links=help_links,
        written_by=actor,
    )


def _status(status: str) -> str:
    if status not in ClaimStatus.values:
        raise ValidationError(_("Choose a status."))
    return status


@transaction.atomic
def claim_create(
    *,
    organization: Organization,
    statement: str,
    actor: Person,
    topic: str = "",
    status: str = ClaimStatus.UNVERIFIED,
    owner: Person | None = None,
    texts: Mapping[str, Mapping[str, str]] | None = None,
    sources: Sequence[Mapping[str, str]] = (),
    help_links: Sequence[Mapping[str, str]] = (),
) -> Claim:
    """A new claim with a first draft of its public entry; messages of the last days that
    repeat it are suggested as its matches."""
    _require_work(actor, organization)
    if owner is not None and not may_work(owner, organization):
        raise ValidationError(_("The owner must work on this organization's claims."))
    claim = Claim.objects.create(
        organization=organization,
        statement=_statement(statement),
        topic=clean_text(topic).strip()[:80],
        status=_status(status),
        owner=owner,
        vector=matching.to_bytes(matching.vectors([statement])[0]),
    )
    version = _new_version(
        claim,
        status=claim.status,
        texts=_clean_texts(organization, texts or {}),
        sources=[dict(s) for s in sources],
        help_links=[dict(h) for h in help_links],
        actor=actor,
    )
    audit(
        organization=organization,
        actor=actor,
        action="claim.create",
        target=claim,
        data={"statement": claim.statement, "status": claim.status, "version": version.number},
    )
    _adopt_candidates(claim)
    return claim


def _adopt_candidates(claim: Claim) -> int:
    """Recent rumours that matched no claim and repeat this one become its suggestions."""
    since = timezone.now() - timedelta(days=matching.PROPOSAL_DAYS)
    candidates = list(
        RumourCandidate.objects.filter(organization=claim.organization, sent_at__gte=since)
    )
    if not candidates:
        return 0
    rows = np.vstack([matching.from_bytes(c.vector) for c in candidates])
    scores = rows @ matching.from_bytes(claim.vector)
    adopted = [
        ClaimMatch(
            claim=claim,
            message_id=c.pk,
            score=round(float(score), 4),
            vector=bytes(c.vector),
            sent_at=c.sent_at,
        )
        for c, score in zip(candidates, scores, strict=True)
        if score >= matching.MATCH_THRESHOLD
    ]
    ClaimMatch.objects.bulk_create(adopted, ignore_conflicts=True)
    RumourCandidate.objects.filter(pk__in=[m.message_id for m in adopted]).delete()
    return len(adopted)


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    actor: Person,
    statement: str,
    topic: str,
    owner: Person | None,
    status: str,
    texts: Mapping[str, Mapping[str, str]],
    sources: Sequence[Mapping[str, str]],
    help_links: Sequence[Mapping[str, str]],
) -> ClaimVersion:
    """Change the claim: its working fields at once, its public entry as a new draft that
    waits for an approver (the public page keeps the approved one until then)."""
    claim = Claim.objects.select_for_update().select_related("organization").get(pk=claim.pk)
    organization = claim.organization
    _require_work(actor, organization)
    if owner is not None and not may_work(owner, organization):
        raise ValidationError(_("The owner must work on this organization's claims."))
    statement = _statement(statement)
    claim.topic = clean_text(topic).strip()[:80]
    claim.owner = owner
    claim.status = _status(status)
    fields = ["topic", "owner", "status", "updated_at"]
    if statement != claim.statement:
        claim.statement = statement
        claim.vector = matching.to_bytes(matching.vectors([statement])[0])
        fields += ["statement", "vector"]
    claim.save(update_fields=fields)
    version = _new_version(
        claim,
        status=claim.status,
        texts=_clean_texts(organization, texts),
        sources=[dict(s) for s in sources],
        help_links=[dict(h) for h in help_links],
        actor=actor,
    )
    audit(
        organization=organization,
        actor=actor,
        action="claim.update",
        target=claim,
        data={
            "statement": claim.statement,
            "status": claim.status,
            "owner": claim.owner_id,
            "version": version.number,
        },
    )
    return version


def missing_languages(version: ClaimVersion, organization: Organization) -> list[str]:
    """The official languages in which the entry lacks a title, facts or a correction."""
    return [
        code
        for code in organization.official_languages
        if not all((version.texts.get(code) or {}).get(f) for f in TEXT_FIELDS)
    ]


@transaction.atomic
def claim_approve(*, version: ClaimVersion, actor: Person) -> None:
    """Publish a draft: the public page and the reply box use it from now on."""
    claim = (
        Claim.objects.select_for_update().select_related("organization").get(pk=version.claim_id)
    )
    organization = claim.organization
    if not may_approve(actor, organization):
        raise PermissionDenied(_("Only an approver publishes a claim's entry."))
    if version.written_by_id == actor.pk:
        raise PermissionDenied(_("Someone else must approve what you wrote."))
    missing = missing_languages(version, organization)
    if missing:
        raise ValidationError(
            _(
                "Write the title, the facts and the correction in every official language "
                "first: %(codes)s."
            )
            % {"codes": ", ".join(code.upper() for code in missing)}
        )
    now = timezone.now()
    if not ClaimVersion.objects.filter(pk=version.pk, state=VersionState.DRAFT).update(
        state=VersionState.APPROVED, approved_by=actor, approved_at=now
    ):
        raise ValidationError(_("This version is no longer a draft."))
    ClaimVersion.objects.filter(claim=claim, state=VersionState.APPROVED).exclude(
        pk=version.pk
    ).update(state=VersionState.RETIRED)
    Claim.objects.filter(pk=claim.pk).update(
        published_id=version.pk, published_at=now, status=version.status, updated_at=now
    )
    audit(
        organization=organization,
        actor=actor,
        action="claim.approve",
        target=claim,
        data={"version": version.number, "status": version.status},
    )


@transaction.atomic
def claim_unpublish(*, claim: Claim, actor: Person) -> None:
    """Take the claim off the public page (its approved version retires)."""
    claim = Claim.objects.select_for_update().select_related("organization").get(pk=claim.pk)
    if not may_approve(actor, claim.organization):
        raise PermissionDenied(_("Only an approver publishes a claim's entry."))
    ClaimVersion.objects.filter(claim=claim, state=VersionState.APPROVED).update(
        state=VersionState.RETIRED
    )
    Claim.objects.filter(pk=claim.pk).update(published=None, updated_at=timezone.now())
    audit(organization=claim.organization, actor=actor, action="claim.unpublish", target=claim)


@transaction.atomic
def match_decide(*, match: ClaimMatch, confirmed: bool, actor: Person) -> None:
    """A person says whether the message repeats the claim; the matcher learns from it."""
    match = (
        ClaimMatch.objects.select_for_update(of=("self",))
        .select_related("message__channel__brand", "claim__organization")
        .get(pk=match.pk)
    )
    if not has_perm(actor, match.message.channel.brand, Perm.REPLY):
        raise PermissionDenied(_("Your role does not allow answering or moderating messages."))
    state = MatchState.CONFIRMED if confirmed else MatchState.REJECTED
    ClaimMatch.objects.filter(pk=match.pk).update(
        state=state, decided_by=actor, decided_at=timezone.now()
    )
    audit(
        organization=match.claim.organization,
        actor=actor,
        action="claim.match_confirm" if confirmed else "claim.match_reject",
        target=match.claim,
        data={"message": match.message_id, "score": match.score, "was": match.state},
    )


@transaction.atomic
def match_add(*, claim: Claim, message: InboundMessage, actor: Person) -> ClaimMatch:
    """A person links a message to a claim the matcher missed: a confirmed example."""
    if message.channel.brand.organization_id != claim.organization_id:
        raise ValidationError(_("The message is not one of this organization's."))
    if not has_perm(actor, message.channel.brand, Perm.REPLY):
        raise PermissionDenied(_("Your role does not allow answering or moderating messages."))
    row = matching.vectors([message.text])[0]
    match, _created = ClaimMatch.objects.update_or_create(
        claim=claim,
        message=message,
        defaults={
            "state": MatchState.CONFIRMED,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "vector": matching.to_bytes(row),
            "sent_at": message.sent_at,
            "score": round(float(row @ matching.from_bytes(claim.vector)), 4),
        },
    )
    RumourCandidate.objects.filter(pk=message.pk).delete()
    audit(
        organization=claim.organization_id,
        actor=actor,
        action="claim.match_add",
        target=claim,
        data={"message": message.pk},
    )
    return match


@transaction.atomic
def proposal_accept(*, proposal: ClaimProposal, statement: str, actor: Person) -> Claim:
    """Make the proposed cluster a claim; its messages become the claim's suggestions."""
    proposal = (
        ClaimProposal.objects.select_for_update().select_related("organization").get(pk=proposal.pk)
    )
    if proposal.state != ProposalState.OPEN:
        raise ValidationError(_("This proposal was already handled."))
    claim = claim_create(organization=proposal.organization, statement=statement, actor=actor)
    members = list(RumourCandidate.objects.filter(proposal=proposal))
    reference = matching.from_bytes(claim.vector)
    ClaimMatch.objects.bulk_create(
        [
            ClaimMatch(
                claim=claim,
                message_id=c.pk,
                score=round(float(matching.from_bytes(c.vector) @ reference), 4),
                vector=bytes(c.vector),
                sent_at=c.sent_at,
            )
            for c in members
        ],
        ignore_conflicts=True,
    )
    RumourCandidate.objects.filter(pk__in=[c.pk for c in members]).delete()
    ClaimProposal.objects.filter(pk=proposal.pk).update(
        state=ProposalState.ACCEPTED, claim=claim, updated_at=timezone.now()
    )
    audit(
        organization=proposal.organization,
        actor=actor,
        action="claim.proposal_accept",
        target=claim,
        data={"proposal": proposal.pk, "messages": len(members)},
    )
    return claim


@transaction.atomic
def proposal_dismiss(*, proposal: ClaimProposal, actor: Person) -> None:
    proposal = (
        ClaimProposal.objects.select_for_update().select_related("organization").get(pk=proposal.pk)
    )
    _require_work(actor, proposal.organization)
    if proposal.state != ProposalState.OPEN:
        raise ValidationError(_("This proposal was already handled."))
    ClaimProposal.objects.filter(pk=proposal.pk).update(
        state=ProposalState.DISMISSED, updated_at=timezone.now()
    )
    audit(
        organization=proposal.organization,
        actor=actor,
        action="claim.proposal_dismiss",
        target=proposal,
        data={"example": proposal.example_id},
    )
