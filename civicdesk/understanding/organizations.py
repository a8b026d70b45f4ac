"""Per-organisation models: retrained weekly from the shared data plus the team's corrections.

An organisation's model lives in ``settings.DATA_DIR / "models" / <organization slug>``; the
artifact shipped in the package is the fallback for organisations without one.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from . import models
from .retrain import RetrainReport, retrain

#: Correction fields that become training rows (the urgency is derived, not learned).
TRAINABLE_FIELDS = ("category",)


def _slug(organization) -> str:
    return organization if isinstance(organization, str) else organization.slug


def models_dir(organization) -> Path:
    """Where this organisation's own model is (or would be) installed."""
    return Path(settings.DATA_DIR) / "models" / _slug(organization)


def installed_models_dir(organization) -> Path | None:
    """The organisation's model folder when it holds a model, else None (use the shipped one)."""
    folder = models_dir(organization)
    return folder if (folder / models.ARTIFACT).is_file() else None


def corrections_for(organization) -> list[tuple[str, str, str]]:
    """(message text, field, corrected value): the latest correction per message and field."""
    from civicdesk.inbox.models import Correction

    rows = (
        Correction.objects.filter(
            message__channel__brand__organization__slug=_slug(organization),
            field__in=TRAINABLE_FIELDS,
        )
        .order_by("message_id", "field", "-created_at", "-pk")
        .values_list("message_id", "field", "new_value", "message__text")
    )
    latest: dict[tuple[int, str], tuple[str, str, str]] = {}
    for message_id, fld, value, text in rows:
        latest.setdefault((message_id, fld), (text or "", fld, value))
    return [row for row in latest.values() if row[0].strip()]


def retrain_organization(*, organization, data_dir) -> RetrainReport:
    """Retrain from ``data_dir`` plus the organisation's corrections; install only if not worse.

    ``organization`` is an Organization or its slug. The candidate is compared with the
    organisation's current model (or the shipped one) on the same held-out splits.
    """
    out = models_dir(organization)
    current = installed_models_dir(organization) or models.MODELS_DIR
    return retrain(
        data_dir=data_dir,
        corrections=corrections_for(organization),
        out_dir=out,
        current_dir=current,
    )
