"""Where the apps that change records tell the archive what changed.

The records app keeps the archive and sits above publishing and inbox, so those apps cannot
call it: they call :func:`note` in the action that makes the change, inside its transaction,
and the records app installs the writer when Django starts (``RecordsConfig.ready``). Without
it (a project that leaves records out) a note is dropped.

Events name what changed, with the ids of the rows to read: ``post`` (a version of a post:
created, edited, submitted, approved, sent back, cancelled), ``publication`` (published on a
platform), ``publication_removed``, ``messages`` (stored from a platform), ``reply``,
``moderation`` (the message's id, with the action and clause in ``detail``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Person

ArchiveWriter = Callable[[str, Sequence[int], Person | None, str, Mapping[str, Any]], None]


def _nowhere(
    event: str, ids: Sequence[int], actor: Person | None, why: str, detail: Mapping[str, Any]
) -> None:
    return None


_writer: ArchiveWriter = _nowhere


def use_archive(writer: ArchiveWriter) -> None:
    global _writer
    _writer = writer


def note(
    event: str,
    ids: int | Sequence[int],
    *,
    actor: Person | AnonymousUser | None = None,
    why: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Archive what ``event`` changed in the rows ``ids``; ``why`` names the action, and
    ``detail`` carries what the rows do not say (a moderation's clause)."""
    id_list = [ids] if isinstance(ids, int) else list(ids)
    if id_list:
        _writer(event, id_list, actor if isinstance(actor, Person) else None, why, detail or {})
