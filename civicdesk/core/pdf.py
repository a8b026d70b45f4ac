"""Printable documents: an HTML page rendered to PDF by WeasyPrint.

Reports are rendered from the same templates as their HTML page, with their style sheet
inline. WeasyPrint is never allowed to fetch anything: a report's text comes partly from the
public (messages, rumours), and although it is escaped, no address in it, nor in a template,
may make the server reach a file or another host.
"""

from __future__ import annotations

from typing import Any


class NoFetching(ValueError):
    """WeasyPrint asked for an external resource; reports have none."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (inline styles, no images to fetch)."""
    # Imported here on purpose: WeasyPrint loads Pango and its fonts, which only the few
    # processes that print a report should pay for (not every web process and worker).
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class Refuse(URLFetcher):
        """Refuses every address; WeasyPrint leaves the resource out and goes on."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise NoFetching(f"reports load no external resource ({url[:80]})")

    document = HTML(string=html, url_fetcher=Refuse(), base_url="about:blank")
    pdf: bytes = document.write_pdf()
    return pdf
