"""Template filters of the after-action reports: names people read for codes, and numbers a
platform may not have reported."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicdesk.pages.templatetags.desk import kind_label, urgency_label
from civicdesk.rules import language_name

register = template.Library()


@register.filter
def language_label(code: str) -> str:
    """A message's language by its name in the reader's language; "not detected" if none."""
    return language_name(code, get_language()) if code else _("Not detected")


@register.filter
def kind_or_none(kind: str) -> str:
    return kind_label(kind) if kind else _("Not understood yet")


@register.filter
def urgency_or_none(urgency: str) -> str:
    return urgency_label(urgency) if urgency else _("Not rated")


@register.filter
def reported(value: int | None) -> str:
    """A count the platform reported, or a dash: never a zero it did not say."""
    return "—" if value is None else f"{value:,}".replace(",", "\u202f")
