"""Template filters of analytics: a figure as people read it (a count, a share, a time), or
"not available" when no platform reports it; the change from the previous period; charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django import template
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicdesk.analytics import charts
from civicdesk.analytics.benchmark import Position
from civicdesk.analytics.definitions import SPECS, Figure, platform_label
from civicdesk.analytics.figures import PostRow
from civicdesk.pages.templatetags.desk import duration
from civicdesk.rules import language_name

register = template.Library()


def show(value: float | None, unit: str) -> str:
    """One value in its unit, in the reader's language."""
    if value is None:
        return _("not available")
    if unit == "rate":
        return formats.number_format(round(100 * value, 1), decimal_pos=1) + " %"
    if unit == "seconds":
        return duration(timedelta(seconds=value)) or _("under a minute")
    return formats.number_format(round(value), use_l10n=True, force_grouping=True)


@register.filter
def figure_value(figure: Figure | None) -> str:
    if figure is None:
        return _("not available")
    return show(figure.value, figure.unit)


@register.filter
def figure_previous(figure: Figure) -> str:
    return show(figure.previous, figure.unit)


@register.filter
def figure_change(figure: Figure) -> str:
    """ "+12.5 %" against the previous period; for rates and times, the difference itself."""
    if figure.difference is None:
        return _("no comparison")
    if figure.unit == "rate":
        points = 100 * figure.difference
        return _("%(sign)s%(points)s points") % {
            "sign": "+" if points >= 0 else "−",
            "points": formats.number_format(round(abs(points), 1), decimal_pos=1),
        }
    if figure.unit == "seconds":
        sign = "+" if figure.difference >= 0 else "−"
        return sign + show(abs(figure.difference), "seconds")
    change = figure.change
    if change is None:
        return _("%(sign)s%(count)s (none before)") % {
            "sign": "+" if figure.difference >= 0 else "−",
            "count": show(abs(figure.difference), "count"),
        }
    sign = "+" if change >= 0 else "−"
    return f"{sign}{formats.number_format(round(abs(100 * change), 1), decimal_pos=1)} %"


@register.filter
def row_value(row: PostRow, name: str) -> str:
    return show(getattr(row, name), "rate" if name == "engagement_rate" else "count")


def _label(labels: dict[str, Any] | str, key: str) -> str:
    """A code's label in the reader's language (``labels`` "language": a language's name)."""
    if not key:
        return _("none")
    if labels == "language":
        return language_name(key, get_language())
    return str(labels.get(key, key)) if isinstance(labels, dict) else key


def _figure_rows(
    groups: Sequence[tuple[str, dict[str, Figure]]], name: str
) -> list[tuple[str, float | None, str]]:
    rows = []
    for label, figures in groups:
        figure = figures[name]
        rows.append((label or _("none"), figure.value, show(figure.value, figure.unit)))
    return rows


@register.simple_tag
def breakdown_chart(
    groups: Sequence[tuple[str, dict[str, Figure]]], name: str, title: str, chart_id: str
) -> SafeString:
    return charts.bar_chart(_figure_rows(groups, name), title=title, chart_id=chart_id)


@register.simple_tag
def counts_chart(
    counts: Sequence[tuple[str, int]], labels: dict[str, Any] | str, title: str, chart_id: str
) -> SafeString:
    rows = [(_label(labels, k), float(n), show(n, "count")) for k, n in counts]
    return charts.bar_chart(rows, title=title, chart_id=chart_id)


@register.simple_tag
def counts_bars(counts: Sequence[tuple[str, int]], labels: dict[str, Any] | str) -> SafeString:
    """The same as ``counts_chart`` as an HTML table, for mail."""
    rows = [(_label(labels, k), float(n), show(n, "count")) for k, n in counts]
    return charts.bar_table(rows)


@register.simple_tag
def figures_bars(figures: Sequence[Figure]) -> SafeString:
    """This period's and the previous period's value of each figure, as mail-safe bars."""
    rows: list[tuple[str, float | None, str]] = []
    for figure in figures:
        rows.append((str(figure.label), figure.value, show(figure.value, figure.unit)))
    return charts.bar_table(rows)


@register.simple_tag
def days_chart(days: Sequence[tuple[date, int]], title: str, chart_id: str) -> SafeString:
    columns = [(formats.date_format(day, "j M"), float(n)) for day, n in days]
    return charts.column_chart(columns, title=title, chart_id=chart_id)


@register.filter
def split_words(value: str) -> list[str]:
    return value.split()


@register.filter
def get_figure(figures: dict[str, Figure], key: str) -> Figure | None:
    return figures.get(key)


@register.filter
def get_label(labels: dict[str, Any] | str, key: str) -> str:
    return _label(labels, key)


def _post_rows(posts: Sequence[PostRow]) -> list[tuple[str, float | None, str]]:
    return [
        (
            row.title,
            None if row.engagements is None else float(row.engagements),
            show(row.engagements, "count"),
        )
        for row in posts
    ]


@register.simple_tag
def top_posts_chart(posts: Sequence[PostRow], title: str, chart_id: str) -> SafeString:
    return charts.bar_chart(_post_rows(posts), title=title, chart_id=chart_id)


@register.simple_tag
def top_posts_bars(posts: Sequence[PostRow]) -> SafeString:
    return charts.bar_table(_post_rows(posts))


@register.filter
def platform_name(code: str) -> str:
    return platform_label(code)


@register.filter
def benchmark_label(name: str) -> str:
    return str(SPECS[name.removesuffix("_seconds")].label)


def _position_unit(position: Position) -> str:
    return {"rate": "rate", "seconds": "seconds"}.get(position.unit, "count")


@register.filter
def position_own(position: Position) -> str:
    return show(position.own, _position_unit(position))


@register.filter
def position_median(position: Position) -> str:
    return show(position.peer_median, _position_unit(position))
