"""Queued archive notes: written with the change, turned into entries in batches, never lost
(a failed drain leaves them queued), and chained like every other entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.core import archive
from civicdesk.exnet.models import NetAccount
from civicdesk.publishing import publisher
from civicdesk.publishing import services as publishing
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.records import archive as records_archive
from civicdesk.records.archive import Version, append_many, verify_archive
from civicdesk.records.models import ArchiveEntry, EntryKind, QueuedNote
from tests.factories import World, approve_post, make_world


def _approved_post(world: World) -> int:
    draft = publishing.Draft(
        title="Ferry",
        texts={"en": "The ferry runs every hour today.", "fr": "Le traversier part chaque heure."},
        channels=[world.channel],
        scheduled_at=timezone.now() + timedelta(minutes=1),
    )
    post = publishing.post_create(brand=world.brand, actor=world.author, draft=draft)
    approve_post(post=post, author=world.author, approver=world.approver)
    return post.pk


def _published_entries(world: World) -> list[ArchiveEntry]:
    return list(ArchiveEntry.objects.filter(organization=world.org, kind=EntryKind.PUBLICATION))


@pytest.mark.django_db(transaction=True)
def test_a_queued_note_becomes_an_entry_at_the_drain(
    world: World, on_network: NetAccount, live_server: Any
) -> None:
    post_id = _approved_post(world)
    later = timezone.now() + timedelta(minutes=2)
    with archive.queued():
        publisher.publish_due(worker="w", now=later)
    published = Publication.objects.filter(post_id=post_id, state=S.PUBLISHED)
    assert published.count() == 2
    # Written with the change, not yet in the chain.
    assert _published_entries(world) == []
    queued = list(QueuedNote.objects.all())
    assert sorted(i for note in queued for i in note.ids) == sorted(p.pk for p in published)
    assert {note.event for note in queued} == {"publication"}

    assert archive.drain() == len(queued)
    entries = _published_entries(world)
    assert sorted(e.subject for e in entries) == sorted(f"publication:{p.pk}" for p in published)
    assert {e.content["remote_id"] for e in entries} == {p.remote_id for p in published}
    assert not QueuedNote.objects.exists()
    assert archive.drain() == 0
    assert verify_archive(world.org.pk).ok


@pytest.mark.django_db(transaction=True)
def test_a_failed_drain_leaves_the_notes_queued(
    world: World, on_network: NetAccount, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approved_post(world)
    with archive.queued():
        publisher.publish_due(worker="w", now=timezone.now() + timedelta(minutes=2))
    waiting = QueuedNote.objects.count()
    assert waiting == 2

    def broken(*args: Any) -> list[Version]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(records_archive, "versions_for", broken)
    with pytest.raises(RuntimeError):
        archive.drain()
    assert QueuedNote.objects.count() == waiting
    assert _published_entries(world) == []
    monkeypatch.undo()
    assert archive.drain() == waiting
    assert len(_published_entries(world)) == 2
    assert verify_archive(world.org.pk).ok


@pytest.mark.django_db
def test_an_unknown_event_is_refused_when_queued(world: World) -> None:
    with archive.queued(), pytest.raises(ValueError, match="unknown archive event"):
        archive.note("publications", [1])
    assert not QueuedNote.objects.exists()


def _version(world: World, subject: str, text: str) -> Version:
    return Version(
        organization_id=world.org.pk,
        kind=EntryKind.MESSAGE,
        thread="conversation:1",
        subject=subject,
        channel_id=world.channel.pk,
        brand_id=world.brand.pk,
        occurred_at=timezone.now(),
        author_label="someone",
        actor_label="someone",
        text=text,
        content={"remote_id": subject},
    )


@pytest.mark.django_db
def test_many_versions_chain_in_order_per_organization_and_repeat_nothing(world: World) -> None:
    other = make_world(prefix="Other ")
    first = append_many([_version(world, "message:1", "Hello")])
    assert [e.sequence for e in first] == [1]
    written = append_many(
        [
            _version(world, "message:1", "Hello"),  # says what the chain already says
            _version(other, "message:9", "Bonjour"),
            _version(world, "message:2", "Is the road open?"),
            _version(world, "message:2", "Is the road open?"),  # twice in one batch
            _version(world, "message:1", "Hello again"),  # a new version of message 1
        ]
    )
    mine = [e for e in written if e.organization_id == world.org.pk]
    assert [(e.sequence, e.subject, e.text) for e in mine] == [
        (2, "message:2", "Is the road open?"),
        (3, "message:1", "Hello again"),
    ]
    assert [(e.sequence, e.subject) for e in written if e.organization_id == other.org.pk] == [
        (1, "message:9")
    ]
    stored = list(ArchiveEntry.objects.filter(organization=world.org).order_by("sequence"))
    assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]
    assert verify_archive(world.org.pk).ok
    assert verify_archive(other.org.pk).ok
