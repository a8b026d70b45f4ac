"""New items in the organization's newsroom feed become draft posts for review."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.connectors.base import Capability, ConnectorError
from civicdesk.connectors.newsroom.connector import NewsroomConnector
from civicdesk.connectors.newsroom.feed import FeedItem as Item
from civicdesk.connectors.registry import channels_that, connector_for
from civicdesk.organizations.models import Channel, ChannelHealth
from civicdesk.publishing.models import FeedItem
from civicdesk.publishing.services import Draft, post_create

logger = logging.getLogger(__name__)

# On the first read of a feed, only recent items become drafts: not the whole archive.
FIRST_READ_WINDOW = timedelta(days=7)
FIRST_READ_MAX = 5


@dataclass
class FeedReport:
    items: int = 0
    drafts: int = 0
    error: str = ""


def draft_text(item: Item) -> str:
    parts = [item.title.strip()]
    if item.link:
        parts.append(item.link)
    return "\n\n".join(p for p in parts if p)


def import_feed(channel_id: int) -> FeedReport:
    report = FeedReport()
    channel = Channel.objects.select_related("brand__organization", "connected_by").get(
        pk=channel_id
    )
    connector = connector_for(channel)
    assert isinstance(connector, NewsroomConnector)
    try:
        feed, validators = connector.fetch_feed(validators=channel.inbound_cursor)
    except ConnectorError as error:
        report.error = str(error)
        Channel.objects.filter(pk=channel.pk).update(
            health=ChannelHealth.DEGRADED, health_detail=f"Feed: {error}"[:500]
        )
        return report
    finally:
        connector.close()
    Channel.objects.filter(pk=channel.pk).update(
        inbound_cursor=validators[:500],
        inbound_checked_at=timezone.now(),
        health=ChannelHealth.OK,
        health_detail="",
    )
    if feed is None:
        return report
    report.items = len(feed.items)
    known = set(FeedItem.objects.filter(channel=channel).values_list("guid", flat=True))
    fresh = [item for item in feed.items if item.guid not in known]
    if not known:
        cutoff = timezone.now() - FIRST_READ_WINDOW
        recent = [i for i in fresh if i.published_at and i.published_at >= cutoff]
        for item in fresh:
            if item not in recent[:FIRST_READ_MAX]:
                FeedItem.objects.get_or_create(
                    channel=channel,
                    guid=item.guid,
                    defaults={
                        "title": item.title[:500],
                        "link": item.link,
                        "published_at": item.published_at,
                    },
                )
        fresh = recent[:FIRST_READ_MAX]
    targets = channels_that(
        Capability.PUBLISH, channel.brand.channels.filter(is_active=True).exclude(pk=channel.pk)
    )
    author = channel.connected_by
    org = channel.brand.organization
    language = (
        feed.language
        if feed.language in org.official_languages
        else (org.official_languages[0] if org.official_languages else "en")
    )
    for item in fresh:
        try:
            with transaction.atomic():
                record = FeedItem.objects.create(
                    channel=channel,
                    guid=item.guid,
                    title=item.title[:500],
                    link=item.link,
                    published_at=item.published_at,
                )
                if author is None or not targets:
                    continue  # remembered, but nobody to draft for or nowhere to post
                post = post_create(
                    brand=channel.brand,
                    actor=author,
                    draft=Draft(
                        title=f"Newsroom: {item.title}"[:200] or "Newsroom item",
                        texts={language: draft_text(item)},
                        channels=targets,
                        link=item.link,
                    ),
                )
                record.post = post
                record.save(update_fields=["post"])
                report.drafts += 1
        except IntegrityError:
            continue  # another worker took this item first
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the feed
            logger.warning("newsroom item %r skipped: %s", item.guid[:80], exc)
    return report
