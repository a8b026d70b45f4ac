"""The archive keeps every version: staff edits and removals, and what the public edits and
deletes on the platform, read again over real HTTP from the exercise network."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage
from civicdesk.publishing import services as publishing
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.tasks import remove_publication
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, EntryKind
from civicdesk.records.recheck import recheck_channel
from tests.factories import World, approve_post

from .conftest import settle


def entries(world: World, thread: str) -> list[ArchiveEntry]:
    return list(ArchiveEntry.objects.filter(organization=world.org, thread=thread))


@pytest.mark.django_db(transaction=True)
def test_every_version_of_a_post_and_of_a_public_comment_is_archived(
    world: World, on_network: NetAccount, live_server: Any
) -> None:
    # Staff write a post, then edit it: two versions, each with who changed it.
    draft = publishing.Draft(
        title="Bridge",
        texts={"en": "The bridge reopens on Monday.", "fr": "Le pont rouvre lundi."},
        channels=[world.channel],
        scheduled_at=timezone.now() + timedelta(minutes=1),
    )
    post = publishing.post_create(brand=world.brand, actor=world.author, draft=draft)
    draft = replace(
        draft, texts={"en": "The bridge reopens on Tuesday.", "fr": "Le pont rouvre mardi."}
    )
    publishing.post_update(post=post, actor=world.author, draft=draft)
    approve_post(post=post, author=world.author, approver=world.approver)
    settle()
    publication = post.publications.get(variant__language="en")
    assert publication.state == S.PUBLISHED

    # The public comments on it; one edits the comment, another deletes theirs.
    marie, marie_token = create_account(handle="marie_t", display_name="Marie")
    paul, paul_token = create_account(handle="paul_r", display_name="Paul")
    ours = int(publication.remote_id)
    comment = create_post(account=marie, in_reply_to=ours, text="Which lanes <b>open</b>?").obj
    regret = create_post(account=paul, in_reply_to=ours, text="Call me at 0612345678").obj
    assert ingest_channel(world.channel.pk).stored >= 2
    api = f"{live_server.url}/exnet/api"
    edited = httpx.patch(
        f"{api}/posts/{comment.pk}",
        json={"text": "Which lanes open on Tuesday?"},
        headers={"Authorization": f"Bearer {marie_token}"},
    )
    assert edited.status_code == 200, edited.text
    gone = httpx.delete(
        f"{api}/posts/{regret.pk}", headers={"Authorization": f"Bearer {paul_token}"}
    )
    assert gone.status_code == 204
    report = recheck_channel(world.channel.pk)
    assert (report.edited, report.deleted) == (1, 1), report
    # Reading again finds nothing new the second time.
    again = recheck_channel(world.channel.pk)
    assert (again.edited, again.deleted) == (0, 0)

    # Staff take the post down from the platform.
    publishing.publication_remove(publication=publication, actor=world.manager)
    assert remove_publication.call(publication.pk) == "deleted"

    post_thread = entries(world, f"post:{post.pk}")
    versions = [e for e in post_thread if e.kind == EntryKind.POST_VERSION]
    texts = [e.text for e in versions]
    assert texts[0] == "The bridge reopens on Monday.\n\nLe pont rouvre lundi."
    assert "The bridge reopens on Tuesday.\n\nLe pont rouvre mardi." in texts
    assert versions[0].actor_label == world.author.username
    assert any(
        a["by"] == world.approver.username and a["approved"]
        for a in versions[-1].content["approvals"]
    )
    published = [e for e in post_thread if e.kind == EntryKind.PUBLICATION]
    assert published[0].content["remote_id"] == publication.remote_id
    assert published[0].content["url"].startswith(live_server.url)
    removed = [e for e in post_thread if e.kind == EntryKind.PUBLICATION_REMOVED]
    assert [e.content["state"] for e in removed] == ["deleting", "deleted"]
    assert removed[0].actor_label == world.manager.username

    message = InboundMessage.objects.get(remote_id=str(comment.pk))
    thread = entries(world, f"conversation:{message.conversation_id}")
    own = [e for e in thread if e.subject == f"message:{message.pk}"]
    assert [(e.kind, e.text) for e in own] == [
        (EntryKind.MESSAGE, "Which lanes <b>open</b>?"),
        (EntryKind.MESSAGE_EDITED, "Which lanes open on Tuesday?"),
    ]
    assert own[1].actor_label == "marie_t"
    deleted = InboundMessage.objects.get(remote_id=str(regret.pk))
    kinds = [
        (e.kind, e.text)
        for e in ArchiveEntry.objects.filter(subject=f"message:{deleted.pk}").order_by("sequence")
    ]
    assert kinds == [
        (EntryKind.MESSAGE, "Call me at 0612345678"),
        (EntryKind.MESSAGE_DELETED, "Call me at 0612345678"),
    ]
    assert verify_archive(world.org.pk).ok


@pytest.mark.django_db
def test_a_changed_entry_is_named(world: World) -> None:
    draft = publishing.Draft(title="A", texts={"en": "First words."}, channels=[world.channel])
    post = publishing.post_create(brand=world.brand, actor=world.author, draft=draft)
    for words in ("Second words.", "Third words."):
        draft = replace(draft, texts={"en": words})
        publishing.post_update(post=post, actor=world.author, draft=draft)
    report = verify_archive(world.org.pk)
    assert report.ok and report.entries == 3
    second = ArchiveEntry.objects.get(organization=world.org, sequence=2)
    ArchiveEntry.objects.filter(pk=second.pk).update(text="Other words.")
    report = verify_archive(world.org.pk)
    assert (report.first_broken, report.reason) == (2, "its content was changed")
    ArchiveEntry.objects.filter(pk=second.pk).update(text=second.text)
    ArchiveEntry.objects.filter(organization=world.org, sequence=2).delete()
    report = verify_archive(world.org.pk)
    assert (report.first_broken, report.reason) == (2, "an entry is missing")


@pytest.mark.django_db
def test_saying_the_same_again_adds_nothing(world: World) -> None:
    draft = publishing.Draft(title="A", texts={"en": "Same words."}, channels=[world.channel])
    post = publishing.post_create(brand=world.brand, actor=world.author, draft=draft)
    publishing.post_update(post=post, actor=world.author, draft=draft)
    assert ArchiveEntry.objects.filter(subject=f"post:{post.pk}").count() == 1
