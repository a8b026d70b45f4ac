"""The settings behind the response-time clock (sla.py): targets per brand and kind, the
organization's business hours per weekday and its public holidays. Each change is made by an
organization admin, audited, and moves the due time of the conversations still waiting for a
first answer, so the countdown in the inbox follows the new rules at once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicdesk.inbox.models import (
    BusinessHours,
    Conversation,
    ConversationStatus,
    Holiday,
    ResponseTarget,
)
from civicdesk.inbox.sla import set_due
from civicdesk.organizations.access import User, require_org_admin
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Organization

Interval = tuple[time, time]

_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_intervals(text: str) -> list[Interval]:
    """``"09:00-12:00, 13:30-17:00"`` → the day's open intervals, in order, not overlapping.

    Empty text: closed all day. Raises ValidationError naming what could not be read.
    """
    intervals: list[Interval] = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        found = _INTERVAL.match(part)
        if not found:
            raise ValidationError(
                _("“%(part)s” is not an interval such as 09:00-17:00.") % {"part": part}
            )
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        try:
            opens, closes = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ValidationError(_("“%(part)s” is not a time of day.") % {"part": part}) from None
        if opens >= closes:
            raise ValidationError(
                _("In “%(part)s” the opening comes after the closing.") % {"part": part}
            )
        intervals.append((opens, closes))
    intervals.sort()
    for (_o, previous_close), (following_open, _c) in zip(intervals, intervals[1:], strict=False):
        if following_open < previous_close:
            raise ValidationError(_("The intervals of a day must not overlap."))
    return intervals


def format_intervals(intervals: Sequence[Interval]) -> str:
    return ", ".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in intervals)


def _redue(organization: Organization) -> int:
    """Recompute the due times of the organization's conversations still open."""
    waiting = Conversation.objects.filter(channel__brand__organization=organization).exclude(
        status=ConversationStatus.CLOSED
    )
    return set_due(waiting.values_list("pk", flat=True))


def _target_data(target: ResponseTarget) -> dict[str, object]:
    return {
        "brand": target.brand_id,
        "kind": target.category,
        "minutes": target.minutes,
        "resolution_minutes": target.resolution_minutes,
        "business_hours": target.business_hours,
    }


@transaction.atomic
def target_save(
    *, organization: Organization, target: ResponseTarget, actor: User
) -> ResponseTarget:
    """Create or change a target; one per brand (or all brands) and kind (or any)."""
    require_org_admin(actor, organization)
    if target.brand is not None and target.brand.organization_id != organization.pk:
        raise ValidationError(_("A target names only its organization's brands."))
    if target.minutes is None or target.minutes < 1:
        raise ValidationError(_("A target is at least one minute."))
    if target.resolution_minutes is not None and target.resolution_minutes < target.minutes:
        raise ValidationError(
            _("Resolving cannot take less time than a first answer; give at least as many minutes.")
        )
    target.organization = organization
    clash = ResponseTarget.objects.filter(
        organization=organization, brand=target.brand, category=target.category
    ).exclude(pk=target.pk)
    if clash.exists():
        raise ValidationError(_("There is already a target for this brand and kind."))
    created = target.pk is None
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise ValidationError(_("There is already a target for this brand and kind.")) from None
    audit(
        organization=organization,
        actor=actor,
        action="response_target.create" if created else "response_target.update",
        target=target,
        data=_target_data(target),
    )
    _redue(organization)
    return target


@transaction.atomic
def target_delete(*, target: ResponseTarget, actor: User) -> None:
    organization = target.organization
    require_org_admin(actor, organization)
    audit(
        organization=organization,
        actor=actor,
        action="response_target.delete",
        target=target,
        data=_target_data(target),
    )
    target.delete()
    _redue(organization)


@transaction.atomic
def hours_set(*, organization: Organization, week: dict[int, list[Interval]], actor: User) -> None:
    """Replace the organization's business hours: ``week`` maps each weekday (0 Monday) to
    its open intervals, in the organization's time zone (a weekday left out is closed)."""
    require_org_admin(actor, organization)
    if any(day not in range(7) for day in week):
        raise ValidationError(_("A week has seven days."))
    BusinessHours.objects.filter(organization=organization).delete()
    BusinessHours.objects.bulk_create(
        BusinessHours(organization=organization, weekday=day, opens=opens, closes=closes)
        for day, intervals in sorted(week.items())
        for opens, closes in intervals
    )
    audit(
        organization=organization,
        actor=actor,
        action="business_hours.update",
        target=organization,
        data={str(day): format_intervals(intervals) for day, intervals in sorted(week.items())},
    )
    _redue(organization)


def hours_of(organization: Organization) -> dict[int, list[Interval]]:
    week: dict[int, list[Interval]] = {day: [] for day in range(7)}
    for row in BusinessHours.objects.filter(organization=organization).order_by("weekday", "opens"):
        week[row.weekday].append((row.opens, row.closes))
    return week


@transaction.atomic
def holiday_add(*, organization: Organization, day: date, name: str, actor: User) -> Holiday:
    require_org_admin(actor, organization)
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the holiday a name."))
    if Holiday.objects.filter(organization=organization, day=day).exists():
        raise ValidationError(_("%(day)s is already a holiday.") % {"day": day.isoformat()})
    holiday = Holiday.objects.create(organization=organization, day=day, name=name[:100])
    audit(
        organization=organization,
        actor=actor,
        action="holiday.create",
        target=holiday,
        data={"day": day.isoformat(), "name": holiday.name},
    )
    _redue(organization)
    return holiday


@transaction.atomic
def holiday_remove(*, holiday: Holiday, actor: User) -> None:
    organization = holiday.organization
    require_org_admin(actor, organization)
    audit(
        organization=organization,
        actor=actor,
        action="holiday.delete",
        target=holiday,
        data={"day": holiday.day.isoformat(), "name": holiday.name},
    )
    holiday.delete()
    _redue(organization)
