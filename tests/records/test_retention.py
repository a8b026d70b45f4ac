"""Retention deletes and anonymizes exactly what its rules say, and nothing under a hold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicdesk.core import archive
from civicdesk.inbox.models import Author, InboundMessage
from civicdesk.organizations.models import AuditEvent, Role
from civicdesk.publishing.models import Post
from civicdesk.records import holds, retention
from civicdesk.records.archive import verify_archive
from civicdesk.records.models import ArchiveEntry, Disposal, RecordClass, RetentionAction
from tests.factories import World, make_member, make_message, make_post

LONG_AGO = timedelta(days=400)


def received(
    world: World,
    text: str,
    handle: str,
    *,
    age: timedelta,
    kind: str = "comment",
    channel: object = None,
) -> InboundMessage:
    message = make_message(
        channel=channel or world.channel,
        text=text,
        author_handle=handle,
        sent_at=timezone.now() - age,
        kind=kind,
    )
    archive.note("messages", message.pk)
    return message


def officer(world: World) -> object:
    return make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")


@pytest.mark.django_db
def test_messages_lose_personal_data_after_their_time_except_under_a_hold(world: World) -> None:
    keeper = officer(world)
    old = received(world, "My number is 0612345678", "alice", age=LONG_AGO)
    held = received(world, "The flood on Rue Haute", "bob", age=LONG_AGO)
    recent = received(world, "Is it open today?", "carol", age=timedelta(days=3))
    direct = received(world, "Private question", "dave", age=LONG_AGO, kind="direct")
    retention.rule_set(
        organization=world.org,
        actor=keeper,
        record_class=RecordClass.INBOUND_MESSAGES,
        days=365,
        action=RetentionAction.DELETE,
    )
    retention.rule_set(
        organization=world.org,
        actor=keeper,
        record_class=RecordClass.DIRECT_MESSAGES,
        days=365,
        action=RetentionAction.ANONYMIZE,
    )
    hold = holds.hold_place(
        organization=world.org,
        actor=keeper,
        name="Flood inquiry",
        reason="Court order 2026-17",
        starts_on=None,
        ends_on=date.today(),
        channels=[world.channel],
        authors=[],
        words=["flood"],
    )
    report = retention.apply_retention(world.org)
    assert report.done == {
        (RecordClass.INBOUND_MESSAGES, RetentionAction.DELETE): 1,
        (RecordClass.DIRECT_MESSAGES, RetentionAction.ANONYMIZE): 1,
    }
    assert report.held == {RecordClass.INBOUND_MESSAGES: 1}

    gone = InboundMessage.objects.get(pk=old.pk)
    # The row stays for the counts; the text and the author do not.
    assert gone.text == "" and gone.author.handle == retention.ANONYMOUS
    assert not Author.objects.filter(handle="alice").exists()
    entry = ArchiveEntry.objects.get(subject=f"message:{old.pk}")
    assert entry.erased_at and entry.text == "" and entry.content == {}
    # Held and recent messages are untouched, here and in the archive.
    assert InboundMessage.objects.get(pk=held.pk).text == "The flood on Rue Haute"
    assert InboundMessage.objects.get(pk=recent.pk).author.handle == "carol"
    assert ArchiveEntry.objects.get(subject=f"message:{held.pk}").erased_at is None
    # The direct message keeps its words, not its author.
    anonymous = InboundMessage.objects.get(pk=direct.pk)
    assert anonymous.text == "Private question"
    assert anonymous.author.handle == retention.ANONYMOUS
    dm_entry = ArchiveEntry.objects.get(subject=f"message:{direct.pk}")
    assert dm_entry.author_label == retention.ANONYMOUS and "dave" not in str(dm_entry.content)
    assert InboundMessage.objects.filter(channel__brand__organization=world.org).count() == 4
    # What it did is in the audit log; the archive still checks; a second run does nothing.
    logged = AuditEvent.objects.get(organization=world.org, action="records.retention")
    assert logged.data["done"] == {
        "direct_messages:anonymize": 1,
        "inbound_messages:delete": 1,
    }
    assert verify_archive(world.org.pk).ok
    assert not retention.apply_retention(world.org).done
    assert Disposal.objects.filter(organization=world.org).count() == 2

    # Released, the hold no longer protects its message.
    holds.hold_release(hold=hold, actor=keeper)
    assert retention.apply_retention(world.org).done == {
        (RecordClass.INBOUND_MESSAGES, RetentionAction.DELETE): 1
    }
    assert InboundMessage.objects.get(pk=held.pk).text == ""
    assert AuditEvent.objects.filter(action__startswith="records.hold_").count() == 2


@pytest.mark.django_db
def test_drafts_never_published_are_deleted_and_published_posts_kept(world: World) -> None:
    keeper = officer(world)
    draft = make_post(brand=world.brand, author=world.author, title="Old idea")
    kept_by_hold = make_post(brand=world.brand, author=world.author, title="Bridge works")
    fresh = make_post(brand=world.brand, author=world.author, title="New idea")
    Post.objects.filter(pk__in=[draft.pk, kept_by_hold.pk]).update(
        updated_at=timezone.now() - LONG_AGO
    )
    retention.rule_set(
        organization=world.org,
        actor=keeper,
        record_class=RecordClass.DRAFTS,
        days=180,
        action=RetentionAction.DELETE,
    )
    holds.hold_place(
        organization=world.org,
        actor=keeper,
        name="Works",
        reason="Audit of the bridge works",
        starts_on=None,
        ends_on=None,
        channels=[],
        authors=[world.author.username],
        words=["bridge works"],
    )
    report = retention.apply_retention(world.org)
    assert report.done == {(RecordClass.DRAFTS, RetentionAction.DELETE): 1}
    assert not Post.objects.filter(pk=draft.pk).exists()
    assert Post.objects.filter(pk__in=[kept_by_hold.pk, fresh.pk]).count() == 2
    erased = ArchiveEntry.objects.filter(thread=f"post:{draft.pk}")
    assert erased and all(e.erased_at and e.text == "" for e in erased)
    assert verify_archive(world.org.pk).ok


@pytest.mark.django_db
def test_only_records_keepers_set_rules_and_holds_and_bad_rules_are_refused(
    world: World,
) -> None:
    with pytest.raises(PermissionDenied):
        retention.rule_set(
            organization=world.org,
            actor=world.manager,
            record_class=RecordClass.DRAFTS,
            days=30,
            action=RetentionAction.DELETE,
        )
    with pytest.raises(ValidationError):
        retention.rule_set(
            organization=world.org,
            actor=world.admin,
            record_class=RecordClass.ATTACHMENTS,
            days=30,
            action=RetentionAction.ANONYMIZE,
        )
    with pytest.raises(ValidationError):
        holds.hold_place(
            organization=world.org,
            actor=world.admin,
            name="",
            reason="",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 4, 1),
            channels=[],
            authors=[],
            words=[],
        )
