"""Charts drawn on the server as SVG: no script, no external service, readable in a PDF.

Every chart is shown next to a table of the same numbers (the template's job), and carries a
title and a description for screen readers. Labels come from the team and the public (post
titles, campaign names), so every piece of text is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAR = 22
GAP = 8
LABEL_WIDTH = 200
VALUE_WIDTH = 90
COLOUR = "#1f5f8b"


def _shorten(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    rows: Sequence[tuple[str, float | None, str]], *, title: str, chart_id: str
) -> SafeString:
    """Horizontal bars: each row is (label, value, value as shown). A row without a value
    is drawn without a bar and its text says so; it is never drawn as zero."""
    height = max(1, len(rows)) * (BAR + GAP) + GAP
    largest = max((v for _l, v, _s in rows if v is not None), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = []
    for index, (label, value, shown) in enumerate(rows):
        y = GAP + index * (BAR + GAP)
        middle = y + BAR / 2 + 5
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="13">{}</text>',
                LABEL_WIDTH - 8,
                middle,
                _shorten(label),
            )
        )
        width = 0.0 if value is None else max(1.0, room * max(value, 0) / largest)
        if value is not None:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                    LABEL_WIDTH,
                    y,
                    f"{width:.1f}",
                    BAR,
                    COLOUR,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="13">{}</text>',
                f"{LABEL_WIDTH + width + 6:.1f}",
                middle,
                shown,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" '
        'width="100%" role="img" aria-labelledby="{id}-title" direction="ltr">'
        '<title id="{id}-title">{title}</title>{body}</svg>',
        w=WIDTH,
        h=height,
        id=chart_id,
        title=title,
        body=mark_safe("".join(parts)),  # noqa: S308 - each part was built by format_html
    )


def column_chart(
    columns: Sequence[tuple[str, float]], *, title: str, chart_id: str, height: int = 160
) -> SafeString:
    """Vertical columns over time (e.g. messages a day); labels under the first, last and
    every seventh column so a month stays readable."""
    count = max(1, len(columns))
    step = WIDTH / count
    largest = max((v for _l, v in columns), default=0) or 1
    plot = height - 24
    parts = []
    for index, (label, value) in enumerate(columns):
        bar = plot * max(value, 0) / largest
        x = index * step
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                f"{x + 1:.1f}",
                f"{plot - bar:.1f}",
                f"{max(step - 2, 1):.1f}",
                f"{bar:.1f}",
                COLOUR,
                label,
                f"{value:g}",
            )
        )
        if index in (0, count - 1) or index % 7 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11">{}</text>',
                    f"{x:.1f}",
                    height - 6,
                    label,
                )
            )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" '
        'width="100%" role="img" aria-labelledby="{id}-title" direction="ltr">'
        '<title id="{id}-title">{title}</title>'
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="#888"></line>{body}</svg>',
        w=WIDTH,
        h=height,
        id=chart_id,
        title=title,
        base=plot,
        body=mark_safe("".join(parts)),  # noqa: S308 - each part was built by format_html
    )


def bar_table(rows: Sequence[tuple[str, float | None, str]]) -> SafeString:
    """The same bars as an HTML table with CSS widths: what mail clients show (they drop
    inline SVG)."""
    largest = max((v for _l, v, _s in rows if v is not None), default=0) or 1
    lines = []
    for label, value, shown in rows:
        percent = 0 if value is None else max(1, round(100 * max(value, 0) / largest))
        bar = (
            format_html('<div style="background:{};height:14px;width:{}%"></div>', COLOUR, percent)
            if value is not None
            else ""
        )
        lines.append(
            format_html(
                '<tr><th scope="row" style="text-align:start;font-weight:normal;'
                'padding:2px 8px 2px 0">{}</th><td style="width:60%;padding:2px 0">{}</td>'
                '<td style="padding:2px 0 2px 8px;white-space:nowrap">{}</td></tr>',
                label,
                bar,
                shown,
            )
        )
    return mark_safe(  # noqa: S308 - each line was built by format_html
        '<table role="presentation" style="border-collapse:collapse;width:100%">'
        + "".join(lines)
        + "</table>"
    )
