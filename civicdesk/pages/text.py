"""Text helpers of the pages: hiding personal data, reading a local time from a form."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def mask_personal_data(text: str, spans: Any) -> str:
    """Replace each stored span ``text[start:end]`` with a label naming its kind.

    The result is plain text: the template escapes it, so masking never builds markup.
    """
    ranges: list[tuple[int, int, str]] = []
    for span in spans if isinstance(spans, list) else []:
        if not isinstance(span, dict):
            continue
        try:
            start = max(0, min(len(text), int(span.get("start", 0))))
            end = max(0, min(len(text), int(span.get("end", 0))))
        except (TypeError, ValueError):
            continue
        if end > start:
            ranges.append((start, end, str(span.get("kind") or "personal data")))
    ranges.sort()
    out: list[str] = []
    cursor = 0
    for start, end, kind in ranges:
        if end <= cursor:
            continue  # inside a span already hidden
        start = max(start, cursor)
        out.append(text[cursor:start])
        out.append(f"[{kind.replace('_', ' ')} hidden]")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def parse_local_time(value: str, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """A ``datetime-local`` value entered in ``tz``, as an aware UTC datetime.

    A time that does not exist (the hour skipped when clocks go forward) is refused; a time
    that happens twice (clocks go back) is taken as the first of the two.
    """
    value = value.strip()
    if not value:
        return None
    try:
        naive = datetime.strptime(value[:16], LOCAL_INPUT)
    except ValueError:
        raise ValidationError(_("Enter the date and time as YYYY-MM-DD HH:MM.")) from None
    local = naive.replace(tzinfo=tz, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s: the clocks skip that hour.")
            % {"time": f"{naive:%Y-%m-%d %H:%M}", "zone": tz.key}
        )
    return as_utc


def local_input_value(value: datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """The value for a ``datetime-local`` input showing ``value`` in ``tz``."""
    if value is None:
        return ""
    return value.astimezone(tz).strftime(LOCAL_INPUT)
