"""Template filters of the desk: times in the organization's zone, spans of time, masked
personal data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.db.models import Model
from django.utils import dateformat, timezone
from django.utils.translation import ngettext

from civicdesk.core.choices import choice_label
from civicdesk.organizations.models import Organization
from civicdesk.pages.forms import KIND_LABELS, URGENCY_LABELS
from civicdesk.pages.text import mask_personal_data

register = template.Library()


@register.filter
def org_time(value: datetime | None, org: Organization | None) -> str:
    """A stored UTC time as the organization reads it, e.g. "Tue 3 Jun 2025, 14:00 CEST"."""
    if value is None:
        return "—"
    local = timezone.localtime(value, org.tz) if org is not None else value
    return dateformat.format(local, "D j M Y, H:i T")


@register.filter
def duration(value: timedelta | None) -> str:
    """A span as people say it: "2 days 3 hours", "45 minutes", "20 seconds"."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    days, rest = divmod(seconds // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    return " ".join(parts)


@register.filter
def org_clock(value: datetime | None, org: Organization | None) -> str:
    """Only the time of day in the organization's zone, for lists grouped by day."""
    if value is None:
        return "—"
    local = timezone.localtime(value, org.tz) if org is not None else value
    return dateformat.format(local, "H:i T")


@register.filter
def masked(message: Any) -> str:
    """A message's text with the stored personal-data spans hidden (escaped by the template)."""
    return mask_personal_data(message.text, message.personal_data)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``mapping[key]`` in a template, empty when absent."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def first_value(mapping: Any) -> str:
    """The first non-empty value of a mapping (an image's alt text in any language)."""
    if isinstance(mapping, dict):
        return next((str(v) for v in mapping.values() if v), "")
    return ""


@register.filter
def kind_label(kind: str) -> str:
    """A message's kind as people read it, in their language ("help_request": "Request for
    help")."""
    return str(KIND_LABELS.get(kind, kind))


@register.filter
def urgency_label(urgency: str) -> str:
    """A message's urgency as people read it, in their language."""
    return str(URGENCY_LABELS.get(urgency, urgency))


@register.filter
def display(obj: Model, field_name: str) -> str:
    """``obj.get_<field_name>_display()``, with the labels read once per language."""
    return choice_label(obj, field_name)
