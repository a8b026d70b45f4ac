"""The monthly "by the numbers" report: its figures for one month of one organization, what
changed since the month before, and its tables as CSV and Excel.

The worker drafts each organization's report for the month before on the first day of a
month (``draft_monthly_reports``); the manager adds a few words and sends it
(``services.monthly_report_send``). Incidents live in a layer beside this one: whoever
renders the report passes them in as ``IncidentLine``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicdesk.analytics.definitions import Figure, Period, Scope
from civicdesk.analytics.figures import Overview, overview
from civicdesk.analytics.models import MonthlyReport
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, Organization

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def parse_month(value: str) -> Period:
    """``YYYY-MM`` as the period of that month; ValueError otherwise."""
    found = MONTH.match(value.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValueError(_("A month is written YYYY-MM, e.g. 2026-10."))
    return Period.month(int(found.group(1)), int(found.group(2)))


def previous_month(today: date) -> Period:
    last_day = today.replace(day=1) - timedelta(days=1)
    return Period.month(last_day.year, last_day.month)


@dataclass(frozen=True)
class IncidentLine:
    """An incident of the month as the report lists it (filled in by the page layer)."""

    name: str
    kind: str
    severity: str
    declared_at: datetime
    closed_at: datetime | None
    updates: int


@dataclass
class MonthlyData:
    organization: Organization
    period: Period
    overview: Overview
    incidents: list[IncidentLine] = field(default_factory=list)

    @property
    def headline(self) -> list[Figure]:
        keys = (
            "followers",
            "follower_growth",
            "posts",
            "impressions",
            "engagements",
            "engagement_rate",
            "messages",
            "response_rate",
            "first_response_median",
        )
        return [self.overview.figures[k] for k in keys]

    @property
    def changes(self) -> list[Figure]:
        """The figures that moved most since the month before (at most five)."""
        moved = [
            f
            for f in self.overview.figures.values()
            if f.difference not in (None, 0) and f.key != "follower_growth"
        ]
        moved.sort(key=lambda f: -abs(f.change if f.change is not None else 1.0))
        return moved[:5]


def monthly_data(
    organization: Organization, period: Period, incidents: list[IncidentLine] | None = None
) -> MonthlyData:
    channels = list(
        Channel.objects.filter(brand__organization=organization).select_related("brand")
    )
    scope = Scope(organization=organization, channels=channels)
    return MonthlyData(
        organization=organization,
        period=period,
        overview=overview(scope, period),
        incidents=incidents or [],
    )


def draft_monthly_reports(now: datetime | None = None) -> int:
    """Draft the report of the month before for every organization that has none yet (in its
    own time zone, from the first day of the month on). Returns how many were drafted."""
    now = now or timezone.now()
    drafted = 0
    for organization in Organization.objects.all():
        today = timezone.localtime(now, organization.tz).date()
        month = previous_month(today).start
        if MonthlyReport.objects.filter(organization=organization, month=month).exists():
            continue
        try:
            with transaction.atomic():
                report = MonthlyReport.objects.create(
                    organization=organization, month=month, drafted_at=now
                )
                audit(
                    organization=organization,
                    actor=None,
                    action="analytics.report_drafted",
                    target=report,
                    data={"month": f"{month:%Y-%m}"},
                )
        except IntegrityError:
            continue  # another worker drafted it first
        drafted += 1
    return drafted


# --- tables -------------------------------------------------------------------------------


def defuse(value: object) -> object:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _number(value: float | None) -> float | int | str:
    if value is None:
        return ""
    return round(value, 4) if isinstance(value, float) and not value.is_integer() else int(value)


def report_tables(data: MonthlyData) -> list[tuple[str, list[str], list[list[object]]]]:
    """The report as tables: (sheet name, header, rows). Not available is an empty cell."""
    figures: list[list[object]] = [
        [
            f.key,
            str(f.label),
            _number(f.value),
            _number(f.previous),
            f.unit,
            ", ".join(f.supplied_by),
            ", ".join(f.not_reported_by),
            str(f.definition),
        ]
        for f in data.overview.figures.values()
    ]
    posts: list[list[object]] = [
        [
            r.publication_id,
            r.title,
            str(r.channel),
            r.platform,
            r.published_at.isoformat(),
            _number(r.impressions),
            _number(r.reach),
            _number(r.engagements),
            _number(r.engagement_rate),
            r.url,
        ]
        for r in data.overview.top
    ]
    inbox = (
        [["kind", key or "", n] for key, n in data.overview.inbox.by_kind]
        + [["urgency", key or "", n] for key, n in data.overview.inbox.by_urgency]
        + [["language", key or "", n] for key, n in data.overview.inbox.by_language]
    )
    incidents = [
        [
            i.name,
            i.kind,
            i.severity,
            i.declared_at.isoformat(),
            i.closed_at.isoformat() if i.closed_at else "",
            i.updates,
        ]
        for i in data.incidents
    ]
    return [
        (
            "figures",
            [
                "figure",
                "label",
                "value",
                "previous",
                "unit",
                "reported_by",
                "not_reported_by",
                "definition",
            ],
            figures,
        ),
        (
            "top_posts",
            [
                "publication_id",
                "title",
                "channel",
                "platform",
                "published_at",
                "impressions",
                "reach",
                "engagements",
                "engagement_rate",
                "url",
            ],
            posts,
        ),
        ("messages", ["by", "value", "messages"], inbox),
        (
            "incidents",
            ["name", "kind", "severity", "declared_at", "closed_at", "updates"],
            incidents,
        ),
    ]


def tables_csv(tables: list[tuple[str, list[str], list[list[object]]]]) -> bytes:
    """One CSV file (UTF-8 with a BOM, for spreadsheets): each table under its name."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, (name, header, rows) in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([f"# {name}"])
        writer.writerow(header)
        writer.writerows([[defuse(c) for c in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode()


def tables_xlsx(tables: list[tuple[str, list[str], list[list[object]]]]) -> bytes:
    """One workbook, a sheet a table."""
    book = Workbook()
    first = True
    for name, header, rows in tables:
        sheet = book.active if first else book.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = name[:31]
        sheet.append(header)
        for row in rows:
            sheet.append([defuse(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
