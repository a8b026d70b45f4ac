"""Actions of analytics: the monthly report's words and its sending, the benchmark's export
and import, and the record of every export. Each checks the actor's right, runs in one
transaction and writes the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.analytics import benchmark
from civicdesk.analytics.access import (
    require_organization_analytics,
    require_report_sender,
)
from civicdesk.analytics.models import (
    BenchmarkIdentity,
    InstitutionKind,
    MonthlyReport,
    PeerBenchmark,
    ReportStatus,
)
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Organization


def monthly_report_draft(
    *, organization: Organization, actor: Person, month: date
) -> MonthlyReport:
    """The report of ``month`` (its first day), drafted now unless it already is."""
    require_report_sender(actor, organization)
    with transaction.atomic():
        report, created = MonthlyReport.objects.get_or_create(
            organization=organization, month=month, defaults={"drafted_at": timezone.now()}
        )
        if created:
            audit(
                organization=organization,
                actor=actor,
                action="analytics.report_drafted",
                target=report,
                data={"month": f"{month:%Y-%m}"},
            )
    return report


def monthly_report_update(
    *, report: MonthlyReport, actor: Person, texts: dict[str, str], recipients: list[str]
) -> MonthlyReport:
    """Keep the manager's words and the recipients (a sent report can be sent again)."""
    require_report_sender(actor, report.organization)
    with transaction.atomic():
        report.texts = {code: text.strip() for code, text in texts.items()}
        report.recipients = recipients
        report.save(update_fields=["texts", "recipients"])
        audit(
            organization=report.organization,
            actor=actor,
            action="analytics.report_edited",
            target=report,
            data={"month": f"{report.month:%Y-%m}", "recipients": len(recipients)},
        )
    return report


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    text: str
    html: str
    pdf: bytes
    pdf_name: str


def monthly_report_send(
    *,
    report: MonthlyReport,
    actor: Person,
    texts: dict[str, str],
    recipients: list[str],
    rendered: RenderedReport,
) -> MonthlyReport:
    """Mail the report (HTML with a plain-text part, the PDF attached), then record it.

    The mail goes first: if the server refuses it, nothing says the report was sent."""
    require_report_sender(actor, report.organization)
    if not recipients:
        raise ValidationError(_("Name at least one recipient."))
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    message.attach_alternative(rendered.html, "text/html")
    message.attach(rendered.pdf_name, rendered.pdf, "application/pdf")
    message.send()
    with transaction.atomic():
        report.texts = {code: text.strip() for code, text in texts.items()}
        report.recipients = recipients
        report.status = ReportStatus.SENT
        report.sent_at = timezone.now()
        report.sent_by = actor
        report.save(update_fields=["texts", "recipients", "status", "sent_at", "sent_by"])
        audit(
            organization=report.organization,
            actor=actor,
            action="analytics.report_sent",
            target=report,
            data={"month": f"{report.month:%Y-%m}", "recipients": recipients},
        )
    return report


def analytics_export_record(
    *, organization: Organization, actor: Person | None, kind: str, details: dict[str, Any]
) -> None:
    """Write an export of analytics (figures, messages, a report) to the audit log."""
    with transaction.atomic():
        audit(
            organization=organization,
            actor=actor,
            action="analytics.export",
            data={"kind": kind, **details},
        )


def benchmark_kind_set(
    *, organization: Organization, actor: Person | None, institution_kind: str
) -> BenchmarkIdentity:
    """The kind of institution the benchmark file states; ``actor`` None is the command line."""
    if actor is not None:
        require_organization_analytics(actor, organization)
    if institution_kind not in InstitutionKind.values:
        raise ValidationError(_("Choose a kind of institution from the list."))
    with transaction.atomic():
        me = benchmark.identity(organization)
        if me.institution_kind != institution_kind:
            me.institution_kind = institution_kind
            me.save(update_fields=["institution_kind"])
            audit(
                organization=organization,
                actor=actor,
                action="analytics.benchmark_kind",
                data={"institution_kind": institution_kind},
            )
    return me


def benchmark_export(
    *, organization: Organization, actor: Person | None, months: int = 12
) -> bytes:
    """The organization's benchmark file; ``actor`` None is the command line."""
    if actor is not None:
        require_organization_analytics(actor, organization)
    doc = benchmark.document(organization, months=months)
    analytics_export_record(
        organization=organization,
        actor=actor,
        kind="benchmark",
        details={"months": months, "rows": len(doc["rows"])},
    )
    return benchmark.dumps(doc)


def benchmark_import(
    *, organization: Organization, actor: Person | None, data: bytes
) -> PeerBenchmark:
    """Keep a peer's file (a newer one of the same peer replaces it)."""
    if actor is not None:
        require_organization_analytics(actor, organization)
    parsed = benchmark.parse(data)
    if parsed.peer_id == benchmark.identity(organization).anonymous_id:
        raise ValidationError(_("This is your own organization's benchmark file."))
    with transaction.atomic():
        peer, created = PeerBenchmark.objects.update_or_create(
            organization=organization,
            peer_id=parsed.peer_id,
            defaults={
                "institution_kind": parsed.institution_kind,
                "generated_at": parsed.generated_at,
                "rows": parsed.rows,
                "imported_at": timezone.now(),
                "imported_by": actor,
            },
        )
        audit(
            organization=organization,
            actor=actor,
            action="analytics.benchmark_imported",
            target=peer,
            data={"peer": str(parsed.peer_id), "rows": len(parsed.rows), "new": created},
        )
    return peer
