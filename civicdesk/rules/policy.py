"""An organization's social media policy as data, and its YAML form.

A policy is a tree of dataclasses. ``policy_from_yaml`` reads it with ``yaml.safe_load`` only
(hostile documents can build nothing but plain data) and checks every field's type, naming the
bad field in the error; ``policy_to_yaml`` writes it back so the two round-trip.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from typing import Any

import yaml

from .messages import FALLBACK, base_language
from .types import Severity

SCHEMA_VERSION = 1
MAX_DOCUMENT_CHARS = 1_000_000
_MAX_NODES = 200_000  # how many values a document may hold, aliases included
SEVERITY_CHOICES = ("blocking", "warning", "advice", "off")


@dataclass
class ReadabilityRules:
    enabled: bool = True
    # Below this many words a score says little about a text.
    minimum_words: int = 12
    # Minimum score per language; languages without a formula are not scored.
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"en": 50.0, "fr": 50.0, "es": 50.0}
    )


@dataclass
class AccessibilityRules:
    require_alt_text: bool = True
    hashtags_camel_case: bool = True
    max_hashtags: int = 2
    hashtags_at_end: bool = True
    max_sentence_words: int = 25
    max_emoji: int = 3
    emoji_must_not_carry_message: bool = True
    no_all_caps: bool = True
    # All-caps words up to this many letters are taken for acronyms.
    acronym_max_length: int = 5
    acronyms: list[str] = field(default_factory=list)
    readability: ReadabilityRules = field(default_factory=ReadabilityRules)


@dataclass
class LanguageRules:
    # The official languages; ``check_post``'s ``official_languages`` wins when given.
    official: list[str] = field(default_factory=list)
    require_all_official: bool = True
    require_paired: bool = True


@dataclass
class LinkRules:
    # Sites links may point to (subdomains included); empty means any site.
    allowed_domains: list[str] = field(default_factory=list)
    # The organization's own sites: always allowed, and they carry the tracking parameters.
    own_domains: list[str] = field(default_factory=list)
    tracking_parameters: list[str] = field(default_factory=list)
    require_https: bool = True
    flag_shorteners: bool = True


@dataclass
class ApprovalRule:
    """Words or a topic that need a named approver before a post goes out."""

    id: str
    topic: str
    approver: str
    terms: list[str]


@dataclass
class ForbiddenRule:
    """Words that are never allowed, with the reason shown to the author (per language)."""

    id: str
    terms: list[str]
    reason: dict[str, str] = field(default_factory=dict)

    def reason_in(self, language: str | None) -> str:
        return _in_language(self.reason, language)


@dataclass
class ModerationClause:
    """A ground on which a comment may be hidden or removed, cited by moderation actions."""

    id: str
    title: dict[str, str]
    text: dict[str, str]
    actions: list[str] = field(default_factory=lambda: ["hide", "delete"])

    def title_in(self, language: str | None) -> str:
        return _in_language(self.title, language)

    def text_in(self, language: str | None) -> str:
        return _in_language(self.text, language)


@dataclass
class RecurringRules:
    """How a recurring post (a series of occurrences) is approved."""

    # False: each occurrence is approved on its own, as the brand's approval tiers require;
    # True: the series is approved once, with the same tiers, for every occurrence.
    approve_series_once: bool = False


@dataclass
class Policy:
    name: str = "Social media policy"
    version: int = 1
    schema: int = SCHEMA_VERSION
    languages: LanguageRules = field(default_factory=LanguageRules)
    accessibility: AccessibilityRules = field(default_factory=AccessibilityRules)
    links: LinkRules = field(default_factory=LinkRules)
    approvals: list[ApprovalRule] = field(default_factory=list)
    forbidden: list[ForbiddenRule] = field(default_factory=list)
    moderation: list[ModerationClause] = field(default_factory=list)
    recurring: RecurringRules = field(default_factory=RecurringRules)
    # Rule code -> "blocking", "warning", "advice" or "off", for the policy's own rules.
    severities: dict[str, str] = field(default_factory=dict)

    def clause(self, clause_id: str) -> ModerationClause | None:
        return moderation_clause(self, clause_id)


def _in_language(texts: dict[str, str], language: str | None) -> str:
    if not texts:
        return ""
    if language and language in texts:
        return texts[language]
    return texts.get(base_language(language)) or texts.get(FALLBACK) or next(iter(texts.values()))


def moderation_clause(policy: Policy, clause_id: str) -> ModerationClause | None:
    """The moderation clause ``clause_id`` of ``policy``, or None."""
    return next((c for c in policy.moderation if c.id == clause_id), None)


class PolicyError(ValueError):
    """A policy document that cannot be used; ``path`` names the field, e.g. "links.own_domains"."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


class _Reader:
    def __init__(self) -> None:
        self.nodes = 0

    def read(self, hint: Any, value: Any, path: str) -> Any:
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise PolicyError(path, "the document holds too many values")
        origin = typing.get_origin(hint)
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.read_dataclass(hint, value, path)
        if isinstance(hint, type) and issubclass(hint, Enum):
            choices = [m.value for m in hint]
            if value not in choices:
                raise PolicyError(path, f"expected one of {', '.join(choices)}, got {value!r}")
            return hint(value)
        if hint is bool:
            if not isinstance(value, bool):
                raise PolicyError(path, f"expected true or false, got {_describe(value)}")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise PolicyError(path, f"expected an integer, got {_describe(value)}")
            return value
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise PolicyError(path, f"expected a number, got {_describe(value)}")
            return float(value)
        if hint is str:
            if not isinstance(value, str):
                raise PolicyError(path, f"expected a text, got {_describe(value)}")
            return value
        if origin is list:
            (item_hint,) = typing.get_args(hint)
            if not isinstance(value, list):
                raise PolicyError(path, f"expected a list, got {_describe(value)}")
            return [self.read(item_hint, item, f"{path}[{i}]") for i, item in enumerate(value)]
        if origin is dict:
            _key_hint, item_hint = typing.get_args(hint)
            if not isinstance(value, dict):
                raise PolicyError(path, f"expected a mapping, got {_describe(value)}")
            out = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise PolicyError(path, f"keys must be texts, got {_describe(key)}")
                out[key] = self.read(item_hint, item, f"{path}.{key}")
            return out
        raise TypeError(f"unsupported policy field type {hint!r}")  # a programming error

    def read_dataclass(self, cls: type, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise PolicyError(path, f"expected a mapping, got {_describe(value)}")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = [str(k) for k in value if k not in fields]
        if unknown:
            raise PolicyError(path, f"unknown field {unknown[0]!r} (known: {', '.join(fields)})")
        kwargs = {}
        for name, spec in fields.items():
            where = f"{path}.{name}" if path else name
            if name in value:
                kwargs[name] = self.read(hints[name], value[name], where)
            elif (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            ):
                raise PolicyError(where, "this field is required")
        return cls(**kwargs)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} ({shown[:40]}{'…' if len(shown) > 40 else ''})"


def _validate(policy: Policy) -> None:
    if policy.schema > SCHEMA_VERSION or policy.schema < 1:
        raise PolicyError(
            "schema",
            f"schema {policy.schema} is not one this version reads (1 to {SCHEMA_VERSION})",
        )
    if policy.version < 1:
        raise PolicyError("version", "must be 1 or more")
    for code, severity in policy.severities.items():
        if severity not in SEVERITY_CHOICES:
            raise PolicyError(
                f"severities.{code}",
                f"expected one of {', '.join(SEVERITY_CHOICES)}, got {severity!r}",
            )
    access = policy.accessibility
    for name in ("max_hashtags", "max_sentence_words", "max_emoji", "acronym_max_length"):
        if getattr(access, name) < 0:
            raise PolicyError(f"accessibility.{name}", "must not be negative")
    ruled: list[tuple[str, Sequence[ApprovalRule | ForbiddenRule | ModerationClause]]] = [
        ("approvals", policy.approvals),
        ("forbidden", policy.forbidden),
        ("moderation", policy.moderation),
    ]
    for kind, rules in ruled:
        seen: set[str] = set()
        for index, rule in enumerate(rules):
            if not rule.id.strip():
                raise PolicyError(f"{kind}[{index}].id", "must not be empty")
            if rule.id in seen:
                raise PolicyError(f"{kind}[{index}].id", f"{rule.id!r} is used twice")
            seen.add(rule.id)
            terms = getattr(rule, "terms", None)
            if terms is not None and not any(t.strip().strip("*").strip() for t in terms):
                raise PolicyError(f"{kind}[{index}].terms", "needs at least one word")


def policy_from_data(data: Any) -> Policy:
    """A policy from already-parsed plain data (a mapping), validated."""
    if data is None:
        data = {}
    policy: Policy = _Reader().read_dataclass(Policy, data, "")
    _validate(policy)
    return policy


def policy_from_yaml(document: str) -> Policy:
    """Read and validate a policy written in YAML; raises PolicyError naming the bad field."""
    if not isinstance(document, str):
        raise PolicyError("", "a policy document is text")
    if len(document) > MAX_DOCUMENT_CHARS:
        raise PolicyError("", f"the document is longer than {MAX_DOCUMENT_CHARS} characters")
    try:
        data = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError("", f"not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise PolicyError("", "the document is nested too deeply") from None
    if data is not None and not isinstance(data, dict):
        raise PolicyError("", f"a policy is a mapping of fields, got {_describe(data)}")
    return policy_from_data(data)


def policy_to_data(policy: Policy) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    data: dict[str, Any] = plain(dataclasses.asdict(policy))
    return data


def policy_to_yaml(policy: Policy) -> str:
    """The policy as YAML that ``policy_from_yaml`` reads back to an equal policy."""
    data = policy_to_data(policy)
    document = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if yaml.safe_load(document) != data:
        # Some characters (NEL, line separators) only survive as escapes.
        document = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=100)
    return document


def default_policy() -> Policy:
    """The policy Civic Desk ships: public-sector accessible social media guidance."""
    document = resources.files(__package__).joinpath("default_policy.yaml").read_text("utf-8")
    return policy_from_yaml(document)


def severity_for(policy: Policy, code: str, default: Severity) -> Severity | None:
    """The severity the policy gives ``code`` (None when switched off)."""
    chosen = policy.severities.get(code)
    if chosen is None:
        return default
    if chosen == "off":
        return None
    return Severity(chosen)
