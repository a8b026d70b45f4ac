"""The worker's listening jobs: fetch what followed terms found, then group the new messages
into topics and look for spikes (grouping first, so a spike counts every message)."""

from __future__ import annotations

from datetime import datetime

from civicdesk.listening.listen import FetchReport, fetch_all
from civicdesk.listening.spikes import detect_all
from civicdesk.listening.topics import group_all

FETCH_EVERY = 60.0
TOPICS_EVERY = 60.0


def fetch() -> FetchReport:
    return fetch_all()


def topics_and_spikes(*, now: datetime | None = None) -> list[int]:
    """Group what is new, then raise cards; returns the ids of the cards raised."""
    group_all()
    return detect_all(now=now)
