"""Exporting the plan: documented columns, the plan's filters, defused formulas, round trip."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from civicdesk.publishing.models import Post
from tests.factories import World, make_campaign, make_pillar, make_post

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _rows(response: object) -> list[dict[str, str]]:
    body = response.content  # type: ignore[attr-defined]
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _posts(world: World) -> tuple[Post, Post]:
    when = timezone.now().replace(microsecond=0) + timedelta(days=3)
    mine = make_post(
        brand=world.brand,
        author=world.author,
        title="Pool",
        texts={"en": '=HYPERLINK("http://evil")', "fr": "La piscine rouvre, été compris."},
        channels=[world.channel],
        scheduled_at=when,
        pillar=make_pillar(organization=world.org, slug="safety", name="Safety"),
        campaign=make_campaign(organization=world.org, name="Summer"),
    )
    theirs = make_post(
        brand=world.other_brand,
        author=world.other_member,
        title="Bus",
        scheduled_at=when + timedelta(hours=1),
    )
    return mine, theirs


def test_the_export_has_the_documented_columns(world: World) -> None:
    mine, theirs = _posts(world)
    response = _client(world.admin).get(reverse("plan-export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert list(rows[0]) == [
        "post_id", "brand", "title", "scheduled_at", "local_time", "time_zone", "status",
        "channels", "text_en", "text_fr", "pillar", "campaign", "author",
    ]  # fmt: skip
    assert [r["post_id"] for r in rows] == [str(mine.pk), str(theirs.pk)]
    row = rows[0]
    local = mine.scheduled_at.astimezone(world.org.tz)
    assert row["scheduled_at"] == local.isoformat(timespec="seconds")
    assert row["local_time"] == f"{local:%Y-%m-%d %H:%M}"
    assert row["time_zone"] == "Europe/Paris"
    assert (row["brand"], row["status"], row["channels"]) == (
        "City Hall",
        "draft",
        world.channel.handle,
    )
    assert row["text_fr"] == "La piscine rouvre, été compris."
    # A cell a spreadsheet would run as a formula is written as text.
    assert row["text_en"] == '\'=HYPERLINK("http://evil")'
    assert (row["pillar"], row["campaign"], row["author"]) == (
        "safety",
        "Summer",
        world.author.username,
    )


def test_the_export_follows_the_plans_filters_and_the_persons_brands(world: World) -> None:
    mine, _theirs = _posts(world)
    admin = _client(world.admin)
    rows = _rows(admin.get(reverse("plan-export"), {"brand": world.brand.pk}))
    assert [r["post_id"] for r in rows] == [str(mine.pk)]
    rows = _rows(_client(world.viewer).get(reverse("plan-export")))
    assert [r["post_id"] for r in rows] == [str(mine.pk)]
    assert _rows(_client(world.outsider).get(reverse("plan-export"))) == []


def test_the_excel_export_holds_the_same_rows(world: World) -> None:
    mine, theirs = _posts(world)
    response = _client(world.admin).get(reverse("plan-export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("post_id", "brand", "title")
    assert [v[0] for v in values[1:]] == [str(mine.pk), str(theirs.pk)]


def test_an_exported_file_imports_again_as_the_same_posts(world: World) -> None:
    mine, _theirs = _posts(world)
    client = _client(world.author)
    exported = client.get(reverse("plan-export")).content
    upload = io.BytesIO(exported)
    upload.name = "plan.csv"
    response = client.post(reverse("plan-import"), {"file": upload})
    assert response.context["plan"].ok, response.context["plan"].problems
    client.post(reverse("plan-import"), {"confirm": response.context["digest"]})
    copy = Post.objects.exclude(pk=mine.pk).get(brand=world.brand)
    assert copy.title == mine.title
    assert copy.scheduled_at == mine.scheduled_at
    assert (copy.pillar, copy.campaign) == (mine.pillar, mine.campaign)
    assert list(copy.channels.all()) == list(mine.channels.all())

    def texts(post: Post) -> dict[str, str]:
        return {v.language: v.text for v in post.variants.filter(channel__isnull=True)}

    assert texts(copy) == texts(mine)
