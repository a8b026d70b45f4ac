"""Public value types and label sets of the understanding package."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

KINDS = (
    "question",
    "complaint",
    "help_request",
    "emergency",
    "rumour",
    "praise",
    "suggestion",
    "spam",
    "other",
)
URGENCIES = ("critical", "high", "medium", "low")
CRISIS_TYPES = (
    "affected_individuals",
    "infrastructure_utilities",
    "donations_volunteering",
    "caution_advice",
    "sympathy_support",
    "other_useful",
    "not_related",
)
PII_KINDS = ("phone", "email", "card", "id_number", "address")


@dataclass(frozen=True)
class PiiSpan:
    """A span ``text[start:end]`` holding personal data of the given kind."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Understanding:
    """What the pipeline understood of one message."""

    language: str
    language_confidence: float
    kind: str
    kind_scores: dict[str, float] = field(hash=False)
    urgency: str
    urgency_reasons: tuple[str, ...]
    crisis_type: str | None
    informative: bool | None
    pii: tuple[PiiSpan, ...]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["kind_scores"] = dict(self.kind_scores)
        data["urgency_reasons"] = list(self.urgency_reasons)
        data["pii"] = [asdict(span) for span in self.pii]
        return data
