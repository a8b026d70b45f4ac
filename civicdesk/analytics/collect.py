"""Collecting metric snapshots from the platforms on a schedule."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.utils import timezone

from civicdesk.analytics.models import METRICS, MetricSnapshot
from civicdesk.connectors.base import Capability, ConnectorError
from civicdesk.connectors.registry import connector_for
from civicdesk.organizations.models import Channel
from civicdesk.publishing.models import Publication, PublicationState

logger = logging.getLogger(__name__)

# Posts older than this stop being measured: their numbers have settled.
POST_TRACKING_WINDOW = timedelta(days=30)


@dataclass
class CollectReport:
    account: int = 0
    posts: int = 0
    error: str = ""


def _values(source: object) -> dict[str, int | None]:
    names = {f.name for f in fields(source)}  # type: ignore[arg-type]
    return {name: getattr(source, name) for name in METRICS if name in names}


def collect_channel(channel_id: int, *, now: datetime | None = None) -> CollectReport:
    """Snapshot the account and its recent posts, as at ``now`` (a seed of the past passes
    its own day, so today's numbers close its history)."""
    report = CollectReport()
    channel = Channel.objects.get(pk=channel_id)
    now = now or timezone.now()
    try:
        with connector_for(channel) as connector:
            if connector.supports(Capability.ACCOUNT_METRICS):
                account = connector.fetch_account_metrics()
                MetricSnapshot.objects.create(channel=channel, captured_at=now, **_values(account))
                report.account = 1
            if connector.supports(Capability.POST_METRICS):
                recent = dict(
                    Publication.objects.filter(
                        channel=channel,
                        state=PublicationState.PUBLISHED,
                        published_at__gte=now - POST_TRACKING_WINDOW,
                    )
                    .exclude(remote_id="")
                    .values_list("remote_id", "pk")
                )
                ids = list(recent)
                for start in range(0, len(ids), 100):
                    metrics = connector.fetch_post_metrics(ids[start : start + 100])
                    MetricSnapshot.objects.bulk_create(
                        [
                            MetricSnapshot(
                                channel=channel,
                                publication_id=recent[m.remote_id],
                                captured_at=now,
                                **_values(m),
                            )
                            for m in metrics
                            if m.remote_id in recent
                        ]
                    )
                    report.posts += len(metrics)
    except ConnectorError as error:
        report.error = str(error)
        logger.warning("metrics for channel %s: %s", channel_id, error)
    return report
