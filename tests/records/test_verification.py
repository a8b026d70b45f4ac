"""Stored full checks of the chains, and the pages that check only what was added since:
tampering before the last full check is found by the next one (and by the command line),
tampering after it at the next page view, a cut or rewritten chain through the stored head and
the checkpoints; the full check asked for from a page is queued, audited and reported."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civicdesk.core.anchors import Head
from civicdesk.organizations.audit import GENESIS, _digest, audit, verify_chain
from civicdesk.organizations.models import AuditEvent, Role
from civicdesk.publishing import services as publishing
from civicdesk.records import anchoring
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, Chain, ChainCheck, Checkpoint
from civicdesk.records.verification import chain_status, run_full_check, verify_all
from civicdesk.runtime.worker import DeskWorker
from tests.factories import World, make_member


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def some_posts(world: World, count: int) -> None:
    for n in range(count):
        draft = publishing.Draft(
            title=f"P{n}", texts={"en": f"Words {n}."}, channels=[world.channel]
        )
        publishing.post_create(brand=world.brand, actor=world.author, draft=draft)


def some_events(world: World, count: int) -> None:
    for n in range(count):
        audit(organization=world.org, actor=world.admin, action="test.event", data={"n": n})


def run_queued_checks() -> list[str]:
    """Run the queued full checks, oldest first, as the worker's task loop does (here, in
    the test's transaction)."""
    results = []
    for queued in DBTaskResult.objects.filter(task_path__endswith="check_chain").order_by(
        "enqueued_at"
    ):
        results.append(queued.task.call(*queued.args_kwargs["args"]))
        queued.delete()
    return results


def archive_page(world: World) -> str:
    response = signed_in(world.admin).get(reverse("records-archive", args=[world.org.pk]))
    assert response.status_code == 200
    return response.content.decode()


def entries(world: World) -> int:
    return ArchiveEntry.objects.filter(organization=world.org).count()


@pytest.mark.django_db
def test_a_full_check_is_stored_and_the_page_checks_only_what_follows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    some_posts(world, 4)
    check = run_full_check(world.org.pk, Chain.ARCHIVE)
    assert check is not None and check.whole and check.checked_at is not None
    head = ArchiveEntry.objects.filter(organization=world.org).order_by("-sequence").first()
    assert head is not None
    assert (check.entries, check.sequence, check.head_hash) == (4, head.sequence, head.hash)
    assert check.first_broken is None and check.started_at is None
    some_posts(world, 3)
    status = chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    assert status.ok and status.checked_now == 3 and status.entries_total == 7
    # The incremental check reads the stored check, the checkpoints, the stored head and
    # the entries after it: the same few queries however long the chain.
    with django_assert_max_num_queries(6):
        chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    body = archive_page(world)
    assert "Checked in full on" in body and "4 entries." in body
    assert "The 3 entries added since then were checked now." in body
    assert "chain of 7 entries verifies" in body


@pytest.mark.django_db
def test_an_entry_changed_before_the_full_check_is_found_by_the_next_one(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    some_posts(world, 5)
    assert run_full_check(world.org.pk, Chain.ARCHIVE) is not None
    second = ArchiveEntry.objects.get(organization=world.org, sequence=2)
    ArchiveEntry.objects.filter(pk=second.pk).update(text="Other words.")
    # Its hash was left as it was: only reading the whole chain again shows the change.
    assert chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE).ok
    with pytest.raises(CommandError):
        call_command("records", "verify", stdout=StringIO())
    # The nightly job queues a full check of each chain; the worker's task loop runs them.
    with django_capture_on_commit_callbacks(execute=True):
        assert verify_all() == 2
        assert verify_all() == 0  # already waiting
    assert run_queued_checks() == ["ok", "broken at 2"]
    check = ChainCheck.objects.get(organization=world.org, chain=Chain.ARCHIVE)
    assert not check.whole
    assert (check.first_broken, check.reason) == (2, "its content was changed")
    assert check.sequence == 1 and check.entries == 2
    body = archive_page(world)
    assert "broken at entry #2</strong>: its content was changed" in body
    assert "added since then" not in body


@pytest.mark.django_db
def test_an_entry_changed_after_the_full_check_is_found_at_the_next_view(world: World) -> None:
    some_posts(world, 3)
    run_full_check(world.org.pk, Chain.ARCHIVE)
    some_posts(world, 2)
    ArchiveEntry.objects.filter(organization=world.org, sequence=5).update(text="Forged.")
    status = chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    assert (status.first_broken, status.reason) == (5, "its content was changed")
    assert "broken at entry #5</strong>: its content was changed" in archive_page(world)


@pytest.mark.django_db
def test_a_cut_chain_is_caught_through_the_stored_head_and_the_checkpoints(
    world: World,
) -> None:
    some_posts(world, 4)
    run_full_check(world.org.pk, Chain.ARCHIVE)
    some_posts(world, 3)
    anchoring.checkpoint_all()
    # The entries after the full check are cut off: the checkpoint of entry 7 misses them.
    ArchiveEntry.objects.filter(organization=world.org, sequence__gt=5).delete()
    status = chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    assert status.first_broken == 6 and "cut short" in status.reason
    # Cut below the stored head: the entry the full check ended on is gone.
    ArchiveEntry.objects.filter(organization=world.org, sequence__gt=2).delete()
    status = chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    assert status.first_broken == 4 and "missing" in status.reason
    assert "broken at entry #4" in archive_page(world)


@pytest.mark.django_db
def test_an_audit_log_rewritten_since_its_full_check_is_caught(world: World) -> None:
    some_events(world, 4)
    anchoring.checkpoint_all()
    assert run_full_check(world.org.pk, Chain.AUDIT) is not None
    # Rewrite event 1 and hash every event again: the chain checks by itself once more.
    prev = GENESIS
    for event in AuditEvent.objects.filter(organization=world.org).order_by("sequence"):
        if event.sequence == 1:
            event.data = {"n": "rewritten"}
        event.prev_hash = prev
        event.hash = _digest(event)
        event.save()
        prev = event.hash
    assert verify_chain(world.org, []).ok
    status = chain_status(organization_id=world.org.pk, chain=Chain.AUDIT)
    assert status.first_broken is not None and "since its last full check" in status.reason
    body = signed_in(world.admin).get(f"/audit/?org={world.org.pk}").content.decode()
    assert "The chain is broken at event #" in body


@pytest.mark.django_db
def test_resuming_checks_against_the_newest_checkpoint_before_the_head(world: World) -> None:
    some_posts(world, 3)
    anchoring.checkpoint_all()
    some_posts(world, 2)
    report = verify_archive(world.org.pk)
    assert report.ok
    third = ArchiveEntry.objects.get(organization=world.org, sequence=3)
    anchors = anchoring.anchors(world.org.pk, Chain.ARCHIVE)
    resumed = verify_archive(world.org.pk, anchors, after=report.head)
    assert resumed.ok and resumed.entries == 0
    # A stored head that does not agree with the chain's checkpoint is not trusted.
    ArchiveEntry.objects.filter(pk=third.pk).update(hash="f" * 64)
    resumed = verify_archive(world.org.pk, anchors, after=Head(5, report.head.hash))
    assert resumed.first_broken == 3


@pytest.mark.django_db
def test_with_no_full_check_a_short_chain_is_checked_on_the_page_and_a_long_one_is_not(
    world: World, settings: Any
) -> None:
    some_posts(world, 3)
    body = archive_page(world)
    assert "chain of 3 entries verifies" in body
    assert "the chain is short, so this page checked it in full" in body
    settings.RECORDS_VERIFY_ON_PAGE_MAX = 2
    body = archive_page(world)
    assert "has 3 entries and has not been checked in full yet" in body
    assert "Check the whole chain now" in body


@pytest.mark.django_db
def test_the_whole_chain_is_checked_on_request_in_the_background(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RECORDS_VERIFY_ON_PAGE_MAX = 1
    some_posts(world, 3)
    url = reverse("records-chain-check", args=[world.org.pk, Chain.ARCHIVE])
    keeper = make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(keeper).post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("records-archive", args=[world.org.pk])
    check = ChainCheck.objects.get(organization=world.org, chain=Chain.ARCHIVE)
    assert check.requested_at is not None and check.requested_by == keeper
    logged = AuditEvent.objects.get(organization=world.org, action="records.chain_check_requested")
    assert logged.actor == keeper and logged.data == {"chain": "archive", "queued": True}
    assert DBTaskResult.objects.filter(task_path__endswith="check_chain").count() == 1
    assert "was asked for on" in archive_page(world)
    # Asked again while it waits: audited, not queued twice.
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(world.admin).post(url)
    assert DBTaskResult.objects.filter(task_path__endswith="check_chain").count() == 1
    queued = DBTaskResult.objects.get(task_path__endswith="check_chain")
    assert queued.args_kwargs["args"] == [world.org.pk, "archive"]
    assert run_queued_checks() == ["ok"]
    check.refresh_from_db()
    assert check.requested_at is None and check.whole and check.entries == 3
    body = archive_page(world)
    assert "Checked in full on" in body and "Check the whole chain now" in body


@pytest.mark.django_db
def test_a_running_check_is_shown_and_not_run_twice(world: World) -> None:
    some_posts(world, 2)
    assert run_full_check(world.org.pk, Chain.ARCHIVE) is not None
    ChainCheck.objects.filter(organization=world.org).update(started_at="2026-01-01T10:00Z")
    # Stale: a check begun long ago died with its worker, so another may run.
    assert run_full_check(world.org.pk, Chain.ARCHIVE) is not None
    ChainCheck.objects.filter(organization=world.org).update(started_at=timezone.now())
    assert run_full_check(world.org.pk, Chain.ARCHIVE) is None
    body = archive_page(world)
    assert "has been running since" in body and "Check the whole chain now" not in body


@pytest.mark.django_db
def test_who_may_ask_for_a_full_check(world: World) -> None:
    keeper = make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")
    archive = reverse("records-chain-check", args=[world.org.pk, Chain.ARCHIVE])
    audit_log = reverse("records-chain-check", args=[world.org.pk, Chain.AUDIT])
    for person, url, status in (
        (world.admin, audit_log, 302),
        (keeper, archive, 302),
        (keeper, audit_log, 403),  # the audit log is for admins
        (world.manager, archive, 403),
        (world.outsider, archive, 404),
    ):
        assert signed_in(person).post(url).status_code == status, (person, url)
    assert signed_in(world.admin).get(archive).status_code == 405
    nowhere = reverse("records-chain-check", args=[world.org.pk, "ledger"])
    assert signed_in(world.admin).post(nowhere).status_code == 404
    response = signed_in(world.admin).post(audit_log)
    assert response["Location"] == f"{reverse('audit')}?org={world.org.pk}"
    assert AuditEvent.objects.filter(action="records.chain_check_requested").count() == 3


def test_the_worker_runs_the_full_checks_on_their_schedule(settings: Any) -> None:
    settings.RECORDS_VERIFY_SECONDS = 3600
    job = DeskWorker().job("records.verify")
    assert job is not None and job[0] == 3600.0 and job[1] is verify_all


@pytest.mark.django_db
def test_a_resumed_check_reads_only_the_checkpoints_it_compares(world: World) -> None:
    for _ in range(3):
        some_posts(world, 2)
        anchoring.checkpoint_all()
    every = anchoring.anchors(world.org.pk, Chain.ARCHIVE)
    assert [a.sequence for a in every] == [2, 4, 6]
    resumed = anchoring.anchors(world.org.pk, Chain.ARCHIVE, resume_at=5)
    assert [a.sequence for a in resumed] == [4, 6]
    assert anchoring.anchors(world.org.pk, Chain.ARCHIVE, resume_at=1) == every
    # A checkpoint after the stored head whose signature does not hold is still named.
    run_full_check(world.org.pk, Chain.ARCHIVE)
    some_posts(world, 1)
    Checkpoint.objects.create(
        organization=world.org,
        chain=Chain.ARCHIVE,
        sequence=7,
        head_hash=ArchiveEntry.objects.get(organization=world.org, sequence=7).hash,
        created_at=timezone.now(),
        key_id="forged",
        signature="00" * 64,
    )
    status = chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    assert status.first_broken == 7 and "not validly signed" in status.reason


@pytest.mark.django_db
def test_too_much_added_since_the_full_check_is_left_to_the_next_one(
    world: World, settings: Any
) -> None:
    some_posts(world, 2)
    run_full_check(world.org.pk, Chain.ARCHIVE)
    some_posts(world, 3)
    settings.RECORDS_VERIFY_ON_PAGE_MAX = 2
    status = chain_status(organization_id=world.org.pk, chain=Chain.ARCHIVE)
    assert status.not_checked and status.checked_now == 3 and status.first_broken is None
    body = archive_page(world)
    assert "3 entries were added since then, more than this page checks" in body
    assert "has not been checked in full yet" not in body and "verifies" not in body
    assert "Check the whole chain now" in body


@pytest.mark.django_db
def test_a_request_whose_task_was_lost_can_be_made_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("records-chain-check", args=[world.org.pk, Chain.ARCHIVE])
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(world.admin).post(url)
    DBTaskResult.objects.all().delete()  # the queue was lost
    long_ago = timezone.now() - timedelta(hours=7)
    ChainCheck.objects.filter(organization=world.org).update(requested_at=long_ago)
    assert "Check the whole chain now" in archive_page(world)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(world.admin).post(url)
    assert run_queued_checks() == ["ok"]
