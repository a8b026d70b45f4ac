"""Legal holds: what they cover, and the actions that place and release them.

A hold covers an item when every part of its scope that is filled in matches: the item's
date within the range, its channel among the channels, its author among the authors, one of
the words in its text. Retention leaves covered items alone until the hold is released.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, Organization
from civicdesk.records.access import require_records
from civicdesk.records.models import LegalHold


@dataclass(frozen=True)
class Item:
    """What a hold looks at in a record: when, where, who, and its words."""

    when: datetime
    channel_ids: frozenset[int]
    authors: frozenset[str]
    text: str


@dataclass(frozen=True)
class Scope:
    hold_id: int
    name: str
    starts_on: date | None
    ends_on: date | None
    channel_ids: frozenset[int]
    authors: frozenset[str]
    words: tuple[str, ...]

    def covers(self, item: Item, tz: tzinfo = UTC) -> bool:
        day = item.when.astimezone(tz).date()
        if self.starts_on and day < self.starts_on:
            return False
        if self.ends_on and day > self.ends_on:
            return False
        if self.channel_ids and not (self.channel_ids & item.channel_ids):
            return False
        if self.authors and not (self.authors & {normal_author(a) for a in item.authors}):
            return False
        if self.words:
            text = item.text.casefold()
            if not any(word in text for word in self.words):
                return False
        return True


def normal_author(value: str) -> str:
    return value.strip().lstrip("@").casefold()


def split_list(value: str) -> list[str]:
    """Authors or words typed one a line or separated by commas."""
    parts = [p.strip() for line in value.splitlines() for p in line.split(",")]
    return list(dict.fromkeys(p for p in parts if p))


def active_scopes(organization_id: int) -> list[Scope]:
    holds = LegalHold.objects.filter(
        organization_id=organization_id, released_at__isnull=True
    ).prefetch_related("channels")
    return [
        Scope(
            hold_id=h.pk,
            name=h.name,
            starts_on=h.starts_on,
            ends_on=h.ends_on,
            channel_ids=frozenset(c.pk for c in h.channels.all()),
            authors=frozenset(normal_author(a) for a in h.authors),
            words=tuple(w.casefold() for w in h.words),
        )
        for h in holds
    ]


def holding(scopes: Sequence[Scope], item: Item, tz: tzinfo = UTC) -> list[Scope]:
    return [scope for scope in scopes if scope.covers(item, tz)]


@transaction.atomic
def hold_place(
    *,
    organization: Organization,
    actor: Person,
    name: str,
    reason: str,
    starts_on: date | None,
    ends_on: date | None,
    channels: Iterable[Channel],
    authors: Sequence[str],
    words: Sequence[str],
) -> LegalHold:
    require_records(actor, organization)
    channels = list(channels)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the hold a name.")]
    if not reason.strip():
        errors["reason"] = [_("Say why the records are held.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The end date is before the start date.")]
    if any(c.brand.organization_id != organization.pk for c in channels):
        errors["channels"] = [_("A channel belongs to another organization.")]
    if errors:
        raise ValidationError(errors)
    hold = LegalHold.objects.create(
        organization=organization,
        name=name.strip()[:200],
        reason=reason.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        authors=[normal_author(a) for a in authors if a.strip()],
        words=[w.strip() for w in words if w.strip()],
        created_by=actor,
    )
    hold.channels.set(channels)
    audit(
        organization=organization,
        actor=actor,
        action="records.hold_place",
        target=hold,
        data={
            "name": hold.name,
            "reason": hold.reason,
            "from": starts_on,
            "to": ends_on,
            "channels": [c.pk for c in channels],
            "authors": hold.authors,
            "words": hold.words,
        },
    )
    return hold


@transaction.atomic
def hold_release(*, hold: LegalHold, actor: Person) -> LegalHold:
    hold = LegalHold.objects.select_for_update().select_related("organization").get(pk=hold.pk)
    require_records(actor, hold.organization)
    if hold.released_at is not None:
        raise ValidationError(_("This hold was already released."))
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.save(update_fields=["released_at", "released_by"])
    audit(
        organization=hold.organization,
        actor=actor,
        action="records.hold_release",
        target=hold,
        data={"name": hold.name},
    )
    return hold
