"""Reads of the listening screens."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicdesk.listening.models import (
    CardState,
    FollowedTerm,
    IssueAlert,
    IssueCard,
    Topic,
)
from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.organizations.models import Organization

TOPIC_MIN_SIZE = 3
TOPIC_DAYS = 7


def listening_organizations(user: User) -> QuerySet[Organization]:
    """The organizations whose listening the person sees (a brand of theirs, any role)."""
    return Organization.objects.filter(
        pk__in=brands_for(user, Perm.VIEW).values("organization_id")
    ).order_by("name")


def cards_for(organization: Organization, *, state: str = "") -> QuerySet[IssueCard]:
    cards = IssueCard.objects.filter(organization=organization).select_related(
        "claim", "incident", "term"
    )
    if state in CardState.values:
        cards = cards.filter(state=state)
    return cards.order_by("state", "-detected_at", "-pk")


def recent_topics(organization: Organization, *, limit: int = 30) -> list[Topic]:
    """The week's topics with a few messages at least, the busiest of the last day first."""
    since = timezone.now() - timedelta(days=TOPIC_DAYS)
    day = timezone.now() - timedelta(days=1)
    return list(
        Topic.objects.filter(
            organization=organization, last_seen__gte=since, size__gte=TOPIC_MIN_SIZE
        )
        .annotate(last_day=Count("entries", filter=Q(entries__sent_at__gte=day)))
        .order_by("-last_day", "-last_seen")[:limit]
    )


def terms_for(organization: Organization) -> QuerySet[FollowedTerm]:
    since = timezone.now() - timedelta(days=1)
    return (
        FollowedTerm.objects.filter(organization=organization)
        .select_related("channel__brand")
        .annotate(last_day=Count("items", filter=Q(items__sent_at__gte=since)))
        .order_by("kind", "value", "pk")
    )


def unread_alerts(user: User) -> int:
    return IssueAlert.objects.filter(
        user_id=user.pk or 0, read_at__isnull=True, card__state=CardState.OPEN
    ).count()
