"""What the claims pages read: the desk's lists, a claim's matches counted over time, the
correction offered in the reply box, and the public entries of the rumour-control page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from civicdesk.claims.models import (
    Claim,
    ClaimMatch,
    ClaimProposal,
    ClaimVersion,
    MatchState,
    ProposalState,
    RumourCandidate,
)
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.access import Perm, User, brands_for, channels_for
from civicdesk.organizations.models import Organization

TREND_DAYS = 14


def desk_organizations(user: User) -> QuerySet[Organization]:
    """The organizations whose claims desk the person works."""
    brand_ids = set()
    for perm in (Perm.REPLY, Perm.COMPOSE, Perm.APPROVE):
        brand_ids |= set(brands_for(user, perm).values_list("organization_id", flat=True))
    return Organization.objects.filter(pk__in=brand_ids).order_by("name")


def claims_for(*, organization: Organization, query: str = "", status: str = "") -> QuerySet[Claim]:
    claims = Claim.objects.filter(organization=organization).select_related("owner", "published")
    if query:
        claims = claims.filter(Q(statement__icontains=query) | Q(topic__icontains=query))
    if status:
        claims = claims.filter(status=status)
    week = timezone.now() - timedelta(days=7)
    return claims.annotate(
        to_check=Count("matches", filter=Q(matches__state=MatchState.SUGGESTED)),
        repeats=Count("matches", filter=~Q(matches__state=MatchState.REJECTED)),
        this_week=Count(
            "matches", filter=~Q(matches__state=MatchState.REJECTED) & Q(matches__sent_at__gte=week)
        ),
    )


@dataclass(frozen=True)
class Day:
    day: date
    count: int
    height: int  # percent of the busiest day


def trend(*, claim: Claim, days: int = TREND_DAYS, now: datetime | None = None) -> list[Day]:
    """Messages repeating the claim each day (in the organization's time zone), rejected
    ones left out, over the last ``days`` days."""
    tz = claim.organization.tz
    today = timezone.localtime(now or timezone.now(), tz).date()
    start = today - timedelta(days=days - 1)
    counts = dict(
        ClaimMatch.objects.filter(claim=claim)
        .exclude(state=MatchState.REJECTED)
        .filter(sent_at__date__gte=start - timedelta(days=1))
        .annotate(day=TruncDate("sent_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    top = max(counts.values(), default=0) or 1
    return [
        Day(d, counts.get(d, 0), round(100 * counts.get(d, 0) / top))
        for d in (start + timedelta(days=i) for i in range(days))
    ]


def claim_matches(*, claim: Claim, user: User, state: str) -> list[ClaimMatch]:
    """The claim's matches in ``state`` on messages of the channels the person sees."""
    return list(
        ClaimMatch.objects.filter(
            claim=claim, state=state, message__channel__in=channels_for(user)
        ).select_related("message__author", "message__channel", "decided_by")[:100]
    )


def claim_versions(*, claim: Claim) -> list[ClaimVersion]:
    return list(claim.versions.select_related("written_by", "approved_by"))


def open_proposals(*, organization: Organization, user: User) -> list[tuple[ClaimProposal, int]]:
    proposals = list(
        ClaimProposal.objects.filter(
            organization=organization,
            state=ProposalState.OPEN,
            example__channel__in=channels_for(user),
        ).select_related("example")
    )
    sizes = dict(
        RumourCandidate.objects.filter(proposal__in=proposals)
        .values("proposal")
        .annotate(n=Count("pk"))
        .values_list("proposal", "n")
    )
    return [(p, sizes.get(p.pk, 0)) for p in proposals]


def proposal_messages(*, proposal: ClaimProposal, user: User) -> list[InboundMessage]:
    ids = RumourCandidate.objects.filter(proposal=proposal).values("pk")
    return list(
        InboundMessage.objects.filter(pk__in=ids, channel__in=channels_for(user))
        .select_related("author")
        .order_by("-sent_at")[:20]
    )


@dataclass(frozen=True)
class CorrectionOffer:
    """A published claim's correction offered in the reply box, in one language."""

    claim: Claim
    language: str
    text: str
    in_author_language: bool
    score: float
    match_id: int
    state: str  # the match's: suggested or confirmed


def correction_offers(*, message: InboundMessage) -> list[CorrectionOffer]:
    """The approved corrections of the claims the message was matched to (not rejected),
    each in the author's detected language when written in it."""
    matches = (
        ClaimMatch.objects.filter(message=message, claim__published__isnull=False)
        .exclude(state=MatchState.REJECTED)
        .select_related("claim__published", "claim__organization")
        .order_by("-score")
    )
    offers = []
    for match in matches:
        claim = match.claim
        assert claim.published is not None
        texts = claim.published.texts
        languages = [message.language, *claim.organization.official_languages]
        language = next(
            (code for code in languages if (texts.get(code) or {}).get("correction")), ""
        )
        if not language:
            continue
        offers.append(
            CorrectionOffer(
                claim=claim,
                language=language,
                text=texts[language]["correction"],
                in_author_language=language == message.language,
                score=match.score,
                match_id=match.pk,
                state=match.state,
            )
        )
    return offers


def correction_for(*, claim_id: int, message: InboundMessage) -> str | None:
    offer = next((o for o in correction_offers(message=message) if o.claim.pk == claim_id), None)
    return offer.text if offer else None


# The public page.


@dataclass(frozen=True)
class PublicEntry:
    claim: Claim
    version: ClaimVersion
    title: str
    facts: str
    language: str  # the language the text is in (the one asked for, else another official one)
    updated_at: datetime


def public_entries(
    *, organization: Organization, language: str, query: str = "", topic: str = ""
) -> list[PublicEntry]:
    """The published claims, newest change first, in ``language`` where written in it,
    filtered by words (title, facts, topic, in any language) and topic."""
    claims = (
        Claim.objects.filter(organization=organization, published__isnull=False)
        .select_related("published")
        .order_by("-published_at", "-pk")
    )
    if topic:
        claims = claims.filter(topic__iexact=topic)
    words = [w.casefold() for w in query.split() if w.strip()][:10]
    entries = []
    for claim in claims:
        version = claim.published
        assert version is not None
        texts = version.texts
        order = [language, *organization.official_languages]
        code = next((c for c in order if (texts.get(c) or {}).get("title")), "")
        if not code:
            continue
        haystack = " ".join(
            [claim.topic, *(v for row in texts.values() for v in row.values())]
        ).casefold()
        if any(w not in haystack for w in words):
            continue
        entries.append(
            PublicEntry(
                claim=claim,
                version=version,
                title=texts[code]["title"],
                facts=texts[code].get("facts", ""),
                language=code,
                updated_at=claim.published_at or version.created_at,
            )
        )
    return entries


def public_topics(*, organization: Organization) -> list[str]:
    return sorted(
        set(
            Claim.objects.filter(organization=organization, published__isnull=False)
            .exclude(topic="")
            .values_list("topic", flat=True)
        ),
        key=str.casefold,
    )
