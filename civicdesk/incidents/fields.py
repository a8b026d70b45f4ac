"""The fields of a pre-approved template and the form each may take.

A filled-in update needs no new approval only when every field holds a value of its allowed
form: a road name cannot carry a sentence, a time is a time, a link is an https address. A
value outside its form is not refused: the update goes to the duty approver instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FIELD = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class FieldForm:
    pattern: re.Pattern[str]
    description: Promise


FORMS: dict[str, FieldForm] = {
    # A name of a road, bridge or place: words, numbers, a few joining marks, no sentence.
    "road": FieldForm(
        re.compile(r"[^\W_][\w .,'’/()-]{0,59}"),
        _("a road or place name of up to 60 letters, digits and spaces"),
    ),
    "time": FieldForm(
        re.compile(r"(?:[01]?\d|2[0-3])(?::|h)[0-5]\d(?: ?[AaPp][Mm])?"),
        _("a time such as 10:30 or 10h30"),
    ),
    "link": FieldForm(
        re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~%/?#=&+-]*)?"),
        _("an https address without spaces"),
    ),
}


def fields_in(text: str) -> list[str]:
    """The field names a wording uses, in order of first appearance."""
    seen: list[str] = []
    for name in FIELD.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def unknown_fields(texts: Mapping[str, str]) -> list[str]:
    return sorted({name for text in texts.values() for name in fields_in(text)} - set(FORMS))


def outside_form(values: Mapping[str, str]) -> list[str]:
    """Why these values are not of their fields' allowed form (empty: all are)."""
    problems = []
    for name, value in sorted(values.items()):
        form = FORMS.get(name)
        if form is None:
            problems.append(str(_("{%(name)s} is not a template field") % {"name": name}))
        elif not form.pattern.fullmatch(value.strip()):
            problems.append(
                str(
                    _("{%(name)s} must be %(description)s")
                    % {"name": name, "description": form.description}
                )
            )
    return problems


def fill(text: str, values: Mapping[str, str]) -> str:
    """The wording with each field replaced by its value (a field without one stays)."""
    return FIELD.sub(lambda m: values.get(m.group(1), m.group(0)).strip() or m.group(0), text)
