"""What the after-action reports share: the reach the platforms last reported for published
posts, and the report as a PDF document (the HTML page's content, printed by WeasyPrint).

Both the incident report and the exercise report render their body from one partial, inside
the screen's page for HTML and inside ``pages/report_document.html`` for PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

from civicdesk.analytics.models import MetricSnapshot
from civicdesk.core.pdf import html_to_pdf
from civicdesk.incidents.report import PublicationReach
from civicdesk.publishing.models import Publication


def _sum(*values: int | None) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def publication_reach(publication_ids: list[int]) -> Mapping[int, PublicationReach]:
    """The newest snapshot of each publication (one index probe each), as reach figures.
    Engagements are likes, reposts and replies, as on the dashboard."""
    newest = Subquery(
        MetricSnapshot.objects.filter(publication_id=OuterRef("pk"))
        .order_by("-captured_at")
        .values("pk")[:1]
    )
    ids = Publication.objects.filter(pk__in=publication_ids).values_list(newest, flat=True)
    snapshots = MetricSnapshot.objects.filter(pk__in=[i for i in ids if i is not None]).only(
        "publication_id", "impressions", "reach", "likes", "reposts", "replies"
    )
    return {
        s.publication_id: PublicationReach(
            impressions=s.impressions,
            reach=s.reach,
            engagements=_sum(s.likes, s.reposts, s.replies),
        )
        for s in snapshots
        if s.publication_id is not None
    }


def pdf_response(
    request: HttpRequest, *, body: str, title: str, context: Mapping[str, Any]
) -> HttpResponse:
    """The report's body template printed in a standalone document, as a PDF download."""
    html = render_to_string(
        "pages/report_document.html",
        {**context, "report_body": body, "report_title": title},
        request=request,
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    name = slugify(title) or "report"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
