"""Which channels an incident in progress covers, as the incidents app tells the inbox.

The inbox sits below incidents, so it cannot ask them: the incidents app installs its
selector here when it starts (``set_incident_scope``). Until then no channel is in scope.
Understanding (incident mode) and routing ("during an incident") both ask it, once a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

IncidentScope = Callable[[Collection[int]], Collection[int]]
_incident_scope: IncidentScope = lambda channel_ids: ()  # noqa: E731


def set_incident_scope(scope: IncidentScope | None) -> None:
    """Install the function that tells which channels are in an incident's scope (None: none)."""
    global _incident_scope
    _incident_scope = scope or (lambda channel_ids: ())


def incident_channels(channel_ids: Collection[int]) -> set[int]:
    """Which of these channels an incident in progress covers."""
    return set(_incident_scope(channel_ids)) if channel_ids else set()
