"""The analytics screens: who sees them, what they show, and the exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from civicdesk.organizations.models import AuditEvent
from tests.analytics.dataset import Dataset, add_published
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_only_people_with_analytics_see_it(dataset: Dataset) -> None:
    w = dataset.world
    for user in (dataset.analyst, w.manager, w.admin):
        assert _client(user).get(reverse("analytics")).status_code == 200
    for user in (w.author, w.responder, w.viewer, w.outsider):
        assert _client(user).get(reverse("analytics")).status_code == 403
    # The menu offers it to the analyst, not to the author.
    assert 'href="/analytics/"' in _client(dataset.analyst).get("/").content.decode()
    assert 'href="/analytics/"' not in _client(w.author).get("/").content.decode()


def test_dashboard_shows_figures_definitions_and_not_available(dataset: Dataset) -> None:
    page = _client(dataset.analyst).get(reverse("analytics"), {**OCTOBER, "by": "platform"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "1,400" in html  # impressions
    assert "not available" in html  # video views
    assert "Not available from: Mastodon." in html
    assert "Engagements divided by impressions" in html  # a definition
    assert "<svg" in html and 'role="img"' in html  # the chart, with its table
    assert "Data table" in html
    assert "Bridge reopens" in html  # a top post
    assert "75.0 %" in html  # response rate


@pytest.mark.parametrize(("language", "expected"), [("fr", "non disponible"), ("ar", "غير متاح")])
def test_dashboard_in_french_and_arabic_has_no_english_left(
    dataset: Dataset, language: str, expected: str
) -> None:
    client = _client(dataset.analyst)
    client.post(reverse("account-language"), {"language": language})
    html = client.get(
        reverse("analytics"), OCTOBER, headers={"accept-language": language}
    ).content.decode()
    assert expected in html
    for english in (
        "not available",
        "Not available from",
        "Reported by",
        "Engagements divided",
        "Data table",
        "Break down by",
        "Top posts",
        "Messages received by day",
        "against the previous period",
        "Export CSV",
    ):
        assert english not in html, english


def test_bad_dates_are_refused_with_a_message(dataset: Dataset) -> None:
    page = _client(dataset.analyst).get(
        reverse("analytics"), {"start": "2026-10-31", "end": "2026-10-01"}
    )
    assert page.status_code == 200
    assert "The period must end on or after the day it starts." in page.content.decode()


def test_hostile_titles_are_escaped(dataset: Dataset) -> None:
    post = dataset.posts["p1"].post
    post.title = '<script>alert("x")</script>'
    post.save(update_fields=["title"])
    html = _client(dataset.analyst).get(reverse("analytics"), OCTOBER).content.decode()
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;" in html


def test_posts_export_in_csv_and_excel(dataset: Dataset) -> None:
    client = _client(dataset.analyst)
    url = reverse("analytics-export", args=["posts", "csv"])
    text = client.get(url, OCTOBER).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["title"] for r in rows) == ["Bridge reopens", "Ferry timetable", "Road works"]
    ferry = next(r for r in rows if r["title"] == "Ferry timetable")
    assert ferry["impressions"] == ""  # not reported, not 0
    assert ferry["engagements"] == "30"
    book = load_workbook(
        io.BytesIO(client.get(reverse("analytics-export", args=["posts", "xlsx"]), OCTOBER).content)
    )
    sheet = book["posts"]
    header = [c.value for c in sheet[1]]
    values = {
        row[header.index("title")]: row for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert values["Bridge reopens"][header.index("impressions")] == 1000
    assert (
        AuditEvent.objects.filter(organization=dataset.world.org, action="analytics.export").count()
        == 2
    )


def test_messages_export_leaves_personal_data_to_those_who_answer(dataset: Dataset) -> None:
    url = reverse("analytics-export", args=["messages", "csv"])

    def rows(user) -> list[dict[str, str]]:  # noqa: ANN001
        text = _client(user).get(url, OCTOBER).content.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    analyst_rows = rows(dataset.analyst)
    assert len(analyst_rows) == 5
    assert {r["text"] for r in analyst_rows} == {""}
    assert {r["author"] for r in analyst_rows} == {""}
    manager_rows = rows(dataset.world.manager)  # managers answer the public
    assert "A question in en" in {r["text"] for r in manager_rows}


def test_response_times_export(dataset: Dataset) -> None:
    url = reverse("analytics-export", args=["response_times", "xlsx"])
    book = load_workbook(io.BytesIO(_client(dataset.analyst).get(url, OCTOBER).content))
    sheet = book["response_times"]
    header = [c.value for c in sheet[1]]
    seconds = sorted(
        r[header.index("first_response_seconds")] or 0
        for r in sheet.iter_rows(min_row=2, values_only=True)
    )
    assert seconds == [0, 600, 1800, 3600]


def test_the_dashboard_costs_the_same_queries_however_many_posts(dataset: Dataset) -> None:
    client = _client(dataset.analyst)
    client.get(reverse("analytics"), OCTOBER)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("analytics"), OCTOBER)
    for day in range(1, 11):
        add_published(dataset, day)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("analytics"), OCTOBER)
    posts = re.search(r'data-figure="posts".*?figure-value">([^<]+)<', page.content.decode(), re.S)
    assert posts and posts.group(1) == "13"  # 3 + 10
    assert len(many.captured_queries) == len(few.captured_queries)
