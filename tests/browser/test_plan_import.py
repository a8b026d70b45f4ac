"""A month of posts imported from CSV in Chromium, a bad file refused with every reason, and
the person's calendar feed fetched over HTTP and read by a calendar library."""

from __future__ import annotations

import httpx
import pytest
from icalendar import Calendar

from civicdesk.publishing.models import Post, PostStatus
from tests.factories import PASSWORD, make_world
from tests.planio.helpers import csv_bytes, local_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
HEADER = ["brand", "title", "scheduled_at", "channels", "text_en", "text_fr"]


def _fits(page) -> bool:  # noqa: ANN001
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def test_a_month_is_imported_and_seen_through_the_calendar_feed(
    live_server,  # noqa: ANN001
    browser,  # noqa: ANN001
) -> None:
    world = make_world(prefix="io")
    base = live_server.url
    handles = f"{world.channel.handle}; {world.channel2.handle}"
    month = [
        [world.brand.name, f"Day {n}", local_day(n), handles, f"Notice {n}.", f"Avis {n}."]
        for n in range(1, 31)
    ]
    bad = [
        HEADER,
        month[0],
        [world.brand.name, "Past", "2020-05-01 09:00", handles, "Old.", "Vieux."],
        [world.brand.name, "English only", local_day(3), handles, "Only English.", ""],
        ["Nowhere", "Unknown brand", local_day(3), handles, "Hi.", "Salut."],
    ]

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/login/")
        page.fill("#id_login", world.author.get_username())
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/posts/")
        page.get_by_role("link", name="Import").click()
        page.wait_for_url(f"{base}/posts/import/")
        assert _fits(page)

        # A file with bad rows: refused, every reason listed, nothing created.
        page.set_input_files(
            "#plan-file",
            files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": csv_bytes(bad)}],
        )
        page.get_by_role("button", name="Check the file").click()
        problems = page.locator("#import-problems tr.import-problem")
        problems.first.wait_for()
        assert problems.count() == 3
        text = page.locator("#import-problems").inner_text()
        assert "This time has already passed." in text
        assert "Write the French text" in text
        assert "Nowhere" in text
        assert _fits(page)
        assert not Post.objects.exists()

        # A month of posts: previewed, then created as drafts.
        page.set_input_files(
            "#plan-file",
            files=[
                {"name": "month.csv", "mimeType": "text/csv", "buffer": csv_bytes([HEADER, *month])}
            ],
        )
        page.get_by_role("button", name="Check the file").click()
        page.locator("#import-preview").wait_for()
        assert "30 posts will be created." in page.locator("#import-preview").inner_text()
        assert _fits(page)
        page.get_by_role("button", name="Create 30 drafts").click()
        page.wait_for_url(f"{base}/posts/")
        assert "30 draft posts were created" in page.content()
        assert Post.objects.filter(brand=world.brand, status=PostStatus.DRAFT).count() == 30

        # The calendar address, made on the account screen and shown once.
        page.goto(f"{base}/accounts/calendar/")
        page.get_by_role("button", name="Make my calendar address").click()
        feed_url = page.locator("#feed-url").input_value()
        assert _fits(page)
    finally:
        context.close()

    # A calendar application fetches it without signing in.
    response = httpx.get(feed_url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == sorted(
        f"{world.brand.name}: Day {n}" for n in range(1, 31)
    )
    assert all(e["dtstart"].to_ical().endswith(b"Z") for e in events)
