"""Message understanding: language, kind, urgency, crisis information type and personal data of
public messages, offline on the CPU, from models shipped inside Python packages or trained by
this project (``civicdesk train_understanding``)."""

from __future__ import annotations

from .embedding import embed
from .models import ModelMissingError
from .pii import mask_pii
from .pipeline import understand, understand_batch
from .retrain import RetrainReport, retrain
from .types import CRISIS_TYPES, KINDS, URGENCIES, PiiSpan, Understanding

__all__ = [
    "CRISIS_TYPES",
    "KINDS",
    "URGENCIES",
    "ModelMissingError",
    "PiiSpan",
    "RetrainReport",
    "Understanding",
    "embed",
    "mask_pii",
    "retrain",
    "understand",
    "understand_batch",
]
