"""An access-to-information export verifies as written and fails once any byte changes."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from civicdesk.core import archive
from civicdesk.organizations.models import AuditEvent
from civicdesk.records.export import verify_export, verify_warc
from tests.factories import World, make_message, make_post


def some_records(world: World) -> None:
    make_post(
        brand=world.brand,
        author=world.author,
        title="Bridge <script>alert(1)</script>",
        texts={"en": "The bridge reopens on Monday.", "fr": "Le pont rouvre lundi."},
    )
    for handle, text in (
        ("alice", "Bridge question: call me on 06 12 34 56 78 or alice@example.org"),
        ("bob", "Unrelated praise \u202e<img src=x onerror=alert(1)>"),
    ):
        message = make_message(
            channel=world.channel,
            text=text,
            author_handle=handle,
            sent_at=timezone.now() - timedelta(hours=1),
        )
        archive.note("messages", message.pk)


def export(world: World, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "request.zip"
    today = timezone.localdate()
    call_command(
        "records",
        "export",
        "--organization",
        world.org.slug,
        "--from",
        (today - timedelta(days=1)).isoformat(),
        "--to",
        (today + timedelta(days=1)).isoformat(),
        *extra,
        "--out",
        str(out),
        stdout=StringIO(),
    )
    return out


@pytest.mark.django_db
def test_an_export_verifies_and_any_changed_byte_fails(world: World, tmp_path: Path) -> None:
    some_records(world)
    out = export(world, tmp_path, "--query", "bridge")
    stdout = StringIO()
    call_command("records", "verify", str(out), stdout=stdout)
    assert "verified" in stdout.getvalue()
    logged = AuditEvent.objects.get(organization=world.org, action="records.export")
    assert logged.data["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    data = out.read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    assert {"index.html", "manifest.json", "manifest.sig", "export.warc.gz"} <= names
    threads = sorted(n for n in names if n.startswith("threads/"))
    # The post and alice's conversation match "bridge"; bob's does not.
    assert len(threads) == 4, threads
    page = next(zf.read(n).decode() for n in threads if n.startswith("threads/post-"))
    assert "<script>" not in page and "&lt;script&gt;" in page
    manifest = json.loads(zf.read("manifest.json"))
    assert set(manifest["files"]) == names - {"manifest.json", "manifest.sig"}
    assert verify_warc(zf.read("export.warc.gz")).ok

    # Change one byte anywhere (a sample across the whole file, and all of its end).
    positions = list(range(0, len(data), max(1, len(data) // 400))) + list(
        range(len(data) - 300, len(data))
    )
    for position in positions:
        changed = bytearray(data)
        changed[position] ^= 0x01
        assert not verify_export(bytes(changed)).ok, position
    damaged = tmp_path / "damaged.zip"
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(changed))
    with pytest.raises(CommandError):
        call_command("records", "verify", str(damaged), stdout=StringIO())


@pytest.mark.django_db
def test_third_parties_are_redacted_and_each_redaction_listed(world: World, tmp_path: Path) -> None:
    some_records(world)
    out = export(world, tmp_path, "--redact", "--query", "bridge")
    zf = zipfile.ZipFile(out)
    conversation = next(
        json.loads(zf.read(n))
        for n in zf.namelist()
        if n.startswith("threads/conversation-") and n.endswith(".json")
    )
    entry = conversation["entries"][0]
    assert entry["author"] == "Person 1"
    assert "alice" not in json.dumps(conversation)
    assert "06 12 34 56 78" not in entry["text"] and "[phone]" in entry["text"]
    assert "[email]" in entry["text"]
    redactions = json.loads(zf.read("redactions.json"))
    kinds = {r["kind"] for r in redactions}
    assert {"name", "phone", "email"} <= kinds
    # Staff are not third parties: the post keeps its author.
    post = next(
        json.loads(zf.read(n))
        for n in zf.namelist()
        if n.startswith("threads/post-") and n.endswith(".json")
    )
    assert post["entries"][0]["author"] == world.author.username
    assert verify_export(out.read_bytes()).ok


@pytest.mark.django_db
def test_an_export_signed_by_another_installation_is_refused(
    world: World, tmp_path: Path, settings: Any
) -> None:
    some_records(world)
    out = export(world, tmp_path)
    settings.RECORDS_SIGNING_KEY = "another installation"
    verdict = verify_export(out.read_bytes())
    assert not verdict.ok
    # With the exporting installation's public key, a third party can check it.
    pem = zipfile.ZipFile(out).read("public-key.pem")
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(pem)
    stdout = StringIO()
    call_command("records", "verify", str(out), "--public-key", str(key_file), stdout=stdout)
    assert "verified" in stdout.getvalue()


def test_a_bad_date_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command(
            "records",
            "export",
            "--organization",
            "x",
            "--from",
            "yesterday",
            "--to",
            date.today().isoformat(),
            "--out",
            str(tmp_path / "x.zip"),
        )
