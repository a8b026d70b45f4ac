"""The attempt ledger: one row for every call to a platform about a publication, never edited."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from civicdesk.connectors.base import ConnectorError
from civicdesk.publishing.models import Publication, PublicationAttempt


def record_attempt(
    publication: Publication,
    *,
    worker: str,
    started: datetime,
    outcome: str,
    detail: str = "",
    error: ConnectorError | None = None,
) -> PublicationAttempt:
    return PublicationAttempt.objects.create(
        publication=publication,
        worker=worker[:100],
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome,
        detail=(detail or (str(error) if error else ""))[:1000],
        http_status=error.status if error else None,
        retry_after=error.retry_after if error else None,
    )
