"""Analytics in Chromium at phone width: an analyst reads October's figures (a platform
without impressions says "not available"), the charts and their tables; a manager drafts
the monthly report, writes a few words, reads it in French and Arabic too, and prints it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.analytics.dataset import build_dataset
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _fits(page) -> bool:  # noqa: ANN001
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def _shot(page, name: str) -> None:  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _sign_in(page, base: str, username: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_figures_and_the_monthly_report_on_a_phone(live_server, browser) -> None:  # noqa: ANN001
    data = build_dataset()
    data.world.org.official_languages = ["en", "fr", "ar"]
    data.world.org.save(update_fields=["official_languages"])
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, base, data.analyst.get_username())
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Analytics").click()
        page.wait_for_url(f"{base}/analytics/")
        page.fill("#id_start", "2026-10-01")
        page.fill("#id_end", "2026-10-31")
        page.select_option("#id_by", "platform")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**start=2026-10-01**")
        impressions = page.locator('[data-figure="impressions"]')
        assert "1,400" in impressions.inner_text()
        assert "Not available from: Mastodon." in impressions.inner_text()
        assert "not available" in page.locator('[data-figure="video_views"]').inner_text()
        chart = page.get_by_role("img", name="Engagements")
        assert chart.count() == 1
        table = page.locator("#by-head ~ details table")
        assert "Mastodon" in (table.text_content() or "")
        assert _fits(page)
        _shot(page, "analytics-dashboard-phone")
        # An analyst reads the reports but does not send them.
        page.get_by_role("link", name="Monthly reports").click()
        assert page.get_by_role("button", name="Draft").count() == 0
        context.clear_cookies()

        _sign_in(page, base, data.world.manager.get_username())
        page.goto(f"{base}/analytics/reports/")
        page.fill("#month", "2026-10")
        page.get_by_role("button", name="Draft").click()
        page.wait_for_url("**/analytics/reports/*/")
        page.fill("#id_text_en", "A calm month; the bridge reopened.")
        page.fill("#id_text_fr", "Un mois calme ; le pont a rouvert.")
        page.fill("#id_recipients", "director@city.example")
        page.get_by_role("button", name="Save").click()
        assert page.get_by_text("The report's words are saved.").count() == 1
        french = page.locator('section.monthly[lang="fr"]')
        assert "en chiffres" in french.inner_text()
        assert "Un mois calme" in french.inner_text()
        arabic = page.locator('section.monthly[lang="ar"]')
        assert arabic.get_attribute("dir") == "rtl"
        assert "بالأرقام" in arabic.inner_text()
        assert page.locator("section.monthly svg").count() >= 3
        assert _fits(page)
        _shot(page, "analytics-report-phone")

        pdf_url = page.get_by_role("link", name="PDF").get_attribute("href")
        answer = page.request.get(f"{base}{pdf_url}")
        assert answer.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)
        assert "A calm month" in text and "Bridge reopens" in text
    finally:
        context.close()
