"""Running message understanding on stored messages."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path

from django.db import connection
from django.db.models import Field
from django.utils import timezone

from civicdesk.inbox.arrivals import messages_understood
from civicdesk.inbox.models import Correction, InboundMessage
from civicdesk.inbox.routing import route_messages
from civicdesk.inbox.scope import incident_channels as incident_channels_of
from civicdesk.inbox.scope import set_incident_scope as set_incident_scope  # the app's hook
from civicdesk.inbox.sla import set_due_for_messages
from civicdesk.organizations.models import Channel
from civicdesk.understanding import embedding
from civicdesk.understanding.organizations import TRAINABLE_FIELDS, installed_models_dir

logger = logging.getLogger(__name__)


def _incident_scope(channel_ids: Collection[int]) -> set[int]:
    """The installed incident scope, as this module answered before it moved to scope.py."""
    return incident_channels_of(channel_ids)


def warm_up() -> None:
    """Load the shipped understanding models and the sentence encoder now (more than a
    second of CPU), so that a worker's first page of messages does not wait for them.
    Never raises: without the models the inbox works as ``understand_messages`` says."""
    try:
        from civicdesk.understanding import understand_batch

        understand_batch(["Is the road open tonight?"])
    except Exception:  # noqa: BLE001 - the inbox must keep working without the models
        logger.exception("message understanding is unavailable")


def understand_messages(
    message_ids: Sequence[int], *, incident_channels: Collection[int] | None = None
) -> int:
    """Fill in language, category, urgency and personal data for these messages.

    Messages of channels in ``incident_channels`` (by default: those the installed incident
    scope names) are understood in incident mode (crisis information type, informativeness).

    Never raises: a message the model could not read keeps ``understood_at`` empty and
    is tried again by ``understand_pending``.
    """
    if not message_ids:
        return 0
    try:
        # Loads the models on first use; the inbox keeps working when they cannot be loaded.
        from civicdesk.understanding import understand_batch
    except Exception:  # noqa: BLE001 - the inbox must keep working without the models
        logger.exception("message understanding is unavailable")
        return 0
    # (pk, text, channel) rows: a page's messages share their channel and organization,
    # which select_related would build again for every message.
    messages = list(
        InboundMessage.objects.filter(pk__in=message_ids, understood_at__isnull=True).values_list(
            "pk", "text", "channel_id"
        )
    )
    if incident_channels is None:
        incident_channels = incident_channels_of({channel_id for _, _, channel_id in messages})
    in_incident = set(incident_channels)
    models_of = _models_by_channel({channel_id for _, _, channel_id in messages})
    by_languages: dict[tuple, list[tuple[int, str]]] = {}
    for pk, text, channel_id in messages:
        # the organisation's own retrained model when it has one, else the shipped one
        languages, models_dir = models_of[channel_id]
        key = (languages, models_dir, channel_id in in_incident)
        by_languages.setdefault(key, []).append((pk, text))
    now = timezone.now()
    done = 0
    for (languages, models_dir, incident), group in by_languages.items():
        try:
            results = understand_batch(
                [text for _, text in group],
                languages=languages,
                models_dir=models_dir,
                incident=incident,
            )
        except Exception:  # noqa: BLE001
            logger.exception("message understanding failed on a batch of %d", len(group))
            continue
        _write_understanding(
            [
                (
                    pk,
                    (
                        result.language,
                        result.kind,
                        {k: round(v, 4) for k, v in result.kind_scores.items()},
                        result.urgency,
                        list(result.urgency_reasons),
                        [{"start": s.start, "end": s.end, "kind": s.kind} for s in result.pii],
                        now,
                    ),
                )
                for (pk, _), result in zip(group, results, strict=True)
            ]
        )
        done += len(group)
    return done


def _models_by_channel(channel_ids: Collection[int]) -> dict[int, tuple[tuple, Path | None]]:
    """Each channel's organization's languages and installed model folder (one look on disk
    per organization, not per message)."""
    folders: dict[int, Path | None] = {}
    found: dict[int, tuple[tuple, Path | None]] = {}
    for channel_id, organization_id, languages, slug in Channel.objects.filter(
        pk__in=channel_ids
    ).values_list(
        "pk",
        "brand__organization_id",
        "brand__organization__official_languages",
        "brand__organization__slug",
    ):
        if organization_id not in folders:
            folders[organization_id] = installed_models_dir(slug)
        found[channel_id] = (tuple(languages), folders[organization_id])
    return found


UNDERSTOOD_FIELDS = (
    "language",
    "category",
    "category_scores",
    "urgency",
    "urgency_reasons",
    "personal_data",
    "understood_at",
)


def _save_understanding(messages: Sequence[InboundMessage]) -> None:
    """Write the understanding held by these messages' fields (``UNDERSTOOD_FIELDS``)."""
    _write_understanding(
        [(m.pk, tuple(getattr(m, name) for name in UNDERSTOOD_FIELDS)) for m in messages]
    )


def _write_understanding(rows: Sequence[tuple[int, Sequence[object]]]) -> None:
    """(pk, values in ``UNDERSTOOD_FIELDS`` order) rows, with one UPDATE statement run once
    per message (executemany). ``bulk_update`` builds a CASE per field and row, which cost
    more than understanding the messages did."""
    meta = InboundMessage._meta
    quote = connection.ops.quote_name
    fields: list[Field] = []
    assigned: list[str] = []
    for name in UNDERSTOOD_FIELDS:
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.column, name  # plain columns of the table
        fields.append(field)
        assigned.append(f"{quote(field.column)} = %s")
    assert meta.pk is not None and meta.pk.column
    assignments = ", ".join(assigned)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [f.get_db_prep_save(value, connection) for f, value in zip(fields, values, strict=True)]
        + [pk]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def understand_pending(limit: int = 500) -> int:
    """Understand the messages left without (the model was down), then route them and set
    their due times, as ingest does with the messages it understands on arrival."""
    ids = list(
        InboundMessage.objects.filter(understood_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    # The incident scope asked once, for understanding and routing alike.
    channels = set(InboundMessage.objects.filter(pk__in=ids).values_list("channel_id", flat=True))
    in_incident = incident_channels_of(channels)
    # As on ingest: claim matching reuses the vectors understanding computes.
    with embedding.remembered():
        done = understand_messages(ids, incident_channels=in_incident)
        if done:
            route_messages(ids, incident_channels=in_incident)
            set_due_for_messages(ids)
            messages_understood(ids)
    return done


def corrections_for(organization_slug: str) -> list[tuple[str, str, str]]:
    """(message text, field, corrected value): the organization's latest correction per message
    and field, what its understanding model is retrained with."""
    rows = (
        Correction.objects.filter(
            message__channel__brand__organization__slug=organization_slug,
            field__in=TRAINABLE_FIELDS,
        )
        .order_by("message_id", "field", "-created_at", "-pk")
        .values_list("message_id", "field", "new_value", "message__text")
    )
    latest: dict[tuple[int, str], tuple[str, str, str]] = {}
    for message_id, fld, value, text in rows:
        latest.setdefault((message_id, fld), (text or "", fld, value))
    return [row for row in latest.values() if row[0].strip()]
