"""civicdesk report: the monthly "by the numbers" report of an organization, as a file.

    civicdesk report monthly --organization SLUG --month YYYY-MM
        --format html|pdf|csv|xlsx --out FILE

HTML and PDF are in each official language of the organization, with the manager's words
if the month's report has them; CSV and Excel hold the report's tables.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.analytics.models import MonthlyReport
from civicdesk.analytics.reports import parse_month, report_tables, tables_csv, tables_xlsx
from civicdesk.analytics.services import analytics_export_record
from civicdesk.organizations.models import Organization
from civicdesk.pages import monthly


class Command(BaseCommand):
    help = "Write an organization's monthly report to a file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        month = sub.add_parser("monthly", help="the report of one month")
        month.add_argument("--organization", required=True, help="the organization's slug")
        month.add_argument("--month", required=True, help="YYYY-MM")
        month.add_argument("--format", choices=["html", "pdf", "csv", "xlsx"], required=True)
        month.add_argument("--out", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"no organization with the slug {options['organization']!r}")
        try:
            period = parse_month(options["month"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        report = MonthlyReport.objects.filter(organization=organization, month=period.start).first()
        texts = report.texts if report else {}
        data = monthly.data_for(organization, period)
        kind = options["format"]
        if kind == "pdf":
            content = monthly.pdf(data, texts)
        elif kind == "html":
            content = monthly.html_page(data, texts).encode()
        elif kind == "csv":
            content = tables_csv(report_tables(data))
        else:
            content = tables_xlsx(report_tables(data))
        out: Path = options["out"]
        out.write_bytes(content)
        analytics_export_record(
            organization=organization,
            actor=None,
            kind="monthly_report",
            details={"format": kind, "month": options["month"]},
        )
        self.stdout.write(f"{out} ({len(content)} bytes)")
