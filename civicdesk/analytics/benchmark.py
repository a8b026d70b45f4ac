"""The anonymous benchmark: a file of an organization's figures by platform and month that
peers import to see where they stand. Its schema is ``benchmark.schema.json`` beside this
module and is documented in docs/analytics.md.

What a file may hold is fixed here, and an import refuses anything else: no names (of the
organization, brands, channels, people), no text of any message or post; counts, rates and
medians only, under a random id of the organization that exported it and its kind of
institution.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civicdesk.analytics.definitions import Period, Scope
from civicdesk.analytics.figures import account_figures, post_figures, post_rows
from civicdesk.analytics.inbox_figures import inbox_figures
from civicdesk.analytics.models import (
    BenchmarkIdentity,
    InstitutionKind,
    PeerBenchmark,
)
from civicdesk.analytics.reports import previous_month
from civicdesk.organizations.models import Channel, Organization, Platform

SCHEMA = "civicdesk-benchmark/1"
ALL = "all"
# Each row's figures: name → unit. Counts are whole numbers, rates 0..1, times seconds.
FIELDS: dict[str, str] = {
    "followers": "count",
    "follower_growth": "signed",
    "posts": "count",
    "impressions": "count",
    "reach": "count",
    "engagements": "count",
    "engagement_rate": "rate",
    "video_views": "count",
    "clicks": "count",
    "messages": "count",
    "response_rate": "rate",
    "first_response_median_seconds": "seconds",
    "first_response_p90_seconds": "seconds",
}
TOP_KEYS = {"schema", "organization_id", "institution_kind", "generated_at", "rows"}
ROW_KEYS = {"month", "platform", *FIELDS}
MAX_ROWS = 24 * 12


def identity(organization: Organization) -> BenchmarkIdentity:
    found, _created = BenchmarkIdentity.objects.get_or_create(organization=organization)
    return found


def _row(organization: Organization, channels: list[Channel], period: Period) -> dict[str, Any]:
    scope = Scope(organization=organization, channels=channels)
    posts = post_figures(post_rows(scope, period))
    account = account_figures(scope, period)
    inbox = inbox_figures(scope, period).figures

    def whole(value: float | None) -> int | None:
        return None if value is None else int(round(value))

    def rate(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "followers": whole(account["followers"].value),
        "follower_growth": whole(account["follower_growth"].value),
        "posts": whole(posts["posts"].value),
        "impressions": whole(posts["impressions"].value),
        "reach": whole(posts["reach"].value),
        "engagements": whole(posts["engagements"].value),
        "engagement_rate": rate(posts["engagement_rate"].value),
        "video_views": whole(posts["video_views"].value),
        "clicks": whole(posts["clicks"].value),
        "messages": whole(inbox["messages"].value),
        "response_rate": rate(inbox["response_rate"].value),
        "first_response_median_seconds": whole(inbox["first_response_median"].value),
        "first_response_p90_seconds": whole(inbox["first_response_p90"].value),
    }


def document(
    organization: Organization, *, months: int = 12, today: date | None = None
) -> dict[str, Any]:
    """The benchmark of the ``months`` whole months before ``today``: one row a month for
    all platforms together, and one for each platform the organization uses."""
    today = today or timezone.localtime(timezone.now(), organization.tz).date()
    me = identity(organization)
    channels = list(Channel.objects.filter(brand__organization=organization))
    platforms = sorted({c.platform for c in channels})
    periods: list[Period] = []
    cursor = today
    for _i in range(max(1, min(months, 24))):
        period = previous_month(cursor)
        periods.append(period)
        cursor = period.start
    rows = []
    for period in reversed(periods):
        month = f"{period.start:%Y-%m}"
        rows.append({"month": month, "platform": ALL, **_row(organization, channels, period)})
        for platform in platforms:
            mine = [c for c in channels if c.platform == platform]
            rows.append({"month": month, "platform": platform, **_row(organization, mine, period)})
    return {
        "schema": SCHEMA,
        "organization_id": str(me.anonymous_id),
        "institution_kind": me.institution_kind,
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "rows": rows,
    }


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, indent=2, sort_keys=True).encode()


@dataclass(frozen=True)
class Parsed:
    peer_id: uuid.UUID
    institution_kind: str
    generated_at: datetime
    rows: list[dict[str, Any]]


def _fail(message: str) -> ValidationError:
    return ValidationError(_("Not a benchmark file: %(reason)s") % {"reason": message})


def parse(data: bytes) -> Parsed:
    """Check a file against the schema; every refusal says what is wrong."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _fail(_("it is not JSON text.")) from None
    if not isinstance(doc, dict):
        raise _fail(_("it is not a JSON object."))
    if doc.get("schema") != SCHEMA:
        raise _fail(_("its schema is not %(schema)s.") % {"schema": SCHEMA})
    extra = set(doc) - TOP_KEYS
    if extra:
        raise _fail(_("unexpected fields: %(fields)s.") % {"fields": ", ".join(sorted(extra))})
    try:
        peer_id = uuid.UUID(str(doc.get("organization_id")))
    except ValueError:
        raise _fail(_("its organization id is not a UUID.")) from None
    kind = doc.get("institution_kind")
    if kind not in InstitutionKind.values:
        raise _fail(_("its kind of institution is unknown."))
    generated = parse_datetime(str(doc.get("generated_at") or ""))
    if generated is None or generated.tzinfo is None:
        raise _fail(_("its generation time is not an ISO 8601 time with a zone."))
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
        raise _fail(_("it has no rows, or too many."))
    platforms = {*Platform.values, ALL}
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or set(row) != ROW_KEYS:
            raise _fail(_("row %(n)d does not have exactly the expected fields.") % {"n": index})
        month = row["month"]
        if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
            raise _fail(_("row %(n)d: the month is not YYYY-MM.") % {"n": index})
        if row["platform"] not in platforms:
            raise _fail(_("row %(n)d: unknown platform.") % {"n": index})
        for name, unit in FIELDS.items():
            value = row[name]
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _fail(
                    _("row %(n)d: %(field)s is not a number.") % {"n": index, "field": name}
                )
            if unit == "rate" and not 0 <= value <= 1:
                raise _fail(
                    _("row %(n)d: %(field)s is not between 0 and 1.") % {"n": index, "field": name}
                )
            if unit in ("count", "seconds") and value < 0:
                raise _fail(_("row %(n)d: %(field)s is negative.") % {"n": index, "field": name})
    return Parsed(peer_id=peer_id, institution_kind=kind, generated_at=generated, rows=rows)


@dataclass
class Position:
    """Where the organization stands among its peers on one figure."""

    name: str
    unit: str
    own: float | None
    peers: int
    peer_median: float | None
    percentile: float | None  # 0..100: share of peers below, ties counted half

    @property
    def lower_is_better(self) -> bool:
        return self.name.startswith("first_response")


def positions(
    organization: Organization, own_rows: list[dict[str, Any]], month: str, platform: str = ALL
) -> list[Position]:
    """Per figure: the organization's value and its percentile among the imported peers."""
    own = next((r for r in own_rows if r["month"] == month and r["platform"] == platform), None)
    peer_rows = []
    for peer in PeerBenchmark.objects.filter(organization=organization):
        row = next(
            (r for r in peer.rows if r["month"] == month and r["platform"] == platform), None
        )
        if row is not None:
            peer_rows.append(row)
    result = []
    for name, unit in FIELDS.items():
        values = sorted(r[name] for r in peer_rows if r.get(name) is not None)
        mine = own.get(name) if own else None
        rank = None
        if mine is not None and values:
            below = sum(1 for v in values if v < mine)
            equal = sum(1 for v in values if v == mine)
            rank = 100 * (below + equal / 2) / len(values)
        middle = None
        if values:
            half = len(values) // 2
            middle = values[half] if len(values) % 2 else (values[half - 1] + values[half]) / 2
        result.append(
            Position(
                name=name,
                unit=unit,
                own=mine,
                peers=len(values),
                peer_median=middle,
                percentile=rank,
            )
        )
    return result
