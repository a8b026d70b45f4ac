"""A field's choice label in the active language, read once per language.

Django's ``get_FOO_display`` rebuilds a dict of the field's lazy labels on every call, hashing
(so translating) each label: a list of a thousand publication badges spent more on that than
on its queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Model
from django.utils.translation import get_language

_labels: dict[tuple[type[Model], str, str | None], dict[Any, str]] = {}


def choice_label(obj: Model, field_name: str) -> str:
    """What ``obj.get_<field_name>_display()`` returns."""
    field = obj._meta.get_field(field_name)
    assert isinstance(field, Field)
    key = (type(obj), field_name, get_language())
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = {value: str(label) for value, label in field.flatchoices}
    value = getattr(obj, field.attname)
    return labels.get(value, "" if value is None else str(value))
