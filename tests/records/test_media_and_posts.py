"""Media are archived by their hash with a copy; retention deletes attachments and anonymizes
published posts exactly as its rules say, and leaves held ones alone."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from civicdesk.organizations.models import Role
from civicdesk.publishing.media import media_attach
from civicdesk.publishing.models import Post, PostMedia, Publication
from civicdesk.records import holds, retention
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, RecordClass, RetentionAction
from tests.factories import World, approve_post, make_member, make_post

LONG_AGO = timedelta(days=800)


def png(colour: str) -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_attachments_are_archived_by_hash_and_deleted_after_their_time(world: World) -> None:
    keeper = make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")
    old = make_post(brand=world.brand, author=world.author, title="Old photo")
    held = make_post(brand=world.brand, author=world.author, title="Dam photo")
    data = png("red")
    media_attach(
        post=old,
        actor=world.author,
        data=data,
        filename="red.png",
        alt_texts={"en": "A red square", "fr": "Un carré rouge"},
    )
    media_attach(
        post=held, actor=world.author, data=png("blue"), filename="b.png", alt_texts={"en": "Blue"}
    )
    version = ArchiveEntry.objects.filter(subject=f"post:{old.pk}").order_by("sequence").last()
    assert version is not None
    listed = version.content["media"][0]
    assert listed["sha256"] == hashlib.sha256(data).hexdigest()
    assert listed["alt_texts"] == {"en": "A red square", "fr": "Un carré rouge"}
    assert default_storage.exists(listed["archived_as"])

    PostMedia.objects.update(created_at=timezone.now() - LONG_AGO)
    retention.rule_set(
        organization=world.org,
        actor=keeper,
        record_class=RecordClass.ATTACHMENTS,
        days=365,
        action=RetentionAction.DELETE,
    )
    holds.hold_place(
        organization=world.org,
        actor=keeper,
        name="Dam",
        reason="Inquiry",
        starts_on=None,
        ends_on=None,
        channels=[],
        authors=[],
        words=["dam"],
    )
    report = retention.apply_retention(world.org)
    assert report.done == {(RecordClass.ATTACHMENTS, RetentionAction.DELETE): 1}
    assert list(PostMedia.objects.values_list("post_id", flat=True)) == [held.pk]
    assert not default_storage.exists(listed["archived_as"])
    # The version still names the image by its hash, and the chain still checks.
    assert ArchiveEntry.objects.get(pk=version.pk).content["media"][0]["sha256"] == listed["sha256"]
    assert verify_archive(world.org.pk).ok


@pytest.mark.django_db
def test_published_posts_are_anonymized_in_the_archive_after_their_time(world: World) -> None:
    keeper = make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")
    post = make_post(brand=world.brand, author=world.author, title="Road works")
    approve_post(post=post, author=world.author, approver=world.approver)
    recent = make_post(brand=world.brand, author=world.author, title="New road")
    for item, age in ((post, LONG_AGO), (recent, timedelta(days=2))):
        Publication.objects.filter(post=item).update(
            state="published", published_at=timezone.now() - age, remote_id="1"
        )
    retention.rule_set(
        organization=world.org,
        actor=keeper,
        record_class=RecordClass.PUBLISHED_POSTS,
        days=730,
        action=RetentionAction.ANONYMIZE,
    )
    report = retention.apply_retention(world.org)
    assert report.done == {(RecordClass.PUBLISHED_POSTS, RetentionAction.ANONYMIZE): 1}
    assert Post.objects.filter(pk=post.pk).exists()  # anonymized, not deleted
    entries = ArchiveEntry.objects.filter(thread=f"post:{post.pk}")
    text = " ".join(f"{e.author_label} {e.actor_label} {e.content}" for e in entries)
    assert world.author.username not in text and world.approver.username not in text
    untouched = ArchiveEntry.objects.filter(thread=f"post:{recent.pk}").first()
    assert untouched is not None and untouched.author_label == world.author.username
    assert verify_archive(world.org.pk).ok
