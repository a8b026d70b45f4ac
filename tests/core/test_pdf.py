"""Reports printed as PDF fetch nothing: no file of the server, no other host."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pytest_httpserver import HTTPServer

from civicdesk.core.pdf import html_to_pdf


def test_a_document_is_printed_without_fetching_anything(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }", encoding="utf-8")
    html = (
        '<html lang="ar" dir="rtl"><head>'
        f'<link rel="stylesheet" href="file://{secret}">'
        f'<link rel="stylesheet" href="{httpserver.url_for("/style.css")}">'
        "</head><body><p>تقرير ما بعد الحادث: فيضان</p>"
        f'<img src="{httpserver.url_for("/pixel.png")}" alt=""></body></html>'
    )
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert httpserver.log == []
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "تقرير ما بعد الحادث: فيضان" in (page.extract_text() or "")
