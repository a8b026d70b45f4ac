"""Form helpers every room shares."""

from __future__ import annotations

from django import forms


def field_of[F: forms.Field](form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field ``name``, as the kind it was declared (to set its choices or queryset
    for this request)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}")
    return field
