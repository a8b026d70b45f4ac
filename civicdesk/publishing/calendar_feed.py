"""A person's calendar feed: the posts they write, approve or watch, as iCalendar.

The address carries a secret token; only its SHA-256 is stored, so the address is shown once,
when it is made. Making a new one revokes the old; a revoked address answers 404. "Watching"
is holding a role on a brand: its posts in review or approved and scheduled come too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User as Person
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from civicdesk.organizations.access import Perm, brands_for
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Membership
from civicdesk.publishing.models import Approval, CalendarFeed, Post, PostStatus, PostVariant

PAST_DAYS = 30
AHEAD_DAYS = 365
MAX_EVENTS = 1000
EVENT_LENGTH = timedelta(minutes=15)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit_everywhere(person: Person, action: str, feed: CalendarFeed) -> None:
    # A feed is the person's, not one organization's: each of theirs records it.
    org_ids = set(Membership.objects.filter(user=person).values_list("organization_id", flat=True))
    for org_id in sorted(org_ids):
        audit(organization=org_id, actor=person, action=action, target=feed)


def active_feed(*, person: Person) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=person, revoked_at=None).first()


@transaction.atomic
def feed_revoke(*, person: Person) -> int:
    """End the person's feed address (if any); the number of addresses ended."""
    revoked = 0
    for feed in CalendarFeed.objects.select_for_update().filter(user=person, revoked_at=None):
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        _audit_everywhere(person, "calendar_feed.revoke", feed)
        revoked += 1
    return revoked


@transaction.atomic
def feed_create(*, person: Person) -> str:
    """A new secret address for the person, ending the old one; the token, shown once."""
    feed_revoke(person=person)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=person, token_hash=_hash(token))
    _audit_everywhere(person, "calendar_feed.create", feed)
    return token


def feed_owner(*, token: str) -> Person | None:
    """Whose feed ``token`` opens: None for an unknown or revoked one."""
    feed = (
        CalendarFeed.objects.filter(token_hash=_hash(token), revoked_at=None, user__is_active=True)
        .select_related("user")
        .first()
    )
    return feed.user if feed else None


def feed_posts(*, person: Person, now: datetime | None = None) -> list[Post]:
    """The scheduled posts the person writes, approves or watches, around now."""
    now = now or timezone.now()
    approved_by_them = Approval.objects.filter(post=OuterRef("pk"), approver=person)
    watched = Q(status=PostStatus.IN_REVIEW) | Q(status=PostStatus.APPROVED)
    return list(
        Post.objects.filter(brand__in=brands_for(person, Perm.VIEW))
        .filter(
            scheduled_at__gte=now - timedelta(days=PAST_DAYS),
            scheduled_at__lte=now + timedelta(days=AHEAD_DAYS),
        )
        .filter(Q(author=person) | Exists(approved_by_them) | watched)
        .exclude(status=PostStatus.CANCELLED)
        .select_related("brand__organization")
        .prefetch_related(
            Prefetch("variants", queryset=PostVariant.objects.filter(channel__isnull=True))
        )
        .order_by("scheduled_at", "pk")[:MAX_EVENTS]
    )


def feed_calendar(*, posts: list[Post], post_url: Callable[[Post], str], name: str) -> bytes:
    """The posts as an iCalendar file: one event each, with a UID that never changes."""
    calendar = Calendar()
    calendar.add("prodid", "-//Civic Desk//Plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for post in posts:
        assert post.scheduled_at is not None
        start = post.scheduled_at.astimezone(UTC)
        texts = "\n\n".join(
            f"[{variant.language.upper()}] {variant.text}" for variant in post.variants.all()
        )
        event = Event()
        event.add("uid", f"post-{post.pk}@civicdesk")
        event.add("summary", f"{post.brand.name}: {post.title}")
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
        event.add("dtstamp", stamp)
        event.add("last-modified", post.updated_at.astimezone(UTC))
        event.add("status", "CONFIRMED" if post.status == PostStatus.APPROVED else "TENTATIVE")
        event.add(
            "description",
            _("Status: %(status)s") % {"status": post.get_status_display()} + "\n\n" + texts,
        )
        event.add("url", post_url(post))
        calendar.add_component(event)
    return calendar.to_ical()
