"""Reads of emergency mode: the scope of open incidents, and what the incident room shows."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from civicdesk.inbox.models import InboundMessage, MessageStatus
from civicdesk.incidents.models import Incident, IncidentUpdate
from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S

# Emergency reports and requests for help come first, then by urgency.
URGENT_KINDS = ("emergency", "help_request")
URGENCY_ORDER = ("critical", "high", "medium", "low")


def channels_in_incident(channel_ids: Collection[int]) -> set[int]:
    """Which of ``channel_ids`` are in the scope of an open incident (the inbox's hook)."""
    if not channel_ids:
        return set()
    return set(
        Incident.channels.through.objects.filter(
            channel_id__in=list(channel_ids), incident__closed_at__isnull=True
        ).values_list("channel_id", flat=True)
    )


def held_publications() -> Q:
    """The publisher's hold: posts of a brand in an open incident's scope wait, except the
    incident's own updates. One condition with two subqueries, asked once a claim."""
    open_brands = Incident.brands.through.objects.filter(incident__closed_at__isnull=True).values(
        "brand_id"
    )
    updates = IncidentUpdate.objects.filter(incident__closed_at__isnull=True).values("post_id")
    return Q(post__brand_id__in=open_brands) & ~Q(post_id__in=updates)


def incidents_for(user: User) -> QuerySet[Incident]:
    """Incidents with at least one brand in scope the person can see."""
    return (
        Incident.objects.filter(brands__in=brands_for(user, Perm.VIEW))
        .distinct()
        .select_related("organization")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "published" or "received"
    channel: str
    text: str
    detail: str


def timeline(*, incident: Incident, limit: int = 100) -> list[TimelineEntry]:
    """What was published and what came in on the scope since the declaration, newest first."""
    channel_ids = list(incident.channels.values_list("pk", flat=True))
    end = incident.closed_at or timezone.now() + timedelta(days=1)
    published = (
        Publication.objects.filter(
            channel_id__in=channel_ids,
            state=S.PUBLISHED,
            published_at__gte=incident.declared_at,
            published_at__lte=end,
        )
        .select_related("channel", "variant")
        .order_by("-published_at")[:limit]
    )
    received = (
        InboundMessage.objects.filter(
            channel_id__in=channel_ids, sent_at__gte=incident.declared_at, sent_at__lte=end
        )
        .select_related("channel", "author")
        .order_by("-sent_at")[:limit]
    )
    entries = [
        TimelineEntry(
            at=p.published_at or p.updated_at,
            kind="published",
            channel=str(p.channel),
            text=p.variant.text,
            detail=p.variant.language,
        )
        for p in published
    ] + [
        TimelineEntry(
            at=m.sent_at,
            kind="received",
            channel=str(m.channel),
            text=m.text,
            detail=m.author.handle,
        )
        for m in received
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]


def _rank() -> Case:
    whens = [When(category__in=URGENT_KINDS, then=Value(0))]
    whens += [When(urgency=urgency, then=Value(n + 1)) for n, urgency in enumerate(URGENCY_ORDER)]
    return Case(*whens, default=Value(len(URGENCY_ORDER) + 1), output_field=IntegerField())


def crisis_type(message: InboundMessage) -> str:
    """The crisis information type understanding found in incident mode ("" if none)."""
    for reason in message.urgency_reasons or []:
        if isinstance(reason, str) and reason.startswith("incident: "):
            return reason.removeprefix("incident: ")
    return ""


def incident_inbox(*, incident: Incident, limit: int = 100) -> list[InboundMessage]:
    """Messages on the scope still waiting for an answer, emergency reports and requests for
    help first, then by urgency, oldest first within a rank."""
    messages: list[InboundMessage] = list(
        InboundMessage.objects.filter(
            channel__in=incident.channels.all(),
            status=MessageStatus.NEW,
            sent_at__gte=incident.declared_at - timedelta(hours=24),
        )
        .annotate(rank=_rank())
        .select_related("channel", "author", "conversation")
        .order_by("rank", "sent_at", "pk")[:limit]
    )
    for message in messages:
        message.crisis_type = crisis_type(message)  # type: ignore[attr-defined]
    return messages


def paused_publications(*, incident: Incident) -> list[Publication]:
    """Ordinary posts of the brands in scope held back by the incident: waiting to go out, or
    missed because their time passed while it was open. Those still to be decided on close."""
    window = timedelta(seconds=settings.PUBLISH_MISSED_AFTER_SECONDS)
    return list(
        Publication.objects.filter(
            post__brand__in=incident.brands.all(),
            state__in=[S.SCHEDULED, S.MISSED],
            scheduled_at__gte=incident.declared_at - window,
        )
        .exclude(post__incident_update__isnull=False)
        .select_related("post", "channel", "variant")
        .order_by("scheduled_at", "pk")
    )


@dataclass(frozen=True)
class UpdateRow:
    update: IncidentUpdate
    publications: list[Publication]


def update_rows(*, incident: Incident) -> list[UpdateRow]:
    """Each update with the state of every publication (per channel and language)."""
    updates = list(
        incident.updates.select_related("post", "created_by", "template").prefetch_related(
            "post__publications__channel", "post__publications__variant"
        )
    )
    return [UpdateRow(u, list(u.post.publications.all())) for u in updates]


def is_overdue(incident: Incident, *, now: datetime | None = None) -> bool:
    return incident.is_open and incident.next_update_due_at <= (now or timezone.now())
