"""Analytics routes, under /analytics/."""

from django.urls import path

from civicdesk.pages.views import analytics

urlpatterns = [
    path("", analytics.analytics_dashboard, name="analytics"),
    path(
        "export/<str:kind>.<str:file_format>",
        analytics.analytics_export,
        name="analytics-export",
    ),
    path("reports/", analytics.analytics_reports, name="analytics-reports"),
    path("reports/new/", analytics.analytics_report_new, name="analytics-report-new"),
    path("reports/<int:pk>/", analytics.analytics_report, name="analytics-report"),
    path(
        "reports/<int:pk>/report.pdf", analytics.analytics_report_pdf, name="analytics-report-pdf"
    ),
    path("benchmark/", analytics.analytics_benchmark, name="analytics-benchmark"),
]
