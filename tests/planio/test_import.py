"""Importing a plan file: every row checked, every bad row reported, all or nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing import planio
from civicdesk.publishing.models import Post, PostStatus
from tests.factories import World, make_pillar
from tests.planio.helpers import csv_bytes, local_day, next_spring_gap

pytestmark = pytest.mark.django_db

HEADER = ["brand", "title", "scheduled_at", "channels", "text_en", "text_fr", "pillar"]


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _upload(client: Client, data: bytes, name: str = "plan.csv") -> object:
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse("plan-import"), {"file": upload})


def _good_rows(world: World, count: int) -> list[list[str]]:
    return [
        [
            world.brand.name,
            f"Week {n}",
            local_day(n + 1),
            f"{world.channel.handle}; @{world.channel2.handle}",
            f"Pool opening hours, week {n}.",
            f"Horaires de la piscine, semaine {n}.",
            "",
        ]
        for n in range(count)
    ]


def test_a_good_file_is_previewed_then_imported_as_drafts(world: World) -> None:
    client = _client(world.author)
    response = _upload(client, csv_bytes([HEADER, *_good_rows(world, 3)]))
    assert response.status_code == 200
    assert "3 posts will be created." in response.content.decode()
    assert not Post.objects.exists()  # the preview writes nothing
    digest = response.context["digest"]
    response = client.post(reverse("plan-import"), {"confirm": digest})
    assert response.status_code == 302
    posts = list(Post.objects.order_by("scheduled_at"))
    assert [p.title for p in posts] == ["Week 0", "Week 1", "Week 2"]
    assert {p.status for p in posts} == {PostStatus.DRAFT}
    assert {p.author_id for p in posts} == {world.author.pk}
    first = posts[0]
    assert {c.pk for c in first.channels.all()} == {world.channel.pk, world.channel2.pk}
    texts = {v.language: v.text for v in first.variants.filter(channel__isnull=True)}
    assert texts == {
        "en": "Pool opening hours, week 0.",
        "fr": "Horaires de la piscine, semaine 0.",
    }
    local = first.scheduled_at.astimezone(world.org.tz)
    assert f"{local:%Y-%m-%d %H:%M}" == local_day(1)
    events = AuditEvent.objects.filter(organization=world.org, action="plan.import")
    assert [e.data["count"] for e in events] == [3]
    # Confirming twice does not import twice: the kept file is gone.
    client.post(reverse("plan-import"), {"confirm": digest})
    assert Post.objects.count() == 3


def test_every_bad_row_is_reported_by_line_and_column_and_nothing_is_imported(
    world: World,
) -> None:
    make_pillar(organization=world.org, slug="safety", name="Safety")
    ch = world.channel.handle
    rows = [
        HEADER,
        [world.brand.name, "Good one", local_day(3), ch, "Fine.", "Bien.", "safety"],  # line 2
        ["No such brand", "", local_day(3), ch, "Hi", "Salut", ""],  # 3
        [world.other_brand.name, "", local_day(3), world.other_channel.handle, "Hi", "Salut", ""],
        [world.brand.name, "", local_day(3), world.other_channel.handle, "Hi", "Salut", ""],  # 5
        [world.brand.name, "", "2020-01-01 09:00", ch, "Hi", "Salut", ""],  # 6: past
        [world.brand.name, "", next_spring_gap(), ch, "Hi", "Salut", ""],  # 7: DST gap
        [world.brand.name, "", "next tuesday", ch, "Hi", "Salut", ""],  # 8
        [world.brand.name, "", local_day(4), ch, "Only English.", "", ""],  # 9: blocking
        [world.brand.name, "", local_day(4), ch, "Hi", "Salut", "no-such-pillar"],  # 10
        [world.brand.name, "", local_day(4), "", "Hi", "Salut", ""],  # 11: no channel
    ]
    client = _client(world.author)
    response = _upload(client, csv_bytes(rows))
    assert response.status_code == 200
    problems = {(p.line, p.column) for p in response.context["plan"].problems}
    assert problems == {
        (3, "brand"),
        (4, "brand"),
        (5, "channels"),
        (6, "scheduled_at"),
        (7, "scheduled_at"),
        (8, "scheduled_at"),
        (9, "text"),
        (10, "pillar"),
        (11, "channels"),
    }
    page = response.content.decode()
    assert "9 problems to fix" in page
    assert "the clocks skip that hour" in page
    assert "This time has already passed." in page
    assert "Write the French text" in page  # the composer's own finding
    assert "digest" not in response.context or not response.context.get("digest")
    assert not Post.objects.exists()
    assert not AuditEvent.objects.filter(action="plan.import").exists()


def test_the_reasons_speak_the_persons_language(world: World) -> None:
    rows = [HEADER, [world.brand.name, "", local_day(2), world.channel.handle, "Hi", "", ""]]
    messages = {}
    for language in ("en", "fr"):
        upload = io.BytesIO(csv_bytes(rows))
        upload.name = "plan.csv"
        response = _client(world.author).post(
            reverse("plan-import"), {"file": upload}, headers={"accept-language": language}
        )
        (problem,) = response.context["plan"].problems
        assert (problem.line, problem.column) == (2, "text")
        messages[language] = problem.message
    assert "French" in messages["en"]
    assert "français" in messages["fr"]


def test_a_row_failing_at_creation_rolls_back_the_whole_file(world: World) -> None:
    rows = _good_rows(world, 2) + [
        [world.other_brand.name, "", local_day(5), world.other_channel.handle, "Hi", "Salut", ""]
    ]
    plan = planio.check_rows(
        actor=world.admin,
        rows=[planio.Row(n + 2, dict(zip(HEADER, r, strict=True))) for n, r in enumerate(rows)],
    )
    assert plan.ok and len(plan.drafts) == 3
    # Between the check and the confirmation, the last row's brand is archived.
    world.other_brand.archived_at = timezone.now()
    world.other_brand.save(update_fields=["archived_at"])
    with pytest.raises(planio.ImportRefused) as refused:
        planio.plan_import(actor=world.admin, plan=plan, file_name="plan.csv")
    assert [p.line for p in refused.value.problems] == [4]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "plan.csv", "This is not a CSV file"),
        ("brand,channels,scheduled_at,text_fr\nVille,é,à,ç\n".encode("latin-1"), "p.csv", "UTF-8"),
        (b"", "plan.csv", "The file is empty."),
        (b"brand,text_en\nCity Hall,Hi\n", "plan.csv", "missing: channels, scheduled_at"),
        (b"brand,channels,scheduled_at,text_en,colour\nA,b,c,d,e\n", "plan.csv", "colour"),
        (b"brand,channels,scheduled_at,text_en\n", "plan.csv", "no posts"),
        (b"PK\x03\x04 not really a workbook", "plan.xlsx", "cannot be opened"),
    ],
)
def test_wrong_files_are_refused_with_a_clear_reason(
    world: World, data: bytes, name: str, reason: str
) -> None:
    response = _upload(_client(world.author), data, name)
    assert response.status_code == 200
    assert reason in response.context["file_error"]
    assert not Post.objects.exists()


def test_a_file_over_five_megabytes_is_refused(world: World) -> None:
    data = csv_bytes([HEADER]) + b"x" * (planio.MAX_FILE_BYTES + 1)
    response = _upload(_client(world.author), data)
    assert "larger than 5 MB" in response.context["file_error"]


def test_semicolons_and_an_excel_workbook_are_read_too(world: World) -> None:
    rows = [HEADER, *_good_rows(world, 2)]
    client = _client(world.author)
    response = _upload(client, csv_bytes(rows, delimiter=";", bom=False))
    assert response.context["plan"].ok and len(response.context["plan"].drafts) == 2
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = _upload(client, out.getvalue(), "plan.xlsx")
    assert response.context["plan"].ok and len(response.context["plan"].drafts) == 2
    client.post(reverse("plan-import"), {"confirm": response.context["digest"]})
    assert Post.objects.count() == 2


def test_an_offset_time_is_taken_as_written(world: World) -> None:
    when = "2031-06-01T09:00:00-04:00"
    row = [world.brand.name, "", when, world.channel.handle, "Hi", "Salut", ""]
    plan = planio.check_rows(
        actor=world.author, rows=[planio.Row(2, dict(zip(HEADER, row, strict=True)))]
    )
    assert plan.ok
    assert plan.drafts[0][2].scheduled_at == datetime(2031, 6, 1, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("role", ["viewer", "approver", "responder", "outsider"])
def test_only_authors_and_above_may_import(world: World, role: str) -> None:
    client = _client(getattr(world, role))
    assert client.get(reverse("plan-import")).status_code == 403
    response = _upload(client, csv_bytes([HEADER, *_good_rows(world, 1)]))
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_an_author_cannot_import_into_a_brand_of_someone_else(world: World) -> None:
    row = _good_rows(world, 1)[0]
    response = _upload(_client(world.other_member), csv_bytes([HEADER, row]))
    (problem,) = response.context["plan"].problems
    assert (problem.line, problem.column) == (2, "brand")
