"""Retention: rules by record class, applied by a daily job, never to anything under a hold.

Each rule says how many days a class of records is kept and what happens then: delete,
anonymize the author, or keep. What it touches, per class:

- published posts and drafts never published: delete removes the post (and its versions'
  content in the archive); anonymize replaces the people's names in the archive;
- public messages and direct messages: delete removes the personal data (text, link, author)
  but keeps the message row, so counts, response times and analytics stay true; anonymize
  replaces only the author;
- attachments: delete removes the file, here and the archive's copy (the archive keeps its
  hash).

Archive entries keep their hashes when their content is erased, so the chain still checks.
Every run writes what it did to the audit log; ``Disposal`` remembers each item done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.models import Author, InboundMessage
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Organization
from civicdesk.publishing.models import Post, PostMedia, Publication
from civicdesk.records.access import require_records
from civicdesk.records.archive import MEDIA_FOLDER
from civicdesk.records.holds import Item, Scope, active_scopes, holding
from civicdesk.records.models import (
    ArchiveEntry,
    Disposal,
    RecordClass,
    RetentionAction,
    RetentionRule,
)

ANONYMOUS = "[anonymized]"
# Which actions each class allows (anonymizing an attachment means nothing).
ALLOWED: dict[str, set[str]] = {
    RecordClass.PUBLISHED_POSTS: {
        RetentionAction.KEEP,
        RetentionAction.ANONYMIZE,
        RetentionAction.DELETE,
    },
    RecordClass.DRAFTS: {RetentionAction.KEEP, RetentionAction.ANONYMIZE, RetentionAction.DELETE},
    RecordClass.INBOUND_MESSAGES: {
        RetentionAction.KEEP,
        RetentionAction.ANONYMIZE,
        RetentionAction.DELETE,
    },
    RecordClass.DIRECT_MESSAGES: {
        RetentionAction.KEEP,
        RetentionAction.ANONYMIZE,
        RetentionAction.DELETE,
    },
    RecordClass.ATTACHMENTS: {RetentionAction.KEEP, RetentionAction.DELETE},
}


@transaction.atomic
def rule_set(
    *, organization: Organization, actor: Person, record_class: str, days: int, action: str
) -> RetentionRule:
    require_records(actor, organization)
    if record_class not in RecordClass.values:
        raise ValidationError({"record_class": [_("Choose a kind of record.")]})
    if action not in ALLOWED[record_class]:
        raise ValidationError({"action": [_("This action does not apply to this kind of record.")]})
    if days < 1 or days > 365 * 100:
        raise ValidationError({"days": [_("Keep records between 1 day and 100 years.")]})
    rule, _created = RetentionRule.objects.update_or_create(
        organization=organization,
        record_class=record_class,
        defaults={"days": days, "action": action},
    )
    audit(
        organization=organization,
        actor=actor,
        action="records.retention_rule",
        target=rule,
        data={"class": record_class, "days": days, "action": action},
    )
    return rule


@dataclass
class RetentionReport:
    done: Counter[tuple[str, str]] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    subjects: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "done": {f"{c}:{a}": n for (c, a), n in sorted(self.done.items())},
            "held": dict(sorted(self.held.items())),
            "items": self.subjects[:500],
        }


# Finding what a rule reaches ------------------------------------------------------------------


def _post_items(posts: Iterable[Post]) -> dict[int, Item]:
    items = {}
    for post in posts:
        when = max(
            (p.published_at for p in post.publications.all() if p.published_at),
            default=post.updated_at,
        )
        items[post.pk] = Item(
            when=when,
            channel_ids=frozenset(c.pk for c in post.channels.all()),
            authors=frozenset({post.author.get_username()}),
            text="\n".join(v.text for v in post.variants.all()) + "\n" + post.title,
        )
    return items


def _posts(organization: Organization, record_class: str, cutoff: datetime) -> list[Post]:
    base = Post.objects.filter(brand__organization=organization)
    published = Publication.objects.filter(published_at__isnull=False)
    if record_class == RecordClass.PUBLISHED_POSTS:
        newest = Publication.objects.filter(post_id=OuterRef("pk"), published_at__isnull=False)
        query = base.filter(
            id__in=published.values("post_id"),
        ).exclude(Exists(newest.filter(published_at__gte=cutoff)))
    else:
        query = base.exclude(id__in=published.values("post_id")).filter(
            Q(scheduled_at__isnull=True) | Q(scheduled_at__lt=cutoff), updated_at__lt=cutoff
        )
    return list(
        query.select_related("author").prefetch_related("publications", "channels", "variants")
    )


def _messages(organization: Organization, record_class: str, cutoff: datetime) -> Any:
    query = InboundMessage.objects.filter(
        channel__brand__organization=organization, sent_at__lt=cutoff
    )
    if record_class == RecordClass.DIRECT_MESSAGES:
        return query.filter(kind="direct")
    return query.exclude(kind="direct")


def _message_item(message: InboundMessage) -> Item:
    return Item(
        when=message.sent_at,
        channel_ids=frozenset({message.channel_id}),
        authors=frozenset({message.author.handle}),
        text=message.text,
    )


# Acting ----------------------------------------------------------------------------------------


def _erase_entries(organization_id: int, query: Q, reason: str) -> int:
    return ArchiveEntry.objects.filter(query, organization_id=organization_id).update(
        erased_at=timezone.now(), erased_reason=reason, text="", content={}, author_label=""
    )


def _anonymize_entries(organization_id: int, query: Q, names: set[str], reason: str) -> None:
    """Replace people's names in the entries' content; the entries say they were changed."""
    names = {n for n in names if n}
    for entry in ArchiveEntry.objects.filter(query, organization_id=organization_id):
        content = _scrub(entry.content, names)
        if entry.author_label in names or content != entry.content or entry.actor_label in names:
            entry.content = content
            entry.author_label = ANONYMOUS if entry.author_label in names else entry.author_label
            entry.actor_label = ANONYMOUS if entry.actor_label in names else entry.actor_label
            entry.erased_at = entry.erased_at or timezone.now()
            entry.erased_reason = reason
            entry.save(
                update_fields=[
                    "content",
                    "author_label",
                    "actor_label",
                    "erased_at",
                    "erased_reason",
                ]
            )


def _scrub(value: Any, names: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    if isinstance(value, str) and value in names:
        return ANONYMOUS
    return value


def _placeholder(message: InboundMessage) -> Author:
    author, _created = Author.objects.get_or_create(
        organization_id=message.channel.brand.organization_id,
        platform=message.channel.platform,
        remote_id=ANONYMOUS,
        defaults={"handle": ANONYMOUS, "display_name": ""},
    )
    return author


def _done(organization: Organization, subject: str, record_class: str, action: str) -> None:
    Disposal.objects.get_or_create(
        organization=organization,
        subject=subject,
        action=action,
        defaults={"record_class": record_class, "applied_at": timezone.now()},
    )


def _apply_posts(
    organization: Organization,
    rule: RetentionRule,
    cutoff: datetime,
    scopes: list[Scope],
    report: RetentionReport,
) -> None:
    done = set(
        Disposal.objects.filter(organization=organization, action=rule.action).values_list(
            "subject", flat=True
        )
    )
    posts = _posts(organization, rule.record_class, cutoff)
    items = _post_items(posts)
    for post in posts:
        subject = f"post:{post.pk}"
        if subject in done:
            continue
        if holding(scopes, items[post.pk], organization.tz):
            report.held[rule.record_class] += 1
            continue
        thread = Q(thread=subject)
        if rule.action == RetentionAction.DELETE:
            for item in post.media.all():
                item.file.delete(save=False)
            post.delete()
            _erase_entries(organization.pk, thread, f"retention: {rule.record_class} deleted")
        else:
            names = {post.author.get_username()}
            names |= set(
                ArchiveEntry.objects.filter(thread, organization=organization).values_list(
                    "actor_label", flat=True
                )
            )
            names.discard("system")
            for entry in ArchiveEntry.objects.filter(thread, organization=organization):
                for approval in entry.content.get("approvals", []):
                    names.add(approval.get("by", ""))
            _anonymize_entries(
                organization.pk, thread, names, f"retention: {rule.record_class} anonymized"
            )
        _done(organization, subject, rule.record_class, rule.action)
        report.done[(rule.record_class, rule.action)] += 1
        report.subjects.append(subject)


def _apply_messages(
    organization: Organization,
    rule: RetentionRule,
    cutoff: datetime,
    scopes: list[Scope],
    report: RetentionReport,
) -> None:
    done_ids = {
        int(s.split(":")[1])
        for s in Disposal.objects.filter(
            organization=organization, action=rule.action, subject__startswith="message:"
        ).values_list("subject", flat=True)
    }
    messages = (
        _messages(organization, rule.record_class, cutoff)
        .exclude(pk__in=done_ids)
        .select_related("author", "channel__brand")
    )
    touched_authors: set[int] = set()
    for message in messages.iterator(chunk_size=500):
        if holding(scopes, _message_item(message), organization.tz):
            report.held[rule.record_class] += 1
            continue
        subject = f"message:{message.pk}"
        handle = message.author.handle
        touched_authors.add(message.author_id)
        placeholder = _placeholder(message)
        if rule.action == RetentionAction.DELETE:
            InboundMessage.objects.filter(pk=message.pk).update(
                text="", url="", author=placeholder, personal_data=[], urgency_reasons=[]
            )
            _erase_entries(
                organization.pk, Q(subject=subject), f"retention: {rule.record_class} deleted"
            )
        else:
            InboundMessage.objects.filter(pk=message.pk).update(author=placeholder)
            _anonymize_entries(
                organization.pk,
                Q(subject=subject),
                {handle, message.author.display_name, message.author.remote_id},
                f"retention: {rule.record_class} anonymized",
            )
        _done(organization, subject, rule.record_class, rule.action)
        report.done[(rule.record_class, rule.action)] += 1
        report.subjects.append(subject)
    # An author with nothing left to their name goes too: that is personal data as well.
    Author.objects.filter(pk__in=touched_authors).exclude(remote_id=ANONYMOUS).filter(
        messages__isnull=True
    ).delete()


def _apply_attachments(
    organization: Organization,
    rule: RetentionRule,
    cutoff: datetime,
    scopes: list[Scope],
    report: RetentionReport,
) -> None:
    media = list(
        PostMedia.objects.filter(post__brand__organization=organization, created_at__lt=cutoff)
        .select_related("post__author")
        .prefetch_related("post__publications", "post__channels", "post__variants")
    )
    posts = _post_items({m.post for m in media})
    for item in media:
        if holding(scopes, posts[item.post_id], organization.tz):
            report.held[rule.record_class] += 1
            continue
        subject = f"media:{item.pk}"
        # The archive's copies of this file, found by the versions that list it.
        copies = set()
        for entry in ArchiveEntry.objects.filter(
            organization=organization, thread=f"post:{item.post_id}"
        ):
            for listed in entry.content.get("media", []):
                if listed.get("position") == item.position and listed.get("archived_as"):
                    copies.add(listed["archived_as"])
        for path in copies:
            if default_storage.exists(path) and path.startswith(f"{MEDIA_FOLDER}/"):
                default_storage.delete(path)
        item.file.delete(save=False)
        item.delete()
        _done(organization, subject, rule.record_class, rule.action)
        report.done[(rule.record_class, rule.action)] += 1
        report.subjects.append(subject)


def apply_retention(organization: Organization, *, now: datetime | None = None) -> RetentionReport:
    """Apply every rule of the organization once, and write what it did to the audit log."""
    now = now or timezone.now()
    report = RetentionReport()
    scopes = active_scopes(organization.pk)
    with transaction.atomic():
        for rule in RetentionRule.objects.filter(organization=organization).exclude(
            action=RetentionAction.KEEP
        ):
            cutoff = now - timedelta(days=rule.days)
            if rule.record_class in (RecordClass.PUBLISHED_POSTS, RecordClass.DRAFTS):
                _apply_posts(organization, rule, cutoff, scopes, report)
            elif rule.record_class == RecordClass.ATTACHMENTS:
                _apply_attachments(organization, rule, cutoff, scopes, report)
            else:
                _apply_messages(organization, rule, cutoff, scopes, report)
        if report.done or report.held:
            audit(
                organization=organization,
                actor=None,
                action="records.retention",
                data=report.as_data(),
            )
    return report


def retention_all() -> int:
    """The daily job: every organization with rules. Returns how many items it disposed of."""
    count = 0
    for organization in Organization.objects.filter(retention_rules__isnull=False).distinct():
        count += sum(apply_retention(organization).done.values())
    return count
