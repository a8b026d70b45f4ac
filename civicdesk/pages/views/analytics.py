"""Analytics screens: the dashboard of figures, its exports, the monthly reports, and the
peer benchmark."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.analytics import benchmark
from civicdesk.analytics import services as analytics
from civicdesk.analytics.access import (
    analytics_channels,
    analytics_organizations,
    reads_whole_organization,
    require_organization_analytics,
    sends_reports,
)
from civicdesk.analytics.definitions import Period, Scope
from civicdesk.analytics.exports import KINDS, export_file
from civicdesk.analytics.figures import DIMENSIONS, breakdown, overview
from civicdesk.analytics.models import InstitutionKind, MonthlyReport, PeerBenchmark
from civicdesk.analytics.reports import XLSX_TYPE, parse_month, previous_month
from civicdesk.organizations.access import Perm, channels_for
from civicdesk.organizations.models import Organization
from civicdesk.pages import monthly
from civicdesk.pages.analytics_forms import (
    DIMENSION_LABELS,
    BenchmarkExportForm,
    BenchmarkUploadForm,
    MonthlyTextForm,
    ScopeForm,
    local_today,
)
from civicdesk.pages.forms import KIND_LABELS, URGENCY_LABELS
from civicdesk.pages.views.common import HtmxHttpRequest, int_param


def _organization(request: HtmxHttpRequest) -> tuple[Organization, list[Organization]]:
    """The organization asked for (or the first), among those whose analytics the person
    reads; 403 to someone who reads none."""
    organizations = list(analytics_organizations(request.user))
    if not organizations:
        raise PermissionDenied(_("Your role does not include reading analytics."))
    wanted = int_param(request.GET.get("organization"))
    chosen = next((o for o in organizations if o.pk == wanted), organizations[0])
    return chosen, organizations


def _scope(request: HtmxHttpRequest) -> tuple[ScopeForm, Scope, Period, str]:
    organization, organizations = _organization(request)
    channels = list(analytics_channels(request.user, organization).order_by("pk"))
    form = ScopeForm(
        request.GET or None,
        organizations=organizations,
        organization=organization,
        channels=channels,
    )
    data = form.cleaned_data if form.is_valid() else {}
    chosen = channels
    if data.get("brand"):
        chosen = [c for c in chosen if c.brand_id == data["brand"].pk]
    if data.get("channel"):
        chosen = [c for c in chosen if c.pk == data["channel"].pk]
    scope = Scope(
        organization=organization,
        channels=chosen,
        pillar_id=data["pillar"].pk if data.get("pillar") else None,
        campaign_id=data["campaign"].pk if data.get("campaign") else None,
        language=data.get("language") or "",
    )
    dimension = data.get("by") or "channel"
    return form, scope, form.period(local_today(organization)), dimension


@require_GET
def analytics_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    form, scope, period, dimension = _scope(request)
    summary = overview(scope, period)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "overview": summary,
            "groups": breakdown(summary.rows, dimension),
            "dimension": dimension,
            "dimension_label": DIMENSION_LABELS[dimension],
            "dimensions": DIMENSIONS,
            "kind_labels": KIND_LABELS,
            "urgency_labels": URGENCY_LABELS,
            "query": request.GET.urlencode(),
            "export_kinds": KINDS,
            "whole_organization": reads_whole_organization(request.user, scope.organization),
        },
    )


@require_GET
def analytics_export(request: HtmxHttpRequest, kind: str, file_format: str) -> HttpResponse:
    if kind not in KINDS or file_format not in ("csv", "xlsx"):
        raise Http404(_("No such export"))
    form, scope, period, _dimension = _scope(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
        return redirect("analytics")
    # Authors and texts only for the channels where the person answers the public.
    personal = set(channels_for(request.user, Perm.REPLY).values_list("pk", flat=True))
    content = export_file(kind, file_format, scope, period, personal_channels=personal)
    analytics.analytics_export_record(
        organization=scope.organization,
        actor=request.user,  # type: ignore[arg-type]
        kind=kind,
        details={
            "format": file_format,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "channels": scope.channel_ids,
        },
    )
    name = f"{kind}-{scope.organization.slug}-{period.start}-{period.end}.{file_format}"
    response = HttpResponse(
        content, content_type=XLSX_TYPE if file_format == "xlsx" else "text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- monthly reports ----------------------------------------------------------------------


def _report_for(request: HtmxHttpRequest, pk: int) -> MonthlyReport:
    report = get_object_or_404(MonthlyReport.objects.select_related("organization"), pk=pk)
    require_organization_analytics(request.user, report.organization)
    return report


@require_GET
def analytics_reports(request: HtmxHttpRequest) -> HttpResponse:
    organization, organizations = _organization(request)
    require_organization_analytics(request.user, organization)
    return render(
        request,
        "analytics/reports.html",
        {
            "organization": organization,
            "organizations": organizations,
            "reports": MonthlyReport.objects.filter(organization=organization),
            "can_send": sends_reports(request.user, organization),
            "last_month": previous_month(local_today(organization)).start,
        },
    )


@require_POST
def analytics_report_new(request: HtmxHttpRequest) -> HttpResponse:
    """Draft a month's report by hand (the worker drafts last month's by itself)."""
    organization, _organizations = _organization(request)
    require_organization_analytics(request.user, organization)
    if not sends_reports(request.user, organization):
        raise PermissionDenied(_("Only the organization's managers and admins send its report."))
    try:
        period = parse_month(request.POST.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('analytics-reports')}?organization={organization.pk}")
    report = analytics.monthly_report_draft(
        organization=organization,
        actor=request.user,  # type: ignore[arg-type]
        month=period.start,
    )
    return redirect("analytics-report", pk=report.pk)


@require_http_methods(["GET", "POST"])
def analytics_report(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    organization = report.organization
    languages = list(organization.official_languages) or ["en"]
    can_send = sends_reports(request.user, organization)
    initial = {f"text_{code}": report.texts.get(code, "") for code in languages}
    initial["recipients"] = ", ".join(report.recipients)
    form = MonthlyTextForm(request.POST or None, initial=initial, languages=languages)
    period = Period.month(report.month.year, report.month.month)
    if request.method == "POST":
        if not can_send:
            raise PermissionDenied(
                _("Only the organization's managers and admins send its report.")
            )
        if form.is_valid():
            texts, recipients = form.texts(), form.cleaned_data["recipients"]
            try:
                if "send" in request.POST:
                    data = monthly.data_for(organization, period)
                    analytics.monthly_report_send(
                        report=report,
                        actor=request.user,  # type: ignore[arg-type]
                        texts=texts,
                        recipients=recipients,
                        rendered=monthly.rendered(report, data, texts),
                    )
                    messages.success(
                        request,
                        ngettext(
                            "The report was sent to %(count)d person.",
                            "The report was sent to %(count)d people.",
                            len(recipients),
                        )
                        % {"count": len(recipients)},
                    )
                else:
                    analytics.monthly_report_update(
                        report=report,
                        actor=request.user,  # type: ignore[arg-type]
                        texts=texts,
                        recipients=recipients,
                    )
                    messages.success(request, _("The report's words are saved."))
                return redirect("analytics-report", pk=report.pk)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            except OSError as error:
                messages.error(
                    request,
                    _("The mail server did not take the report: %(error)s") % {"error": error},
                )
    data = monthly.data_for(organization, period)
    return render(
        request,
        "analytics/report.html",
        {
            **monthly.context(data, report.texts),
            "report": report,
            "form": form,
            "can_send": can_send,
            "report_title": monthly.title(data),
        },
    )


@require_GET
def analytics_report_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    period = Period.month(report.month.year, report.month.month)
    data = monthly.data_for(report.organization, period)
    content = monthly.pdf(data, report.texts)
    analytics.analytics_export_record(
        organization=report.organization,
        actor=request.user,  # type: ignore[arg-type]
        kind="monthly_report",
        details={"format": "pdf", "month": f"{report.month:%Y-%m}"},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="report-{report.organization.slug}-{report.month:%Y-%m}.pdf"'
    )
    return response


# --- peer benchmark -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def analytics_benchmark(request: HtmxHttpRequest) -> HttpResponse:
    organization, organizations = _organization(request)
    require_organization_analytics(request.user, organization)
    me = benchmark.identity(organization)
    upload = BenchmarkUploadForm()
    kind_form = BenchmarkExportForm(
        initial={"institution_kind": me.institution_kind}, kinds=list(InstitutionKind.choices)
    )
    if request.method == "POST":
        back = f"{reverse('analytics-benchmark')}?organization={organization.pk}"
        if "import" in request.POST:
            upload = BenchmarkUploadForm(request.POST, request.FILES)
            if upload.is_valid():
                try:
                    analytics.benchmark_import(
                        organization=organization,
                        actor=request.user,  # type: ignore[arg-type]
                        data=upload.cleaned_data["file"],
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("The peer's benchmark is imported."))
                    return redirect(back)
        else:
            kind_form = BenchmarkExportForm(request.POST, kinds=list(InstitutionKind.choices))
            if kind_form.is_valid():
                analytics.benchmark_kind_set(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                    institution_kind=kind_form.cleaned_data["institution_kind"],
                )
                content = analytics.benchmark_export(
                    organization=organization,
                    actor=request.user,  # type: ignore[arg-type]
                )
                response = HttpResponse(content, content_type="application/json")
                response["Content-Disposition"] = 'attachment; filename="benchmark.json"'
                return response
    own = benchmark.document(organization, months=1)
    month = own["rows"][0]["month"]
    platform = request.GET.get("platform") or benchmark.ALL
    return render(
        request,
        "analytics/benchmark.html",
        {
            "organization": organization,
            "organizations": organizations,
            "upload": upload,
            "kind_form": kind_form,
            "month": month,
            "platform": platform,
            "platforms": sorted({r["platform"] for r in own["rows"]}),
            "positions": benchmark.positions(organization, own["rows"], month, platform),
            "peers": PeerBenchmark.objects.filter(organization=organization).order_by(
                "-imported_at"
            ),
        },
    )
