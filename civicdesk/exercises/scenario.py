"""Scenario files: what an exercise plays, read from YAML and checked before anything runs.

A scenario is refused whole, with every problem named by its line, so an exercise never half
runs. ``load_scenario`` returns a frozen ``Scenario``; ``expand`` turns its timeline into the
list of single actions the runner fires, each at a scenario offset in seconds. The schema is
documented in docs/exercises.md.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from civicdesk.exnet.bank import CATEGORIES, default_bank
from civicdesk.exnet.faults import OPERATIONS, PARAMS
from civicdesk.understanding.types import KINDS

MAX_DURATION_MINUTES = 7 * 24 * 60
MAX_WAVE_COUNT = 2000
# The CrisisLex layouts: T26 names its text column "Tweet Text", T6 "tweet".
CRISISLEX_TEXT_COLUMNS = ("Tweet Text", "tweet", "text")
CRISISLEX_TYPE_COLUMN = "Information Type"


class ScenarioError(ValueError):
    """Every problem of a scenario file, each with its line."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems)
        super().__init__(
            "\n".join(
                _("line %(line)s: %(problem)s") % {"line": n, "problem": p}
                for n, p in self.problems
            )
        )


@dataclass(frozen=True)
class CrisisFile:
    path: str
    information_type: str = ""  # keep only rows of this CrisisLex information type


@dataclass(frozen=True)
class Wave:
    kind: str
    language: str
    rate_per_minute: float
    count: int
    texts: tuple[str, ...] = ()
    bank: str = ""  # a category of the exercise network's message bank
    crisis_file: CrisisFile | None = None


@dataclass(frozen=True)
class Rumour:
    language: str
    text: str
    correction: str


@dataclass(frozen=True)
class Fault:
    kind: str
    operation: str = "any"
    count: int | None = 1
    probability: float | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inject:
    text: str


@dataclass(frozen=True)
class Event:
    at_minutes: float
    line: int
    what: Wave | Rumour | Fault | Inject


@dataclass(frozen=True)
class Expectations:
    first_update_within_minutes: float | None = None
    emergency_answered_within_minutes: float | None = None
    rumours_corrected: bool = False
    cadence_minutes: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    languages: tuple[str, ...]
    duration_minutes: float
    timeline: tuple[Event, ...]
    expectations: Expectations
    seed: int = 0


@dataclass(frozen=True)
class Action:
    """One thing the runner does at ``at_seconds`` of scenario time."""

    at_seconds: float
    kind: str  # message, rumour, fault, inject
    data: dict[str, Any]


# Reading ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.append((node.start_mark.line + 1, message))

    def mapping(self, node: yaml.Node, what: str, keys: set[str]) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, _("%(what)s must be a mapping of names to values") % {"what": what})
            return None
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            if name not in keys:
                self.fail(
                    key,
                    _("%(what)s has no field %(name)r; known: %(known)s")
                    % {"what": what, "name": name, "known": ", ".join(sorted(keys))},
                )
            elif name in out:
                self.fail(key, _("%(name)s is given twice") % {"name": name})
            else:
                out[name] = value
        return out

    def scalar(self, node: yaml.Node) -> Any:
        return yaml.safe_load(yaml.serialize(node)) if isinstance(node, yaml.ScalarNode) else None

    def text(
        self, fields: dict[str, yaml.Node], name: str, parent: yaml.Node, *, required: bool = True
    ) -> str:
        node = fields.get(name)
        if node is None:
            if required:
                self.fail(parent, _("%(name)s is missing") % {"name": name})
            return ""
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            self.fail(node, _("%(name)s must be a non-empty text") % {"name": name})
            return ""
        return value.strip()

    def number(
        self,
        fields: dict[str, yaml.Node],
        name: str,
        parent: yaml.Node,
        *,
        low: float,
        high: float,
        required: bool = True,
    ) -> float | None:
        node = fields.get(name)
        if node is None:
            if required:
                self.fail(parent, _("%(name)s is missing") % {"name": name})
            return None
        value = self.scalar(node)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            self.fail(
                node,
                _("%(name)s must be a number from %(low)s to %(high)s")
                % {"name": name, "low": f"{low:g}", "high": f"{high:g}"},
            )
            return None
        return float(value)

    def language(
        self, fields: dict[str, yaml.Node], parent: yaml.Node, languages: tuple[str, ...]
    ) -> str:
        value = self.text(fields, "language", parent)
        if value and languages and value not in languages:
            self.fail(
                fields["language"],
                _("language %(code)s is not one of the scenario's: %(codes)s")
                % {"code": value, "codes": ", ".join(languages)},
            )
        return value


def load_scenario(text: str, *, base_dir: Path | None = None) -> Scenario:
    """The scenario in ``text``; raises ``ScenarioError`` listing every problem by line.

    A crisis data file's path is resolved against ``base_dir`` (the scenario file's folder) and
    its header is checked now; its rows are read when the wave runs.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError(
            [(line, _("not valid YAML: %(why)s") % {"why": getattr(exc, "problem", exc)})]
        ) from None
    if root is None:
        raise ScenarioError([(1, _("the file is empty"))])
    r = _Reader()
    top = r.mapping(
        root,
        _("the scenario"),
        {"name", "languages", "duration_minutes", "timeline", "expectations", "seed"},
    )
    if top is None:
        raise ScenarioError(r.problems)
    name = r.text(top, "name", root)
    languages: tuple[str, ...] = ()
    lang_node = top.get("languages")
    if lang_node is None:
        r.fail(root, _("languages is missing"))
    else:
        value = (
            r.scalar(lang_node)
            if isinstance(lang_node, yaml.ScalarNode)
            else yaml.safe_load(yaml.serialize(lang_node))
        )
        if isinstance(value, str):
            value = [value]
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and 2 <= len(v) <= 8 for v in value)
        ):
            r.fail(lang_node, _("languages must be a list of language codes, such as [en, fr]"))
        else:
            languages = tuple(value)
    duration = r.number(top, "duration_minutes", root, low=1, high=MAX_DURATION_MINUTES) or 0.0
    seed_value = r.number(top, "seed", root, low=0, high=2**31, required=False)
    events: list[Event] = []
    timeline = top.get("timeline")
    if timeline is None:
        r.fail(root, _("timeline is missing"))
    elif not isinstance(timeline, yaml.SequenceNode) or not timeline.value:
        r.fail(timeline, _("timeline must be a list of events"))
    else:
        for item in timeline.value:
            event = _event(r, item, languages, duration, base_dir)
            if event is not None:
                events.append(event)
    expectations = _expectations(r, top.get("expectations"), root)
    if r.problems:
        raise ScenarioError(r.problems)
    return Scenario(
        name=name,
        languages=languages,
        duration_minutes=duration,
        timeline=tuple(sorted(events, key=lambda e: (e.at_minutes, e.line))),
        expectations=expectations,
        seed=int(seed_value or 0),
    )


def load_scenario_file(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [(1, _("cannot read %(path)s: %(why)s") % {"path": path, "why": exc})]
        ) from None
    return load_scenario(text, base_dir=path.resolve().parent)


EVENT_KINDS = ("wave", "rumour", "fault", "inject")


def _event(
    r: _Reader, node: yaml.Node, languages: tuple[str, ...], duration: float, base_dir: Path | None
) -> Event | None:
    fields = r.mapping(node, _("an event"), {"at", *EVENT_KINDS})
    if fields is None:
        return None
    at = r.number(fields, "at", node, low=0, high=duration or MAX_DURATION_MINUTES)
    kinds = [k for k in EVENT_KINDS if k in fields]
    if len(kinds) != 1:
        r.fail(
            node,
            _("an event is one of %(kinds)s, with its minute in at")
            % {"kinds": ", ".join(EVENT_KINDS)},
        )
        return None
    kind = kinds[0]
    body = fields[kind]
    line = node.start_mark.line + 1
    what: Wave | Rumour | Fault | Inject | None
    if kind == "wave":
        what = _wave(r, body, languages, base_dir)
    elif kind == "rumour":
        f = r.mapping(body, _("a rumour"), {"language", "text", "correction"})
        what = (
            Rumour(
                language=r.language(f, body, languages),
                text=r.text(f, "text", body),
                correction=r.text(f, "correction", body),
            )
            if f is not None
            else None
        )
    elif kind == "fault":
        what = _fault(r, body)
    else:
        f = r.mapping(body, _("an inject"), {"text"})
        what = Inject(text=r.text(f, "text", body)) if f is not None else None
    if what is None or at is None:
        return None
    return Event(at_minutes=at, line=line, what=what)


def _wave(
    r: _Reader, node: yaml.Node, languages: tuple[str, ...], base_dir: Path | None
) -> Wave | None:
    f = r.mapping(
        node,
        _("a wave"),
        {"kind", "language", "rate_per_minute", "count", "texts", "bank", "crisis_file"},
    )
    if f is None:
        return None
    kind = r.text(f, "kind", node)
    if kind and kind not in KINDS:
        r.fail(f["kind"], _("kind must be one of %(kinds)s") % {"kinds": ", ".join(KINDS)})
    language = r.language(f, node, languages)
    rate = r.number(f, "rate_per_minute", node, low=0.01, high=600)
    count = r.number(f, "count", node, low=1, high=MAX_WAVE_COUNT)
    sources = [k for k in ("texts", "bank", "crisis_file") if k in f]
    if len(sources) != 1:
        r.fail(node, _("a wave takes its messages from one of texts, bank or crisis_file"))
        return None
    texts: tuple[str, ...] = ()
    bank = ""
    crisis: CrisisFile | None = None
    if "texts" in sources:
        value = yaml.safe_load(yaml.serialize(f["texts"]))
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(t, str) and t.strip() for t in value)
        ):
            r.fail(f["texts"], _("texts must be a list of messages"))
        else:
            texts = tuple(t.strip() for t in value)
    elif "bank" in sources:
        bank = r.text(f, "bank", node)
        if bank and bank not in CATEGORIES:
            r.fail(f["bank"], _("bank must be one of %(names)s") % {"names": ", ".join(CATEGORIES)})
    else:
        crisis = _crisis_file(r, f["crisis_file"], base_dir)
    if (
        not kind
        or not language
        or rate is None
        or count is None
        or (not texts and not bank and crisis is None)
    ):
        return None
    return Wave(
        kind=kind,
        language=language,
        rate_per_minute=rate,
        count=int(count),
        texts=texts,
        bank=bank,
        crisis_file=crisis,
    )


def _crisis_file(r: _Reader, node: yaml.Node, base_dir: Path | None) -> CrisisFile | None:
    if isinstance(node, yaml.ScalarNode):
        fields: dict[str, yaml.Node] | None = {"path": node}
    else:
        fields = r.mapping(node, _("a crisis file"), {"path", "information_type"})
    if fields is None:
        return None
    path = r.text(fields, "path", node)
    information_type = r.text(fields, "information_type", node, required=False)
    if not path:
        return None
    if base_dir is None and not Path(path).expanduser().is_absolute():
        # An uploaded scenario has no folder: a relative path would be read from wherever
        # the server happens to run.
        r.fail(
            fields["path"],
            _(
                "%(path)s is relative, but this scenario is not a file on the server: give "
                "the crisis file's full path"
            )
            % {"path": path},
        )
        return None
    resolved = resolve(path, base_dir)
    try:
        with resolved.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError) as exc:
        r.fail(
            fields["path"],
            _("cannot read the crisis file %(path)s: %(why)s") % {"path": path, "why": exc},
        )
        return None
    header = [h.strip() for h in header]
    if not any(c in header for c in CRISISLEX_TEXT_COLUMNS):
        r.fail(
            fields["path"],
            _("%(path)s is not in the CrisisLex layout: no column %(names)s")
            % {"path": path, "names": " or ".join(CRISISLEX_TEXT_COLUMNS)},
        )
        return None
    if information_type and CRISISLEX_TYPE_COLUMN not in header:
        r.fail(
            fields["information_type"],
            _("%(path)s has no column %(name)s") % {"path": path, "name": CRISISLEX_TYPE_COLUMN},
        )
        return None
    return CrisisFile(path=str(resolved), information_type=information_type)


def _fault(r: _Reader, node: yaml.Node) -> Fault | None:
    f = r.mapping(
        node,
        _("a fault"),
        {"kind", "operation", "count", "probability", *{p for ps in PARAMS.values() for p in ps}},
    )
    if f is None:
        return None
    kind = r.text(f, "kind", node)
    if kind and kind not in PARAMS:
        r.fail(f["kind"], _("kind must be one of %(kinds)s") % {"kinds": ", ".join(PARAMS)})
        return None
    operation = r.text(f, "operation", node, required=False) or "any"
    if operation not in OPERATIONS:
        r.fail(
            f["operation"],
            _("operation must be one of %(names)s") % {"names": ", ".join(sorted(OPERATIONS))},
        )
    count = r.number(f, "count", node, low=1, high=10000, required=False)
    probability = r.number(f, "probability", node, low=0.001, high=1, required=False)
    params: dict[str, Any] = {}
    for name in set(f) - {"kind", "operation", "count", "probability"}:
        if name not in PARAMS.get(kind, {}):
            r.fail(f[name], _("a %(kind)s fault takes no %(name)s") % {"kind": kind, "name": name})
            continue
        value = r.scalar(f[name])
        if name == "mode":
            if value not in ("hold", "close"):
                r.fail(f[name], _("mode is hold or close"))
            params[name] = value
        elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600:
            r.fail(f[name], _("%(name)s must be a number") % {"name": name})
        else:
            params[name] = value
    if not kind:
        return None
    return Fault(
        kind=kind,
        operation=operation,
        count=int(count) if count is not None else (None if probability is not None else 1),
        probability=probability,
        params=params,
    )


def _expectations(r: _Reader, node: yaml.Node | None, root: yaml.Node) -> Expectations:
    if node is None:
        r.fail(root, _("expectations is missing"))
        return Expectations()
    f = r.mapping(
        node,
        _("the expectations"),
        {
            "first_update_within_minutes",
            "emergency_answered_within_minutes",
            "rumours_corrected",
            "cadence_minutes",
        },
    )
    if f is None:
        return Expectations()
    corrected = False
    if "rumours_corrected" in f:
        value = r.scalar(f["rumours_corrected"])
        if not isinstance(value, bool):
            r.fail(f["rumours_corrected"], _("rumours_corrected is true or false"))
        corrected = value is True
    expectations = Expectations(
        first_update_within_minutes=r.number(
            f, "first_update_within_minutes", node, low=1, high=MAX_DURATION_MINUTES, required=False
        ),
        emergency_answered_within_minutes=r.number(
            f,
            "emergency_answered_within_minutes",
            node,
            low=1,
            high=MAX_DURATION_MINUTES,
            required=False,
        ),
        rumours_corrected=corrected,
        cadence_minutes=r.number(
            f, "cadence_minutes", node, low=1, high=MAX_DURATION_MINUTES, required=False
        ),
    )
    if expectations == Expectations():
        r.fail(node, _("name at least one expectation to score the team against"))
    return expectations


def resolve(path: str, base_dir: Path | None) -> Path:
    """A crisis file's path: relative ones against the scenario's folder, made absolute."""
    candidate = Path(path).expanduser()
    if not candidate.is_absolute() and base_dir is not None:
        candidate = base_dir / candidate
    return candidate.resolve()


# Expanding ----------------------------------------------------------------------------------


def crisis_texts(crisis: CrisisFile) -> list[str]:
    """The crisis file's messages, read now (never copied into the project)."""
    with open(crisis.path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = []
    for row in rows:
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        if (
            crisis.information_type
            and row.get(CRISISLEX_TYPE_COLUMN, "").strip() != crisis.information_type
        ):
            continue
        text = next((row[c] for c in CRISISLEX_TEXT_COLUMNS if row.get(c, "").strip()), "")
        if text.strip():
            texts.append(text.strip())
    return texts


def _wave_texts(wave: Wave) -> list[str]:
    if wave.texts:
        return list(wave.texts)
    if wave.bank:
        return list(default_bank().pick(wave.language, wave.bank))
    assert wave.crisis_file is not None
    return crisis_texts(wave.crisis_file)


def expand(scenario: Scenario) -> list[Action]:
    """Every single action of the scenario in the order it happens (same seed, same list)."""
    rng = random.Random(scenario.seed)
    actions: list[Action] = []
    for index, event in enumerate(scenario.timeline):
        start = event.at_minutes * 60
        what = event.what
        if isinstance(what, Wave):
            texts = _wave_texts(what)
            if not texts:
                raise ScenarioError([(event.line, _("the wave has no messages to send"))])
            gap = 60 / what.rate_per_minute
            for n in range(what.count):
                actions.append(
                    Action(
                        start + n * gap,
                        "message",
                        {
                            "event": index,
                            "kind": what.kind,
                            "language": what.language,
                            "text": rng.choice(texts),
                        },
                    )
                )
        elif isinstance(what, Rumour):
            actions.append(
                Action(
                    start,
                    "rumour",
                    {
                        "event": index,
                        "language": what.language,
                        "text": what.text,
                        "correction": what.correction,
                    },
                )
            )
        elif isinstance(what, Fault):
            actions.append(
                Action(
                    start,
                    "fault",
                    {
                        "event": index,
                        "kind": what.kind,
                        "operation": what.operation,
                        "count": what.count,
                        "probability": what.probability,
                        "params": what.params,
                    },
                )
            )
        else:
            actions.append(Action(start, "inject", {"event": index, "text": what.text}))
    limit = scenario.duration_minutes * 60
    return sorted((a for a in actions if a.at_seconds <= limit), key=lambda a: a.at_seconds)
