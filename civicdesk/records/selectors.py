"""Reads of the records other screens need."""

from __future__ import annotations

from civicdesk.organizations.models import Organization
from civicdesk.records.holds import Item, active_scopes, holding
from civicdesk.records.models import ArchiveEntry


def holds_on_thread(*, organization_id: int, thread: str) -> list[str]:
    """The names of the holds in force that cover any version in the thread."""
    scopes = active_scopes(organization_id)
    if not scopes:
        return []
    tz = Organization.objects.get(pk=organization_id).tz
    names: dict[int, str] = {}
    entries = ArchiveEntry.objects.filter(organization_id=organization_id, thread=thread)
    for when, channel_id, author, text in entries.values_list(
        "occurred_at", "channel_id", "author_label", "text"
    ):
        item = Item(
            when=when,
            channel_ids=frozenset({channel_id}) if channel_id else frozenset(),
            authors=frozenset({author}),
            text=text,
        )
        for scope in holding(scopes, item, tz):
            names[scope.hold_id] = scope.name
    return sorted(names.values())
