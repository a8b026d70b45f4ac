"""The plan out: the posts the plan shows, as CSV (UTF-8 with a BOM) or .xlsx.

The columns are documented in docs/plan-import.md, and an exported file imports again
(publishing/planio.py). Cells a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicdesk.publishing.models import Post, PostVariant
from civicdesk.publishing.planio import FORMULA_START

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The export's columns, in order; text_<language> columns follow "channels".
HEAD = ["post_id", "brand", "title", "scheduled_at", "local_time", "time_zone", "status"]
TAIL = ["pillar", "campaign", "author"]


# --- export --------------------------------------------------------------------------------


def defuse(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def export_languages(posts: Sequence[Post]) -> list[str]:
    """One text column per official language of the posts' organizations, in order."""
    languages: list[str] = []
    for post in posts:
        for lang in post.brand.organization.official_languages:
            if lang not in languages:
                languages.append(lang)
    return languages


def export_rows(posts: Sequence[Post]) -> tuple[list[str], list[list[str]]]:
    """The header and one row per post (``posts`` with brand, organization, pillar, campaign
    and author selected): two queries for the texts and channels of them all."""
    languages = export_languages(posts)
    ids = [post.pk for post in posts]
    texts: dict[int, dict[str, str]] = {}
    for variant in PostVariant.objects.filter(post_id__in=ids, channel__isnull=True):
        texts.setdefault(variant.post_id, {})[variant.language] = variant.text
    handles: dict[int, list[str]] = {}
    through = Post.channels.through.objects.filter(post_id__in=ids).select_related("channel")
    for link in through.order_by("channel__handle"):
        handles.setdefault(link.post_id, []).append(link.channel.handle)
    header = [*HEAD, "channels", *(f"text_{lang}" for lang in languages), *TAIL]
    rows = []
    for post in posts:
        org = post.brand.organization
        at = post.scheduled_at
        local = at.astimezone(org.tz) if at else None
        row = [
            str(post.pk),
            post.brand.name,
            post.title,
            local.isoformat(timespec="seconds") if local else "",
            local.strftime("%Y-%m-%d %H:%M") if local else "",
            org.time_zone,
            post.status,
            "; ".join(handles.get(post.pk, [])),
            *(texts.get(post.pk, {}).get(lang, "") for lang in languages),
            post.pillar.slug if post.pillar else "",
            post.campaign.name if post.campaign else "",
            post.author.get_username(),
        ]
        rows.append([defuse(cell) for cell in row])
    return header, rows


def export_csv(posts: Sequence[Post]) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the accents right."""
    header, rows = export_rows(posts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(posts: Sequence[Post]) -> bytes:
    header, rows = export_rows(posts)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Plan"))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
