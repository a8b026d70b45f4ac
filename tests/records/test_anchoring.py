"""Signed checkpoints catch what a chain cannot catch by itself: its end cut off, or the whole
chain rewritten with fresh hashes from the start."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from civicdesk.organizations.audit import GENESIS, _digest, audit, verify_chain
from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing import services as publishing
from civicdesk.records import anchoring
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, Chain, Checkpoint
from tests.factories import World


def some_events(world: World, count: int) -> None:
    for n in range(count):
        audit(organization=world.org, actor=world.admin, action="test.event", data={"n": n})


@pytest.mark.django_db
def test_a_cut_audit_log_is_caught_by_its_checkpoint(world: World) -> None:
    some_events(world, 5)
    assert anchoring.checkpoint_all() >= 1
    assert anchoring.checkpoint_all() == 0  # nothing moved, nothing signed
    report = verify_chain(world.org)
    assert report.ok
    # Someone with the database cuts the last two events off: the chain itself still checks.
    last = AuditEvent.objects.filter(organization=world.org).order_by("-sequence")
    head = last.first()
    assert head is not None
    AuditEvent.objects.filter(organization=world.org, sequence__gt=head.sequence - 2).delete()
    report = verify_chain(world.org)
    assert report.first_broken == head.sequence - 1
    assert "cut short" in report.reason
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=StringIO())


@pytest.mark.django_db
def test_an_audit_log_rewritten_from_the_start_is_caught(world: World) -> None:
    some_events(world, 4)
    anchoring.checkpoint_all()
    some_events(world, 2)
    anchoring.checkpoint_all()
    # Rewrite event 1 and hash every event again, so the chain is consistent once more.
    prev = GENESIS
    for event in AuditEvent.objects.filter(organization=world.org).order_by("sequence"):
        if event.sequence == 1:
            event.data = {"n": "rewritten"}
        event.prev_hash = prev
        event.hash = _digest(event)
        event.save()
        prev = event.hash
    report = verify_chain(world.org)
    assert report.first_broken == 1
    assert "rewritten" in report.reason
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert "broken at event #1" in out.getvalue()


@pytest.mark.django_db
def test_a_forged_checkpoint_is_refused_and_the_data_folder_copy_still_counts(
    world: World, settings: object
) -> None:
    some_events(world, 3)
    anchoring.checkpoint_all()
    copy = Path(anchoring.checkpoint_log())
    lines = [json.loads(line) for line in copy.read_text().splitlines()]
    assert {line["chain"] for line in lines} == {"audit"}
    # Deleting the checkpoints from the database does not hide a cut: the copy remains.
    Checkpoint.objects.all().delete()
    AuditEvent.objects.filter(organization=world.org, sequence=3).delete()
    assert not verify_chain(world.org).ok
    # A checkpoint someone writes without the key does not verify.
    copy.unlink()
    Checkpoint.objects.create(
        organization=world.org,
        chain=Chain.AUDIT,
        sequence=2,
        head_hash=hashlib.sha256(b"x").hexdigest(),
        created_at=timezone.now(),
        key_id="forged",
        signature="00" * 64,
    )
    report = verify_chain(world.org)
    assert not report.ok


@pytest.mark.django_db
def test_the_archive_chain_is_checkpointed_and_checked_too(world: World) -> None:
    draft = publishing.Draft(title="A", texts={"en": "One.", "fr": "Un."}, channels=[world.channel])
    post = publishing.post_create(brand=world.brand, actor=world.author, draft=draft)
    publishing.post_submit(post=post, actor=world.author)
    anchoring.checkpoint_all()
    anchors = anchoring.anchors(world.org.pk, Chain.ARCHIVE)
    assert anchors and all(a.signature_ok for a in anchors)
    assert verify_archive(world.org.pk, anchors).ok
    ArchiveEntry.objects.filter(organization=world.org, sequence=2).delete()
    report = verify_archive(world.org.pk, anchors)
    assert report.first_broken == 2
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("records", "verify", stdout=out)
    assert "archive" in out.getvalue()


@pytest.mark.django_db
def test_exported_checkpoints_still_catch_a_cut_when_the_others_are_gone(
    world: World, tmp_path: Path
) -> None:
    some_events(world, 4)
    kept = tmp_path / "kept.jsonl"
    call_command("records", "checkpoints", "--out", str(kept), stdout=StringIO())
    assert '"chain": "audit"' in kept.read_text()
    # Whoever cuts the log also removes the checkpoints they can reach.
    Checkpoint.objects.all().delete()
    anchoring.checkpoint_log().unlink()
    last = AuditEvent.objects.filter(organization=world.org).order_by("-sequence").first()
    assert last is not None
    last.delete()
    call_command("verify_audit", stdout=StringIO())  # nothing left here to compare with
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("records", "verify", "--checkpoints", str(kept), stdout=out)
    assert f"audit log: broken at entry #{last.sequence}" in out.getvalue()
