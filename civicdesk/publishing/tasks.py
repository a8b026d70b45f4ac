"""Background tasks of publishing, run by the worker through Django's Tasks framework."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from civicdesk.connectors.base import ConnectorError, RetryableError
from civicdesk.connectors.registry import connector_for
from civicdesk.core import archive
from civicdesk.core.backoff import backoff_delay
from civicdesk.publishing.ledger import record_attempt
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import move

MAX_REMOVE_ATTEMPTS = 6


@task()
def remove_publication(publication_id: int, attempt: int = 1) -> str:
    """Delete a published post on its platform; deleting twice is harmless on every platform."""
    publication = Publication.objects.select_related("channel").get(pk=publication_id)
    if publication.state != S.DELETING:
        return publication.state
    started = timezone.now()
    try:
        with connector_for(publication.channel) as connector:
            connector.delete(publication.remote_id)
            for remote_id in publication.thread_remote_ids:
                connector.delete(remote_id)
    except RetryableError as error:
        _ledger(publication, started, AttemptOutcome.DELETE_FAILED, str(error))
        if attempt < MAX_REMOVE_ATTEMPTS:
            delay = backoff_delay(attempt, base=10, cap=900, retry_after=error.retry_after)
            transaction.on_commit(
                lambda: remove_publication.using(
                    run_after=timezone.now() + timedelta(seconds=delay)
                ).enqueue(publication_id, attempt + 1)
            )
            return "retrying"
        move(
            publication,
            S.PUBLISHED,
            status_reason=f"Could not remove it from the platform: {error}"[:500],
        )
        return "failed"
    except ConnectorError as error:
        _ledger(publication, started, AttemptOutcome.DELETE_FAILED, str(error))
        move(
            publication,
            S.PUBLISHED,
            status_reason=f"Could not remove it from the platform: {error}"[:500],
        )
        return "failed"
    _ledger(publication, started, AttemptOutcome.DELETED, "")
    with transaction.atomic():
        move(publication, S.DELETED, status_reason="Removed from the platform.")
        archive.note("publication", publication.pk, why="publication.deleted")
    return "deleted"


def _ledger(publication: Publication, started: datetime, outcome: str, detail: str) -> None:
    record_attempt(publication, worker="task", started=started, outcome=outcome, detail=detail)
