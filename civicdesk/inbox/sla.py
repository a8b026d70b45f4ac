"""Response-time targets: when the public must have a first answer, counted in the
organization's business hours (its time zone, its public holidays) or around the clock,
and the breach alert when that time passes unanswered.

Invariants:
- Business time is counted on the organization's wall clock: an interval 09:00-17:00 is the
  hours between those two local times that day, so a daylight-saving change moves nothing
  people see, and a day's open hours are real elapsed hours (timestamps are aware, in UTC).
- A conversation's clock starts at its oldest message still waiting for a first answer
  (``due_at``); the first answer stops it (``first_response_at``).
- A breach is claimed by a conditional UPDATE (``breached_at`` empty), so however many workers
  sweep, each breach is alerted once: in the app and by mail to the area's leads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.models import (
    BusinessHours,
    Conversation,
    Holiday,
    InboundMessage,
    Notification,
    ResponseTarget,
)
from civicdesk.organizations.models import BusinessArea, Membership, Organization, Role

logger = logging.getLogger(__name__)

Intervals = Mapping[int, Sequence[tuple[time, time]]]  # weekday (0 Monday) → open intervals


@dataclass(frozen=True)
class Calendar:
    """An organization's business hours and holidays, in its time zone."""

    tz: ZoneInfo
    hours: Intervals
    holidays: frozenset[date] = frozenset()

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open intervals, in UTC (none on a holiday).

        In UTC because Python subtracts two datetimes of the same zone by their wall clocks:
        on the night the clocks go back, 00:00-12:00 would count 12 hours instead of 13.
        """
        if day in self.holidays:
            return []
        return [
            (
                datetime.combine(day, opens, self.tz).astimezone(UTC),
                datetime.combine(day, closes, self.tz).astimezone(UTC),
            )
            for opens, closes in self.hours.get(day.weekday(), ())
        ]


# Two weeks without a single open hour means the calendar has none; stop looking.
_MAX_EMPTY_DAYS = 400


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The moment ``duration`` of open time has passed after ``start``."""
    remaining = duration
    cursor = start.astimezone(UTC)
    day = start.astimezone(calendar.tz).date()
    empty = 0
    while True:
        intervals = calendar.open_intervals(day)
        for opens, closes in intervals:
            begin = max(opens, cursor)
            if begin >= closes:
                continue
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
            cursor = closes
        empty = 0 if intervals else empty + 1
        if empty > _MAX_EMPTY_DAYS:
            raise ValueError("the calendar has no open hours")
        day += timedelta(days=1)


def business_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Open time between two moments (for reports: time to answer in business hours)."""
    total = timedelta()
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(calendar.tz).date()
    last = end.astimezone(calendar.tz).date()
    while day <= last:
        for opens, closes in calendar.open_intervals(day):
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def calendar_for(organization: Organization) -> Calendar:
    hours: dict[int, list[tuple[time, time]]] = {}
    for row in BusinessHours.objects.filter(organization=organization).order_by("opens"):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    holidays = frozenset(
        Holiday.objects.filter(organization=organization).values_list("day", flat=True)
    )
    return Calendar(tz=organization.tz, hours=hours, holidays=holidays)


def target_for(
    targets: Sequence[ResponseTarget], *, brand_id: int, category: str
) -> ResponseTarget | None:
    """The most specific target: brand and kind, then brand, then kind, then the default."""

    def score(t: ResponseTarget) -> int:
        return (2 if t.brand_id else 0) + (1 if t.category else 0)

    fitting = [
        t for t in targets if t.brand_id in (None, brand_id) and t.category in ("", category)
    ]
    return max(fitting, key=score, default=None)


def due_at(*, since: datetime, target: ResponseTarget, calendar: Calendar) -> datetime:
    duration = timedelta(minutes=target.minutes)
    # An organization that has not set its hours yet counts around the clock, rather than
    # leaving every conversation without a due time.
    if not target.business_hours or not any(calendar.hours.values()):
        return since + duration
    return add_business_time(since, duration, calendar)


def set_due(conversation_ids: Iterable[int]) -> int:
    """Set when each conversation must be answered by, from its oldest message still waiting
    for a first answer and the target fitting its brand and kind. Returns how many changed."""
    rows = list(
        Conversation.objects.filter(
            pk__in=list(conversation_ids), first_response_at__isnull=True
        ).select_related("channel__brand__organization")
    )
    if not rows:
        return 0
    waiting = dict(
        InboundMessage.objects.filter(conversation__in=rows, first_response_at__isnull=True)
        .values("conversation_id")
        .annotate(first=Min("sent_at"))
        .values_list("conversation_id", "first")
    )
    # The kind of the conversation's first message (newest first: the oldest is kept).
    first_kind = {
        cid: kind
        for cid, kind in InboundMessage.objects.filter(conversation__in=rows)
        .order_by("conversation_id", "-sent_at")
        .values_list("conversation_id", "category")
    }
    changed = 0
    cache: dict[int, tuple[list[ResponseTarget], Calendar]] = {}
    for row in rows:
        organization = row.channel.brand.organization
        if organization.pk not in cache:
            cache[organization.pk] = (
                list(ResponseTarget.objects.filter(organization=organization)),
                calendar_for(organization),
            )
        targets, calendar = cache[organization.pk]
        since = waiting.get(row.pk)
        target = target_for(
            targets, brand_id=row.channel.brand_id, category=first_kind.get(row.pk, "")
        )
        new = due_at(since=since, target=target, calendar=calendar) if since and target else None
        if new != row.due_at:
            Conversation.objects.filter(pk=row.pk).update(due_at=new)
            changed += 1
    return changed


def set_due_for_messages(message_ids: Iterable[int]) -> int:
    """``set_due`` for the conversations of these messages."""
    ids = InboundMessage.objects.filter(pk__in=list(message_ids)).values_list(
        "conversation_id", flat=True
    )
    return set_due(set(ids))


def area_leads(conversation: Conversation) -> list[Any]:
    """Who hears of a breach: the leads (organization-wide admins and managers) of the
    conversation's area, or of the organization when it has no area."""
    organization_id = conversation.channel.brand.organization_id
    leads = Membership.objects.filter(
        organization_id=organization_id, brand__isnull=True, role__in=[Role.ADMIN, Role.MANAGER]
    ).values("user_id")
    people = get_user_model().objects.filter(pk__in=leads, is_active=True)
    if conversation.business_area:
        area = BusinessArea.objects.filter(
            organization_id=organization_id, name=conversation.business_area
        ).first()
        in_area = people.filter(business_areas=area) if area else people.none()
        if in_area.exists():
            people = in_area
    return list(people.order_by("pk"))


def sweep_breaches(*, now: datetime | None = None, limit: int = 200) -> int:
    """Alert each conversation whose target passed without an answer, once."""
    now = now or timezone.now()
    overdue = list(
        Conversation.objects.filter(
            due_at__lte=now, first_response_at__isnull=True, breached_at__isnull=True
        )
        .select_related("channel__brand__organization")
        .order_by("due_at", "pk")[:limit]
    )
    alerted = 0
    for conversation in overdue:
        with transaction.atomic():
            # Claimed: another worker sweeping at the same moment skips it.
            if not Conversation.objects.filter(
                pk=conversation.pk, breached_at__isnull=True, first_response_at__isnull=True
            ).update(breached_at=now):
                continue
            leads = area_leads(conversation)
            text = _("No answer yet: the response-time target passed (%(brand)s)") % {
                "brand": conversation.channel.brand.name
            }
            Notification.objects.bulk_create(
                Notification(user=lead, conversation=conversation, kind="breach", text=text[:300])
                for lead in leads
            )
            addresses = [lead.email for lead in leads if lead.email]
            if addresses:
                transaction.on_commit(lambda c=conversation, a=addresses: _mail_breach(c, a))
        alerted += 1
    return alerted


def _mail_breach(conversation: Conversation, addresses: list[str]) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}{reverse('conversation', args=[conversation.pk])}"
    subject = _("Response-time target missed: %(brand)s") % {
        "brand": conversation.channel.brand.name
    }
    body = _(
        "A conversation on %(channel)s has had no answer since its target passed at "
        "%(due)s.\n\nOpen it: %(link)s\n"
    ) % {
        "channel": conversation.channel,
        "due": conversation.due_at.astimezone(conversation.channel.brand.organization.tz).strftime(
            "%Y-%m-%d %H:%M %Z"
        ),
        "link": link,
    }
    try:
        send_mail(subject, body, None, addresses)
    except OSError:
        # The alert is in the app already; a mail server down must not stop the sweep.
        logger.exception("could not mail the breach of conversation %s", conversation.pk)
