"""Where the apps that change records tell the archive what changed.

The records app keeps the archive and sits above publishing and inbox, so those apps cannot
call it: they call :func:`note` in the action that makes the change, inside its transaction,
and the records app installs the writer when Django starts (``RecordsConfig.ready``). Without
it (a project that leaves records out) a note is dropped.

Events name what changed, with the ids of the rows to read: ``post`` (a version of a post:
created, edited, submitted, approved, sent back, cancelled), ``publication`` (published on a
platform), ``publication_removed``, ``messages`` (stored from a platform), ``reply``,
``moderation`` (the message's id, with the action and clause in ``detail``).

A thread that makes many changes in a row (the publishing engine's senders) may ask for its
notes to be *queued* (:func:`queued`): each note is then one small row written in the
change's own transaction, and :func:`drain` later turns the queue into archive entries in
batches, one chain append per organization for many notes. A queued note survives a crash
with the change it describes; the next drain writes it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Person

ArchiveWriter = Callable[[str, Sequence[int], Person | None, str, Mapping[str, Any]], None]


def _nowhere(
    event: str, ids: Sequence[int], actor: Person | None, why: str, detail: Mapping[str, Any]
) -> None:
    return None


def _nothing_to_drain(limit: int) -> int:
    return 0


_writer: ArchiveWriter = _nowhere
_queue: ArchiveWriter = _nowhere
_drain: Callable[[int], int] = _nothing_to_drain
_local = threading.local()


def use_archive(
    writer: ArchiveWriter,
    *,
    queue: ArchiveWriter | None = None,
    drain: Callable[[int], int] | None = None,
) -> None:
    """Install the archive's writer, and optionally its queue and the drain that empties it."""
    global _writer, _queue, _drain
    _writer = writer
    _queue = queue or writer
    _drain = drain or _nothing_to_drain


@contextmanager
def queued() -> Iterator[None]:
    """Queue this thread's notes for :func:`drain` instead of appending each at once."""
    before = getattr(_local, "queued", False)
    _local.queued = True
    try:
        yield
    finally:
        _local.queued = before


def drain(limit: int = 500) -> int:
    """Write up to ``limit`` queued notes into the archive; returns how many were written."""
    return _drain(limit)


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
        write = _queue if getattr(_local, "queued", False) else _writer
        write(event, id_list, actor if isinstance(actor, Person) else None, why, detail or {})
