"""The peer benchmark: a file one organization exports holds no names and no text, imports
into another installation, and places the importer among its peers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from civicdesk.analytics import benchmark
from civicdesk.analytics.models import InstitutionKind, PeerBenchmark
from civicdesk.analytics.services import benchmark_import
from civicdesk.organizations.models import AuditEvent, Platform
from tests.analytics.dataset import Dataset
from tests.factories import PASSWORD, make_world

pytestmark = pytest.mark.django_db


def test_the_file_holds_figures_and_no_names(dataset: Dataset) -> None:
    doc = benchmark.document(dataset.world.org, months=2, today=date(2026, 11, 15))
    text = json.dumps(doc)
    for name in (dataset.world.org.name, dataset.world.brand.name, "city_x", "Bridge reopens"):
        assert name not in text
    assert "A question in en" not in text
    assert set(doc) == benchmark.TOP_KEYS
    october = {r["platform"]: r for r in doc["rows"] if r["month"] == "2026-10"}
    assert set(october) == {"all", "x", "mastodon", "exnet"}
    assert october["all"]["impressions"] == 1400
    assert october["all"]["engagement_rate"] == round(54 / 1400, 4)
    assert october["mastodon"]["impressions"] is None  # not reported, not 0
    assert october["all"]["response_rate"] == 0.75
    assert october["all"]["first_response_median_seconds"] == 1800
    assert october["x"]["followers"] == 1100
    # It is valid against its own schema.
    assert benchmark.parse(benchmark.dumps(doc)).rows == doc["rows"]


def test_exported_by_one_organization_imported_by_another(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "benchmark.json"
    call_command(
        "benchmark", "export", "--organization", dataset.world.org.slug, "--months", "3",
        "--kind", "city", "--out", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    doc = json.loads(out.read_text())
    assert doc["institution_kind"] == "city"
    peer_world = make_world(prefix="peer")
    call_command(
        "benchmark", "import", "--organization", peer_world.org.slug, str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    peer = PeerBenchmark.objects.get(organization=peer_world.org)
    assert str(peer.peer_id) == doc["organization_id"]
    assert peer.institution_kind == "city"
    assert AuditEvent.objects.filter(
        organization=peer_world.org, action="analytics.benchmark_imported"
    ).exists()
    # Importing a newer file of the same peer replaces it.
    call_command(
        "benchmark", "import", "--organization", peer_world.org.slug, str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    assert PeerBenchmark.objects.filter(organization=peer_world.org).count() == 1
    # Its own file is refused.
    with pytest.raises(CommandError, match="your own"):
        call_command(
            "benchmark", "import", "--organization", dataset.world.org.slug, str(out),
            stdout=io.StringIO(),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(name="Ville de Lyon"), "unexpected fields"),
        (lambda d: d["rows"][0].update(text="hello"), "expected fields"),
        (lambda d: d["rows"][0].update(response_rate=3), "between 0 and 1"),
        (lambda d: d["rows"][0].update(messages="12"), "not a number"),
        (lambda d: d.update(organization_id="nope"), "UUID"),
        (lambda d: d.update(schema="other/1"), "schema"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(dataset: Dataset, change, reason: str) -> None:  # noqa: ANN001
    doc = benchmark.document(dataset.world.org, months=1, today=date(2026, 11, 15))
    change(doc)
    other = make_world(prefix="other")
    with pytest.raises(ValidationError, match=reason):
        benchmark_import(organization=other.org, actor=None, data=json.dumps(doc).encode())
    with pytest.raises(ValidationError, match="not JSON"):
        benchmark_import(organization=other.org, actor=None, data=b"\xff<html>")


def test_the_screen_places_the_organization_among_its_peers(dataset: Dataset) -> None:
    org = dataset.world.org
    own = benchmark.document(org, months=1)
    month = own["rows"][0]["month"]
    fields = dict.fromkeys(benchmark.FIELDS)
    for index, engagements in enumerate((10, 20, 10_000)):
        PeerBenchmark.objects.create(
            organization=org,
            peer_id=f"00000000-0000-0000-0000-00000000000{index}",
            institution_kind="city",
            generated_at="2026-11-01T00:00:00Z",
            imported_at="2026-11-01T00:00:00Z",
            rows=[{**fields, "month": month, "platform": "all", "engagements": engagements}],
        )
    own_engagements = next(r for r in own["rows"] if r["platform"] == "all")["engagements"]
    positions = {p.name: p for p in benchmark.positions(org, own["rows"], month)}
    assert positions["engagements"].peers == 3
    assert positions["engagements"].peer_median == 20
    expected = 100 * sum(1 for v in (10, 20, 10_000) if v < (own_engagements or 0)) / 3
    if own_engagements is not None:
        assert positions["engagements"].percentile == pytest.approx(expected)
    assert positions["impressions"].peers == 0

    client = Client()
    client.login(username=dataset.analyst.username, password=PASSWORD)
    page = client.get(reverse("analytics-benchmark"))
    assert page.status_code == 200
    assert 'data-figure="engagements"' in page.content.decode()
    # Brand-level analysts do not see the whole organization's benchmark.
    client.login(username=dataset.world.author.username, password=PASSWORD)
    assert client.get(reverse("analytics-benchmark")).status_code == 403


ANOTHER_INSTALL = """
import sys
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from civicdesk.analytics.models import InstitutionKind, PeerBenchmark
call_command("migrate", verbosity=0)
User.objects.create_user("peeradmin")
call_command("createorganization", name="Ville de Nantes", time_zone="Europe/Paris",
             languages="fr,en", admin="peeradmin")
slug = __import__("civicdesk.organizations.models", fromlist=["x"]).Organization.objects.get().slug
call_command("benchmark", "import", "--organization", slug, sys.argv[1])
peer = PeerBenchmark.objects.get()
print("imported", peer.peer_id, len(peer.rows))
"""


@pytest.mark.slow
def test_a_file_imports_into_a_fresh_installation(dataset: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "benchmark.json"
    call_command(
        "benchmark", "export", "--organization", dataset.world.org.slug, "--months", "2",
        "--out", str(out), stdout=io.StringIO(),
    )  # fmt: skip
    doc = json.loads(out.read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    env.update(
        CIVICDESK_DATA_DIR=str(tmp_path / "other"), DJANGO_SETTINGS_MODULE="civicdesk.settings"
    )
    done = subprocess.run(
        [sys.executable, "-c", ANOTHER_INSTALL, str(out)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"imported {doc['organization_id']} {len(doc['rows'])}" in done.stdout


def test_the_published_schema_says_what_the_import_accepts() -> None:
    schema = json.loads((Path(benchmark.__file__).parent / "benchmark.schema.json").read_text())
    assert set(schema["required"]) == benchmark.TOP_KEYS
    assert schema["properties"]["schema"]["const"] == benchmark.SCHEMA
    row = schema["properties"]["rows"]["items"]
    assert set(row["required"]) == benchmark.ROW_KEYS
    assert schema["properties"]["rows"]["maxItems"] == benchmark.MAX_ROWS
    assert set(schema["properties"]["institution_kind"]["enum"]) == set(InstitutionKind.values)
    assert set(row["properties"]["platform"]["enum"]) == {*Platform.values, "all"}
