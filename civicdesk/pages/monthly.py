"""The monthly report as people receive it: its incidents (from the incidents room), its
page, its email (HTML without SVG, which mail clients drop, and plain text) and its PDF,
each in every official language of the organization, one after the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicdesk.analytics.definitions import Period
from civicdesk.analytics.models import MonthlyReport
from civicdesk.analytics.reports import IncidentLine, MonthlyData, monthly_data
from civicdesk.analytics.services import RenderedReport
from civicdesk.core.pdf import html_to_pdf
from civicdesk.incidents.models import Incident
from civicdesk.organizations.models import Organization
from civicdesk.pages.forms import KIND_LABELS, URGENCY_LABELS
from civicdesk.pages.templatetags.desk import org_time
from civicdesk.rules import language_name


def incidents_of(organization: Organization, period: Period) -> list[IncidentLine]:
    """Incidents open at any moment of the period (declared before its end, not closed
    before its start)."""
    begin, finish = period.bounds(organization.time_zone)
    incidents = (
        Incident.objects.filter(organization=organization, declared_at__lt=finish)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=begin))
        .annotate(n=Count("updates"))
        .order_by("declared_at")
    )
    return [
        IncidentLine(
            name=i.name,
            kind=i.get_kind_display(),
            severity=i.get_severity_display(),
            declared_at=i.declared_at,
            closed_at=i.closed_at,
            updates=i.n,
        )
        for i in incidents
    ]


def data_for(organization: Organization, period: Period) -> MonthlyData:
    return monthly_data(organization, period, incidents_of(organization, period))


@dataclass(frozen=True)
class LanguagePart:
    code: str
    name: str
    bidi: bool
    text: str


def parts(organization: Organization, texts: dict[str, str]) -> list[LanguagePart]:
    codes = list(organization.official_languages) or ["en"]
    return [
        LanguagePart(
            code=code,
            name=language_name(code, code),
            bidi=translation.get_language_info(code)["bidi"],
            text=texts.get(code, ""),
        )
        for code in codes
    ]


def context(data: MonthlyData, texts: dict[str, str]) -> dict[str, Any]:
    return {
        "data": data,
        "organization": data.organization,
        "parts": parts(data.organization, texts),
        "kind_labels": KIND_LABELS,
        "urgency_labels": URGENCY_LABELS,
    }


def title(data: MonthlyData) -> str:
    return _("%(organization)s by the numbers: %(month)s") % {
        "organization": data.organization.name,
        "month": f"{data.period.start:%Y-%m}",
    }


def pdf(data: MonthlyData, texts: dict[str, str]) -> bytes:
    html = render_to_string(
        "pages/report_document.html",
        {
            **context(data, texts),
            "report_body": "analytics/_monthly_all.html",
            "report_title": title(data),
            "printed_at": org_time(timezone.now(), data.organization),
            "printing": True,
        },
    )
    return html_to_pdf(html)


def html_page(data: MonthlyData, texts: dict[str, str]) -> str:
    """The report as one standalone HTML document (the command line's ``--format html``)."""
    return render_to_string(
        "pages/report_document.html",
        {
            **context(data, texts),
            "report_body": "analytics/_monthly_all.html",
            "report_title": title(data),
            "printed_at": org_time(timezone.now(), data.organization),
        },
    )


def rendered(report: MonthlyReport, data: MonthlyData, texts: dict[str, str]) -> RenderedReport:
    values = context(data, texts)
    return RenderedReport(
        subject=title(data),
        text=render_to_string("analytics/monthly_email.txt", values),
        html=render_to_string("analytics/monthly_email.html", values),
        pdf=pdf(data, texts),
        pdf_name=f"report-{report.organization.slug}-{report.month:%Y-%m}.pdf",
    )
