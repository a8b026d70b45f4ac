"""The monthly report: drafted by the worker, written to files by the command line, read
back from its PDF, and sent by a manager to a real SMTP server on loopback."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from civicdesk.analytics.models import MonthlyReport, ReportStatus
from civicdesk.analytics.reports import draft_monthly_reports
from civicdesk.incidents.models import Incident
from civicdesk.organizations.models import AuditEvent
from civicdesk.runtime.worker import DeskWorker, WorkerOptions
from tests.analytics.dataset import Dataset, utc
from tests.factories import PASSWORD
from tests.mail import Mailbox

pytestmark = pytest.mark.django_db


def _incident(dataset: Dataset) -> Incident:
    incident = Incident.objects.create(
        organization=dataset.world.org,
        name="Flood on the ring road",
        kind=Incident._meta.get_field("kind").choices[0][0],  # type: ignore[index]
        severity=Incident._meta.get_field("severity").choices[0][0],  # type: ignore[index]
        area="Ring road",
        declared_by=dataset.world.manager,
        declared_at=utc(2026, 10, 8, 6),
        next_update_due_at=utc(2026, 10, 8, 7),
        closed_at=utc(2026, 10, 9, 6),
    )
    return incident


def test_the_worker_drafts_last_month_once(dataset: Dataset) -> None:
    paris = ZoneInfo("Europe/Paris")
    # 31 October 23:30 in Paris: still October, nothing to draft for October yet.
    assert draft_monthly_reports(datetime(2026, 10, 31, 23, 30, tzinfo=paris)) >= 1
    assert not MonthlyReport.objects.filter(
        organization=dataset.world.org, month="2026-10-01"
    ).exists()
    first_of_november = datetime(2026, 11, 1, 0, 30, tzinfo=paris)
    draft_monthly_reports(first_of_november)
    assert draft_monthly_reports(first_of_november) == 0  # once
    report = MonthlyReport.objects.get(organization=dataset.world.org, month="2026-10-01")
    assert report.status == ReportStatus.DRAFT
    assert AuditEvent.objects.filter(
        organization=dataset.world.org, action="analytics.report_drafted"
    ).exists()
    worker = DeskWorker(WorkerOptions(roles=("periodic",)))
    assert "analytics.monthly_reports" in worker.wanted_jobs(first_of_november)
    assert worker.job("analytics.monthly_reports") is not None


def test_command_line_writes_pdf_html_csv_and_xlsx(dataset: Dataset, tmp_path: Path) -> None:
    _incident(dataset)
    slug = dataset.world.org.slug
    files = {}
    for kind in ("pdf", "html", "csv", "xlsx"):
        files[kind] = tmp_path / f"report.{kind}"
        call_command(
            "report", "monthly", "--organization", slug, "--month", "2026-10",
            "--format", kind, "--out", str(files[kind]), stdout=io.StringIO(),
        )  # fmt: skip

    text = " ".join(page.extract_text() for page in PdfReader(files["pdf"]).pages)
    flat = " ".join(text.split())
    assert "by the numbers, October 2026" in flat
    assert "1,650" in flat  # followers
    assert "1,400" in flat  # impressions
    assert "not available" in flat  # video views, in the definitions' notes
    assert "Flood on the ring road" in flat
    assert "Bridge reopens" in flat
    assert "en chiffres" in flat  # the French part follows the English one

    html = files["html"].read_text()
    assert "<svg" in html and "Headline figures" in html

    lines = files["csv"].read_text(encoding="utf-8-sig").splitlines()
    header = lines.index("# figures") + 1
    figures = {r["figure"]: r for r in csv.DictReader(lines[header : lines.index("", header)])}
    assert figures["impressions"]["value"] == "1400"
    assert figures["video_views"]["value"] == ""
    assert figures["response_rate"]["value"] == "0.75"

    book = load_workbook(files["xlsx"])
    assert book.sheetnames == ["figures", "top_posts", "messages", "incidents"]
    assert book["incidents"]["A2"].value == "Flood on the ring road"

    with pytest.raises(CommandError):
        call_command(
            "report", "monthly", "--organization", slug, "--month", "2026-13",
            "--format", "pdf", "--out", str(tmp_path / "x.pdf"),
        )  # fmt: skip


def test_manager_reviews_and_sends_the_report_by_mail(dataset: Dataset, smtp: Mailbox) -> None:
    draft_monthly_reports(datetime(2026, 11, 1, 9, tzinfo=ZoneInfo("Europe/Paris")))
    report = MonthlyReport.objects.get(organization=dataset.world.org, month="2026-10-01")
    url = reverse("analytics-report", args=[report.pk])

    analyst = Client()
    analyst.login(username=dataset.analyst.username, password=PASSWORD)
    assert analyst.get(url).status_code == 200  # an analyst reads it
    assert analyst.post(url, {"send": "1", "recipients": "x@example.org"}).status_code == 403

    manager = Client()
    manager.login(username=dataset.world.manager.username, password=PASSWORD)
    bad = manager.post(url, {"send": "1", "recipients": "not an address"})
    assert bad.status_code == 200
    assert "Not an email address" in bad.content.decode()
    words = {"text_en": "A calm month <b>on the bridge</b>.", "text_fr": "Un mois calme."}
    sent = manager.post(
        url, {"send": "1", "recipients": "director@city.example, mayor@city.example", **words}
    )
    assert sent.status_code == 302
    assert smtp.arrived.wait(10)
    message = smtp.messages[0]
    assert "director@city.example" in message["To"]
    kinds = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html", "application/pdf"} <= kinds
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert "<svg" not in body  # mail clients drop it: bars are HTML
    assert "A calm month &lt;b&gt;on the bridge&lt;/b&gt;." in body
    assert "Un mois calme." in body
    pdf = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages
    )
    assert "A calm month" in text
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.sent_by == dataset.world.manager
    assert AuditEvent.objects.filter(action="analytics.report_sent").exists()
