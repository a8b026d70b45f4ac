"""Response-time targets: when the public must have a first answer, counted in the
organization's business hours (its time zone, its public holidays) or around the clock,
and the breach alert when that time passes unanswered.

Invariants:
- Business time is counted on the organization's wall clock: an interval 09:00-17:00 is the
  hours between those two local times that day, so a daylight-saving change moves nothing
  people see, and a day's open hours are real elapsed hours (timestamps are aware, in UTC).
- A conversation's clock starts at its oldest message still waiting for a first answer
  (``due_at``); the first answer stops it (``first_response_at``).
- A resolution target (optional) counts from the conversation's first message to its close
  (``resolve_by``), the same way; a reopened conversation keeps its original clock.
- A breach is claimed by a conditional UPDATE (``breached_at``, ``resolution_breached_at``
  empty), so however many workers sweep, each breach is alerted once: in the app and by mail
  to the area's leads.
- ``record_times`` writes the first-response and resolution times of a conversation (clock
  and business hours) whenever its first answer or its close is written, for the reports.
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
from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.models import (
    BusinessHours,
    Conversation,
    ConversationStatus,
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


def due_at(
    *, since: datetime, target: ResponseTarget, calendar: Calendar, minutes: int | None = None
) -> datetime:
    """``minutes`` (the target's first-answer minutes by default) after ``since``, counted
    as the target counts: in business hours or around the clock."""
    duration = timedelta(minutes=target.minutes if minutes is None else minutes)
    # An organization that has not set its hours yet counts around the clock, rather than
    # leaving every conversation without a due time.
    if not target.business_hours or not any(calendar.hours.values()):
        return since + duration
    return add_business_time(since, duration, calendar)


def set_due(conversation_ids: Iterable[int]) -> int:
    """Set when each open conversation must have its first answer by (from its oldest message
    still waiting for one) and be resolved by (from its first message), by the target fitting
    its brand and the kind of its first message. Returns how many changed."""
    # One row a conversation with its clocks' starts: the oldest message still waiting for a
    # first answer, the first message and its kind (read through the (conversation, sent_at)
    # index, not by reading every message of the conversations).
    of_conversation = InboundMessage.objects.filter(conversation=OuterRef("pk")).order_by(
        "sent_at", "pk"
    )
    rows = list(
        Conversation.objects.filter(pk__in=list(conversation_ids))
        .exclude(status=ConversationStatus.CLOSED)
        .annotate(
            waiting_since=Subquery(
                of_conversation.filter(first_response_at__isnull=True).values("sent_at")[:1]
            ),
            started=Subquery(of_conversation.values("sent_at")[:1]),
            first_kind=Subquery(of_conversation.values("category")[:1]),
        )
        .values_list(
            "pk",
            "channel__brand_id",
            "channel__brand__organization_id",
            "first_response_at",
            "due_at",
            "resolve_by",
            "waiting_since",
            "started",
            "first_kind",
        )
    )
    if not rows:
        return 0
    organizations = Organization.objects.in_bulk({row[2] for row in rows})
    changed = 0
    cache: dict[int, tuple[list[ResponseTarget], Calendar]] = {}
    for (
        pk,
        brand_id,
        organization_id,
        first_response_at,
        old_due,
        old_resolve_by,
        since,
        start,
        first_kind,
    ) in rows:
        if organization_id not in cache:
            organization = organizations[organization_id]
            cache[organization_id] = (
                list(ResponseTarget.objects.filter(organization=organization)),
                calendar_for(organization),
            )
        targets, calendar = cache[organization_id]
        target = target_for(targets, brand_id=brand_id, category=first_kind or "")
        fields: dict[str, datetime | None] = {}
        if first_response_at is None:
            due = (
                due_at(since=since, minutes=target.minutes, target=target, calendar=calendar)
                if since and target
                else None
            )
            if due != old_due:
                fields["due_at"] = due
        resolve_by = (
            due_at(since=start, minutes=target.resolution_minutes, target=target, calendar=calendar)
            if start and target and target.resolution_minutes
            else None
        )
        if resolve_by != old_resolve_by:
            fields["resolve_by"] = resolve_by
        if fields:
            Conversation.objects.filter(pk=pk).update(**fields)
            changed += 1
    return changed


def _spans(
    started: datetime | None, end: datetime | None, calendar: Calendar
) -> tuple[timedelta | None, timedelta | None]:
    """From ``started`` to ``end``: on the clock, and in business hours."""
    if started is None or end is None:
        return None, None
    elapsed = max(end - started, timedelta(0))
    if not any(calendar.hours.values()):
        return elapsed, elapsed
    return elapsed, business_time_between(started, max(end, started), calendar)


def record_times(conversation_ids: Iterable[int]) -> int:
    """Write down, for the reports, how long each conversation took from its first message
    to its first answer and to its close, on the clock and in its organization's business
    hours (around the clock when it has set none). Called whenever either moment is written;
    a reopened conversation has no resolution time until it is closed again."""
    ids = list(conversation_ids)
    if not ids:
        return 0
    rows = list(
        Conversation.objects.filter(pk__in=ids).select_related("channel__brand__organization")
    )
    started = dict(
        InboundMessage.objects.filter(conversation_id__in=ids)
        .values("conversation_id")
        .annotate(first=Min("sent_at"))
        .values_list("conversation_id", "first")
    )
    calendars: dict[int, Calendar] = {}
    changed = 0
    for row in rows:
        organization = row.channel.brand.organization
        if organization.pk not in calendars:
            calendars[organization.pk] = calendar_for(organization)
        calendar = calendars[organization.pk]
        first, first_business = _spans(started.get(row.pk), row.first_response_at, calendar)
        resolved, resolved_business = _spans(started.get(row.pk), row.closed_at, calendar)
        fields = {
            "first_response_time": first,
            "first_response_business_time": first_business,
            "resolution_time": resolved,
            "resolution_business_time": resolved_business,
        }
        if any(getattr(row, name) != value for name, value in fields.items()):
            Conversation.objects.filter(pk=row.pk).update(**fields)
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
    """Alert each conversation whose target passed, once: without a first answer, or
    (a resolution target) still not closed. Returns how many alerts went out."""
    now = now or timezone.now()
    unanswered = list(
        Conversation.objects.filter(
            due_at__lte=now, first_response_at__isnull=True, breached_at__isnull=True
        )
        .select_related("channel__brand__organization")
        .order_by("due_at", "pk")[:limit]
    )
    unresolved = list(
        Conversation.objects.filter(
            resolve_by__lte=now, closed_at__isnull=True, resolution_breached_at__isnull=True
        )
        .exclude(status=ConversationStatus.CLOSED)
        .select_related("channel__brand__organization")
        .order_by("resolve_by", "pk")[:limit]
    )
    alerted = 0
    for conversation in unanswered:
        # Claimed: another worker sweeping at the same moment skips it.
        claim = Conversation.objects.filter(
            pk=conversation.pk, breached_at__isnull=True, first_response_at__isnull=True
        )
        alerted += _alert(conversation, claim, {"breached_at": now}, kind="breach")
    for conversation in unresolved:
        claim = Conversation.objects.filter(
            pk=conversation.pk, resolution_breached_at__isnull=True, closed_at__isnull=True
        )
        alerted += _alert(conversation, claim, {"resolution_breached_at": now}, kind="resolution")
    return alerted


def _alert(
    conversation: Conversation, claim: Any, fields: dict[str, datetime], *, kind: str
) -> bool:
    """Claim the breach with a conditional UPDATE; the one who did alerts the leads."""
    with transaction.atomic():
        if not claim.update(**fields):
            return False
        leads = area_leads(conversation)
        brand = conversation.channel.brand.name
        if kind == "resolution":
            text = _("Not resolved yet: the resolution target passed (%(brand)s)") % {
                "brand": brand
            }
        else:
            text = _("No answer yet: the response-time target passed (%(brand)s)") % {
                "brand": brand
            }
        Notification.objects.bulk_create(
            Notification(user=lead, conversation=conversation, kind=kind, text=text[:300])
            for lead in leads
        )
        addresses = [lead.email for lead in leads if lead.email]
        if addresses:
            transaction.on_commit(
                lambda c=conversation, a=addresses, k=kind: _mail_breach(c, a, kind=k)
            )
    return True


def _mail_breach(conversation: Conversation, addresses: list[str], *, kind: str) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}{reverse('conversation', args=[conversation.pk])}"
    tz = conversation.channel.brand.organization.tz
    brand = conversation.channel.brand.name
    if kind == "resolution":
        subject = _("Resolution target missed: %(brand)s") % {"brand": brand}
        template = _(
            "A conversation on %(channel)s is still not resolved; its target passed at "
            "%(due)s.\n\nOpen it: %(link)s\n"
        )
        due = conversation.resolve_by
    else:
        subject = _("Response-time target missed: %(brand)s") % {"brand": brand}
        template = _(
            "A conversation on %(channel)s has had no answer since its target passed at "
            "%(due)s.\n\nOpen it: %(link)s\n"
        )
        due = conversation.due_at
    body = template % {
        "channel": conversation.channel,
        "due": due.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if due else "",
        "link": link,
    }
    try:
        send_mail(subject, body, None, addresses)
    except OSError:
        # The alert is in the app already; a mail server down must not stop the sweep.
        logger.exception("could not mail the breach of conversation %s", conversation.pk)
