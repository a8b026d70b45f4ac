"""The archive: every version of every post, every publication, every message received and
reply sent, edits and deletions seen on the platforms, and moderation, as an append-only
chain per organization.

How changes reach it: the actions that make them call ``core.archive.note`` inside their own
transaction (publishing's and inbox's services, the publisher's settle, ingest's stored page,
the reply task, moderation), and ``write_notes`` here reads the rows as they now stand and
appends a version. Model signals were not used: the publisher and ingest write with
conditional and bulk UPDATEs and ``bulk_create``, which send none, so a signal would miss
exactly the publications and messages that matter most. A version is written only when its
content differs from the subject's previous one, so a repeated note costs a read.

Each entry's ``content_hash`` is the SHA-256 of its canonical content; its ``hash`` covers
that, its place and the previous entry's hash. Retention may erase an entry's content later:
the hashes stay, so the chain still verifies and the erasure shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User as Person
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from civicdesk.core.anchors import Anchor, AnchorWatch, Head
from civicdesk.inbox.models import InboundMessage, Reply
from civicdesk.organizations.models import Channel, Organization
from civicdesk.publishing.models import Post, Publication
from civicdesk.records.models import ArchiveEntry, EntryKind, QueuedNote

GENESIS = "0" * 64
MEDIA_FOLDER = "records-media"


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode()


def content_digest(*, author_label: str, actor_label: str, text: str, content: Any) -> str:
    body = {"author": author_label, "actor": actor_label, "text": text, "content": content}
    return hashlib.sha256(canonical(body)).hexdigest()


def entry_digest(entry: ArchiveEntry) -> str:
    body = {
        "organization": entry.organization_id,
        "sequence": entry.sequence,
        "recorded_at": entry.recorded_at.isoformat(),
        "kind": entry.kind,
        "thread": entry.thread,
        "subject": entry.subject,
        "channel": entry.channel_id,
        "brand": entry.brand_id,
        "occurred_at": entry.occurred_at.isoformat(),
        "content_hash": entry.content_hash,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


@dataclass(frozen=True)
class Version:
    """What one archive entry will say, before it takes its place in the chain."""

    organization_id: int
    kind: str
    thread: str
    subject: str
    channel_id: int | None
    brand_id: int | None
    occurred_at: datetime
    author_label: str
    actor_label: str
    text: str
    content: dict[str, Any]


def append(version: Version) -> ArchiveEntry | None:
    """Add ``version`` at the end of its organization's chain, unless the subject's newest
    entry already says the same. Call inside the transaction of the change."""
    written = append_many([version])
    return written[0] if written else None


def append_many(versions: Sequence[Version]) -> list[ArchiveEntry]:
    """Add ``versions`` in order at the end of their organizations' chains, each unless its
    subject's newest entry (or an earlier one of ``versions``) already says the same.

    Each organization's chain is locked once and read once however many versions it gets,
    and its new entries are inserted together: a page of messages or a batch of
    publications costs a few statements, not a few per entry."""
    by_organization: dict[int, list[Version]] = {}
    for version in versions:
        by_organization.setdefault(version.organization_id, []).append(version)
    written: list[ArchiveEntry] = []
    for organization_id in sorted(by_organization):
        written.extend(_append_to_chain(organization_id, by_organization[organization_id]))
    return written


def _append_to_chain(organization_id: int, versions: Sequence[Version]) -> list[ArchiveEntry]:
    with transaction.atomic():
        # One writer at a time per organization (PostgreSQL row lock; SQLite's IMMEDIATE
        # transactions already serialize writers), as the audit log does.
        Organization.objects.select_for_update().filter(pk=organization_id).values_list(
            "pk"
        ).first()
        subjects = {version.subject for version in versions}
        newest: dict[str, tuple[str, str, Any]] = {}
        for subject, kind, text, content in (
            ArchiveEntry.objects.filter(organization_id=organization_id, subject__in=subjects)
            .order_by("-sequence")
            .values_list("subject", "kind", "text", "content")
        ):
            newest.setdefault(subject, (kind, text, _same(content)))
        last = (
            ArchiveEntry.objects.filter(organization_id=organization_id)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        sequence, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
        entries: list[ArchiveEntry] = []
        for version in versions:
            content = json.loads(canonical(version.content))
            said = (version.kind, version.text, _same(content))
            if newest.get(version.subject) == said:
                continue
            newest[version.subject] = said
            sequence += 1
            entry = ArchiveEntry(
                organization_id=organization_id,
                sequence=sequence,
                recorded_at=timezone.now(),
                kind=version.kind,
                thread=version.thread,
                subject=version.subject,
                channel_id=version.channel_id,
                brand_id=version.brand_id,
                occurred_at=version.occurred_at,
                author_label=version.author_label[:300],
                actor_label=version.actor_label[:200],
                text=version.text,
                content=content,
                content_hash=content_digest(
                    author_label=version.author_label,
                    actor_label=version.actor_label,
                    text=version.text,
                    content=content,
                ),
                prev_hash=prev_hash,
            )
            entry.hash = prev_hash = entry_digest(entry)
            entries.append(entry)
        ArchiveEntry.objects.bulk_create(entries)
    return entries


def _same(content: Any) -> Any:
    """Content compared without the fields that change with every note but say nothing new."""
    if isinstance(content, dict):
        return {k: v for k, v in content.items() if k not in {"why", "noted_by"}}
    return content


# What each note becomes ----------------------------------------------------------------------


def _label(person: Person | None) -> str:
    return person.get_username() if person is not None else "system"


def _media_copy(name: str, sha256: str, extension: str) -> str:
    """Keep a copy of an attachment under its hash, so the archive outlives the post."""
    path = f"{MEDIA_FOLDER}/{sha256}.{extension}"
    if not default_storage.exists(path):
        with default_storage.open(name, "rb") as source:
            default_storage.save(path, source)
    return path


def _post_versions(ids: Sequence[int], actor: Person | None, why: str) -> list[Version]:
    posts = (
        Post.objects.filter(pk__in=ids)
        .select_related("brand", "author", "pillar", "campaign")
        .prefetch_related("variants", "media", "approvals__approver", "channels")
    )
    versions = []
    for post in posts:
        media = []
        for item in post.media.all():
            try:
                with item.file.open("rb") as fh:
                    data = fh.read()
            except OSError:
                data = b""
            sha = hashlib.sha256(data).hexdigest()
            name = item.file.name or ""
            extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
            stored = _media_copy(name, sha, extension) if data else ""
            media.append(
                {
                    "sha256": sha,
                    "content_type": item.content_type,
                    "size": item.size,
                    "alt_texts": item.alt_texts,
                    "position": item.position,
                    "archived_as": stored,
                }
            )
        variants: list[dict[str, Any]] = sorted(
            (
                {
                    "language": v.language,
                    "channel": v.channel_id,
                    "text": v.text,
                    "link": v.link,
                }
                for v in post.variants.all()
            ),
            key=lambda v: (v["language"], v["channel"] or 0),
        )
        approvals = [
            {
                "by": a.approver.get_username(),
                "tier": a.tier,
                "revision": a.revision,
                "approved": a.approved,
                "comment": a.comment,
                "at": a.created_at,
            }
            for a in sorted(post.approvals.all(), key=lambda a: a.created_at)
        ]
        content = {
            "title": post.title,
            "status": post.status,
            "revision": post.revision,
            "scheduled_at": post.scheduled_at,
            "pillar": post.pillar.name if post.pillar else "",
            "campaign": post.campaign.name if post.campaign else "",
            "channels": sorted(c.pk for c in post.channels.all()),
            "variants": variants,
            "media": sorted(media, key=lambda m: m["position"]),
            "approvals": approvals,
            "why": why,
        }
        versions.append(
            Version(
                organization_id=post.brand.organization_id,
                kind=EntryKind.POST_VERSION,
                thread=f"post:{post.pk}",
                subject=f"post:{post.pk}",
                channel_id=None,
                brand_id=post.brand_id,
                occurred_at=timezone.now(),
                author_label=post.author.get_username() if post.author_id else "",
                actor_label=_label(actor),
                text="\n\n".join(v["text"] for v in variants),
                content=content,
            )
        )
    return versions


def _publication_versions(ids: Sequence[int], actor: Person | None, why: str) -> list[Version]:
    publications = Publication.objects.filter(pk__in=ids).select_related(
        "post__brand", "post__author", "variant", "channel"
    )
    versions = []
    for pub in publications:
        removed = pub.state in {"deleting", "deleted"}
        versions.append(
            Version(
                organization_id=pub.post.brand.organization_id,
                kind=EntryKind.PUBLICATION_REMOVED if removed else EntryKind.PUBLICATION,
                thread=f"post:{pub.post_id}",
                subject=f"publication:{pub.pk}",
                channel_id=pub.channel_id,
                brand_id=pub.post.brand_id,
                occurred_at=(pub.published_at if not removed and pub.published_at else None)
                or timezone.now(),
                author_label=pub.post.author.get_username() if pub.post.author_id else "",
                actor_label=_label(actor),
                text=pub.variant.text,
                content={
                    "channel": str(pub.channel),
                    "platform": pub.channel.platform,
                    "language": pub.variant.language,
                    "state": pub.state,
                    "remote_id": pub.remote_id,
                    "url": pub.remote_url,
                    "thread_remote_ids": pub.thread_remote_ids,
                    "published_at": pub.published_at,
                    "why": why,
                },
            )
        )
    return versions


@dataclass(frozen=True)
class _ChannelFacts:
    """What a message's version says of its channel: the same for a whole page."""

    label: str
    platform: str
    brand_id: int
    organization_id: int


def _channel_facts(channel_ids: Iterable[int]) -> dict[int, _ChannelFacts]:
    return {
        channel.pk: _ChannelFacts(
            str(channel), channel.platform, channel.brand_id, channel.brand.organization_id
        )
        for channel in Channel.objects.filter(pk__in=set(channel_ids)).select_related("brand")
    }


_MESSAGE_COLUMNS = (
    "pk",
    "channel_id",
    "conversation_id",
    "conversation__remote_id",
    "author__handle",
    "author__display_name",
    "author__remote_id",
    "remote_id",
    "kind",
    "text",
    "url",
    "in_reply_to_remote_id",
    "sent_at",
)


def _message_versions(
    ids: Sequence[int], kind: str, actor: Person | None, why: str, detail: Mapping[str, Any]
) -> list[Version]:
    # Plain rows, not instances: a page of messages shares a channel, a brand and an
    # organization, which select_related would build again for every message.
    rows = list(InboundMessage.objects.filter(pk__in=ids).values_list(*_MESSAGE_COLUMNS))
    channels = _channel_facts(row[1] for row in rows)
    versions = []
    for (
        pk,
        channel_id,
        conversation_id,
        conversation,
        handle,
        display_name,
        author_remote_id,
        remote_id,
        message_kind,
        text,
        url,
        in_reply_to,
        sent_at,
    ) in rows:
        channel = channels[channel_id]
        content = {
            "remote_id": remote_id,
            "kind": message_kind,
            "url": url,
            "in_reply_to": in_reply_to,
            "sent_at": sent_at,
            "channel": channel.label,
            "platform": channel.platform,
            "author": {
                "handle": handle,
                "display_name": display_name,
                "remote_id": author_remote_id,
            },
            "conversation": conversation,
        }
        versions.append(
            Version(
                organization_id=channel.organization_id,
                kind=kind,
                thread=f"conversation:{conversation_id}",
                subject=f"message:{pk}",
                channel_id=channel_id,
                brand_id=channel.brand_id,
                occurred_at=sent_at if kind == EntryKind.MESSAGE else timezone.now(),
                author_label=handle,
                actor_label=_label(actor) if actor is not None else handle,
                text=detail.get("text", text) if kind != EntryKind.MODERATION else text,
                content={**content, **dict(detail), "why": why},
            )
        )
    return versions


def _reply_versions(ids: Sequence[int], actor: Person | None, why: str) -> list[Version]:
    replies = Reply.objects.filter(pk__in=ids).select_related(
        "author", "message__channel__brand", "message__author", "conversation"
    )
    return [
        Version(
            organization_id=r.message.channel.brand.organization_id,
            kind=EntryKind.REPLY,
            thread=f"conversation:{r.conversation_id}",
            subject=f"reply:{r.pk}",
            channel_id=r.message.channel_id,
            brand_id=r.message.channel.brand_id,
            occurred_at=r.sent_at or r.created_at,
            author_label=r.author.get_username(),
            actor_label=_label(actor) if actor is not None else r.author.get_username(),
            text=r.text,
            content={
                "state": r.state,
                "in_answer_to": r.message.remote_id,
                "remote_id": r.remote_id,
                "url": r.remote_url,
                "sent_at": r.sent_at,
                "why": why,
            },
        )
        for r in replies
    ]


EVENTS = frozenset(
    {"post", "publication", "messages", "reply", "moderation", "message_edited", "message_deleted"}
)


def versions_for(
    event: str,
    ids: Sequence[int],
    actor: Person | None,
    why: str,
    detail: Mapping[str, Any],
) -> list[Version]:
    if event == "post":
        return _post_versions(ids, actor, why)
    if event == "publication":
        return _publication_versions(ids, actor, why)
    if event == "messages":
        return _message_versions(ids, EntryKind.MESSAGE, None, why, {})
    if event == "reply":
        return _reply_versions(ids, actor, why)
    if event == "moderation":
        return _message_versions(ids, EntryKind.MODERATION, actor, why, detail)
    if event == "message_edited":
        return _message_versions(ids, EntryKind.MESSAGE_EDITED, None, why, detail)
    if event == "message_deleted":
        return _message_versions(ids, EntryKind.MESSAGE_DELETED, None, why, detail)
    raise ValueError(f"unknown archive event {event!r}")


def write_notes(
    event: str,
    ids: Sequence[int],
    actor: Person | None,
    why: str,
    detail: Mapping[str, Any],
) -> None:
    """The writer ``core.archive.note`` calls (installed by ``RecordsConfig.ready``)."""
    append_many(versions_for(event, ids, actor, why, detail))


def queue_notes(
    event: str,
    ids: Sequence[int],
    actor: Person | None,
    why: str,
    detail: Mapping[str, Any],
) -> None:
    """The queue ``core.archive.note`` writes to in a thread that asked for it (one row, in
    the change's transaction); :func:`drain_notes` turns it into entries."""
    if event not in EVENTS:
        raise ValueError(f"unknown archive event {event!r}")
    QueuedNote.objects.create(
        event=event,
        ids=list(ids),
        actor=actor,
        why=why,
        detail=json.loads(canonical(dict(detail))),
        queued_at=timezone.now(),
    )


def drain_notes(limit: int = 500) -> int:
    """Write up to ``limit`` queued notes, oldest first, and take them off the queue, in one
    transaction: a crash leaves them queued for the next drain. Two workers draining at
    once take different notes (PostgreSQL skips the locked ones; SQLite has one writer)."""
    with transaction.atomic():
        notes = list(
            QueuedNote.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("actor")
            .order_by("pk")[:limit]
        )
        if not notes:
            return 0
        # Notes that differ only in their ids are read together (a batch of publications
        # is one query), in the order their first note was queued.
        groups: dict[tuple[str, int | None, str, bytes], list[int]] = {}
        actors: dict[int | None, Person | None] = {}
        for note in notes:
            key = (note.event, note.actor_id, note.why, canonical(note.detail))
            groups.setdefault(key, []).extend(note.ids)
            actors[note.actor_id] = note.actor
        versions: list[Version] = []
        for (event, actor_id, why, detail), ids in groups.items():
            versions.extend(versions_for(event, ids, actors[actor_id], why, json.loads(detail)))
        append_many(versions)
        QueuedNote.objects.filter(pk__in=[note.pk for note in notes]).delete()
    return len(notes)


# Checking the chain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveReport:
    organization_id: int
    entries: int
    first_broken: int | None
    reason: str = ""
    # The last entry found good: where a later check may resume (``verify_archive(after=)``).
    head: Head = Head(0, GENESIS)

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify_archive(
    organization_id: int, anchors: Iterable[Anchor] = (), *, after: Head | None = None
) -> ArchiveReport:
    """Check every link, every content hash not erased by retention, and the checkpoints.

    With ``after`` (the head an earlier full check reached), check only the entries after
    it, once the chain is seen to still hold that head and its newest checkpoint before it:
    ``entries`` then counts the entries checked now."""
    watch = AnchorWatch(anchors)
    bad_signature = watch.first_bad_signature()
    entries = ArchiveEntry.objects.filter(organization_id=organization_id)
    head = after or Head(0, GENESIS)
    if after is not None:
        broken = watch.resume_chain(after, entries)
        if broken is not None:
            return ArchiveReport(organization_id, 0, broken.sequence, broken.reason, head)
    count = 0

    def report(first_broken: int | None, reason: str = "") -> ArchiveReport:
        return ArchiveReport(organization_id, count, first_broken, reason, head)

    for entry in entries.filter(sequence__gt=head.sequence).order_by("sequence").iterator():
        count += 1
        if entry.sequence != head.sequence + 1:
            return report(head.sequence + 1, "an entry is missing")
        if entry.prev_hash != head.hash:
            return report(entry.sequence, "it does not follow the one before")
        if entry_digest(entry) != entry.hash:
            return report(entry.sequence, "its place was changed")
        if entry.erased_at is None and entry.content_hash != content_digest(
            author_label=entry.author_label,
            actor_label=entry.actor_label,
            text=entry.text,
            content=entry.content,
        ):
            return report(entry.sequence, "its content was changed")
        broken = watch.see(entry.sequence, entry.hash)
        if broken is not None:
            return report(broken.sequence, broken.reason)
        head = Head(entry.sequence, entry.hash)
    broken = watch.finish(head.sequence) or bad_signature
    if broken is not None:
        return report(broken.sequence, broken.reason)
    return report(None)
