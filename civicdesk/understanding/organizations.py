"""Per-organisation models: retrained weekly from the shared data plus the team's corrections.

An organisation's model lives in ``settings.DATA_DIR / "models" / <organization slug>``; the
artifact shipped in the package is the fallback for organisations without one.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def retrain_organization(
    *, organization, data_dir, corrections: Iterable[tuple[str, str, str]]
) -> RetrainReport:
    """Retrain from ``data_dir`` plus the organisation's corrections; install only if not worse.

    ``organization`` is an Organization or its slug; ``corrections`` are (message text, field,
    corrected value) rows, as the inbox keeps them (``inbox.understanding.corrections_for``).
    The candidate is compared with the organisation's current model (or the shipped one) on
    the same held-out splits.
    """
    out = models_dir(organization)
    current = installed_models_dir(organization) or models.MODELS_DIR
    return retrain(
        data_dir=data_dir,
        corrections=list(corrections),
        out_dir=out,
        current_dir=current,
    )
