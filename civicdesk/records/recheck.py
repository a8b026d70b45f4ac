"""Seeing what the public changed after the fact: received messages are read again from
their platform, where it allows, and an edit or a deletion is archived as a new version.

A periodic job in the worker (``records.recheck``) reads again the messages received in the
last ``RECORDS_RECHECK_DAYS`` on every active channel whose platform can answer; the inbox
keeps what it received, the archive keeps every version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicdesk.connectors.base import ConnectorError, UnsupportedError
from civicdesk.connectors.registry import connector_for
from civicdesk.core.text import clean_text
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import Channel
from civicdesk.records.archive import append, versions_for
from civicdesk.records.models import ArchiveEntry, EntryKind

logger = logging.getLogger(__name__)

MAX_PER_CHANNEL = 500


@dataclass
class RecheckReport:
    checked: int = 0
    edited: int = 0
    deleted: int = 0
    error: str = ""


def _latest(organization_id: int, message_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Per message, the kind and text of its newest archived version."""
    subjects = [f"message:{pk}" for pk in message_ids]
    latest: dict[int, tuple[str, str]] = {}
    rows = (
        ArchiveEntry.objects.filter(organization_id=organization_id, subject__in=subjects)
        .exclude(kind=EntryKind.MODERATION)
        .order_by("sequence")
        .values_list("subject", "kind", "text")
    )
    for subject, kind, text in rows:
        latest[int(subject.split(":")[1])] = (kind, text)
    return latest


def _stored_text(message_id: int) -> str:
    return InboundMessage.objects.filter(pk=message_id).values_list("text", flat=True).first() or ""


def recheck_channel(channel_id: int) -> RecheckReport:
    report = RecheckReport()
    channel = Channel.objects.select_related("brand").get(pk=channel_id)
    since = timezone.now() - timedelta(days=settings.RECORDS_RECHECK_DAYS)
    messages = list(
        InboundMessage.objects.filter(channel=channel, sent_at__gte=since)
        .order_by("-sent_at")
        .values_list("pk", "remote_id")[:MAX_PER_CHANNEL]
    )
    if not messages:
        return report
    latest = _latest(channel.brand.organization_id, [pk for pk, _ in messages])
    try:
        with connector_for(channel) as connector:
            for pk, remote_id in messages:
                kind, text = latest.get(pk, ("", ""))
                if kind == EntryKind.MESSAGE_DELETED:
                    continue
                try:
                    now = connector.fetch_message(remote_id)
                except UnsupportedError:
                    continue
                report.checked += 1
                if not kind:
                    # Received before the archive kept it: its first version is what we hold.
                    with transaction.atomic():
                        for version in versions_for("messages", [pk], None, "recheck", {}):
                            append(version)
                    kind, text = EntryKind.MESSAGE, _stored_text(pk)
                if now.deleted:
                    event, detail = "message_deleted", {"text": text}
                    report.deleted += 1
                elif clean_text(now.text) != text:
                    edited_at = now.edited_at.isoformat() if now.edited_at else ""
                    event = "message_edited"
                    detail = {"text": clean_text(now.text), "edited_at": edited_at}
                    report.edited += 1
                else:
                    continue
                with transaction.atomic():
                    for version in versions_for(event, [pk], None, event, detail):
                        append(version)
    except ConnectorError as exc:
        # The next run tries again; nothing is lost by waiting.
        report.error = str(exc)[:300]
        logger.info("records: channel %s could not be read again: %s", channel_id, exc)
    return report


def recheck_all() -> int:
    """The periodic job: every active channel. Returns how many edits and deletions it saw."""
    seen = 0
    for channel_id in Channel.objects.filter(is_active=True).values_list("pk", flat=True):
        report = recheck_channel(channel_id)
        seen += report.edited + report.deleted
    return seen
